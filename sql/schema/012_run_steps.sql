-- 012_run_steps: what each step of a run cost (netdyn.core.timing, netdyn.store.runs.recorded_run).
-- run_steps: one row per run and step, in the order they ran; key (run_id, position).
-- Written as each step ends and again when the run ends (netdyn.store.runs). cpu_seconds counts this process and the
-- worker processes that ended during the step; peak_rss_bytes is a high-water mark (the
-- process's peak so far), so the step that raised it is the first whose value jumps.
create table if not exists run_steps (
    run_id          varchar not null,
    position        integer not null,   -- 0, 1, ... in the order the steps ran
    step            varchar not null,   -- the task or subflow name, e.g. structure_task
    seconds         double not null,    -- wall-clock seconds
    cpu_seconds     double not null,    -- user + system CPU seconds
    peak_rss_bytes  bigint not null,
    is_ok           boolean not null,   -- false if the step raised
    primary key (run_id, position)
);
