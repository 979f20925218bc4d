-- 002_runs_and_results: analysis and simulation runs and the result tables keyed by run_id.
-- runs: one row per run; key run_id.
-- cascades: one row per run and cascade; key (run_id, cascade_id).
-- actor_metrics: one row per run and actor; key (run_id, actor_id).
-- powerlaw_fits: one row per run and quantity fitted; key (run_id, quantity).

create table if not exists runs (
    run_id              varchar primary key,
    flow                varchar not null,     -- pipeline | analyze | ingest | simulate
    parameters          json,
    sources             varchar[],            -- event source labels the run read or wrote
    event_watermark     bigint,               -- max event_seq the run saw
    data_fingerprint    varchar,              -- hash of (source, n_events, max event_seq) it saw
    package_versions    json,
    status              varchar not null,     -- running | completed | failed | abandoned
    error               varchar,
    report_path         varchar,
    started_at          timestamptz not null,
    finished_at         timestamptz
);

create table if not exists cascades (
    run_id                  varchar not null,
    cascade_id              varchar not null,  -- root_object_id of the cascade
    source                  varchar not null,
    root_event_seq          bigint,
    root_actor_id           varchar,
    community               varchar,
    size                    bigint not null,   -- nodes reachable from the root, root included
    depth                   integer not null,  -- longest root-to-node path (root = 0)
    max_breadth             bigint not null,   -- most nodes at one depth
    structural_virality     double,            -- mean pairwise tree distance; null when size = 1
    lifetime_seconds        double,            -- last minus first event time; null if no times
    n_actors                bigint not null,   -- distinct actors in the cascade
    n_orphans               bigint not null,   -- events naming this root but not reachable from it
    started_at              timestamptz,       -- root time when absolute times are known
    primary key (run_id, cascade_id)
);

create table if not exists actor_metrics (
    run_id          varchar not null,
    actor_id        varchar not null,
    n_events        bigint not null,          -- events the actor performed
    in_degree       bigint not null,          -- distinct actors who replied to / messaged them
    out_degree      bigint not null,          -- distinct actors they replied to / messaged
    in_strength     bigint not null,          -- interactions received (weighted)
    out_strength    bigint not null,          -- interactions sent (weighted)
    coreness        integer not null,         -- k-core index, undirected, self-loops removed
    primary key (run_id, actor_id)
);

create table if not exists powerlaw_fits (
    run_id          varchar not null,
    quantity        varchar not null,         -- cascade_size | in_degree | out_degree | ...
    discrete        boolean not null,
    status          varchar not null,         -- ok | too_few | all_equal | ...
    n               bigint not null,          -- usable values
    n_tail          bigint,
    xmin            double,
    xmax            double,
    alpha           double,
    sigma           double,                   -- standard error of alpha
    ks_distance     double,
    loglikelihood   double,
    primary key (run_id, quantity)
);
