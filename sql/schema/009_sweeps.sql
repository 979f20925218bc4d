-- 009_sweeps: results of parameter sweeps of the platform model (flows/sweep.py).
-- sweep_results: one row per sweep run, grid point and statistic; key (run_id, point, statistic).
create table if not exists sweep_results (
    run_id          varchar not null,
    point           integer not null,   -- position in the grid (row-major over the axes)
    parameters      json not null,      -- the swept parameters' values at this point
    seed            bigint not null,    -- the point's own seed
    source_label    varchar not null,   -- sim:platform:<hash> the point would be stored under
    statistic       varchar not null,   -- alpha:cascade_size, gini:activity, ...
    value           double,
    primary key (run_id, point, statistic)
);
