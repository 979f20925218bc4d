-- 005_cascade_timing: cascade growth times, per-node depth and delay, and a per-source cascade key.
-- proj_cascades / cascades gain time_to_50pct_seconds and time_to_90pct_seconds (time after the root
-- at which the cascade reached half / 90 % of its final size).
-- proj_cascade_nodes: one row per source and item in a cascade; key (source, object_id).
-- cascade_nodes: one row per run, source and item in a cascade; key (run_id, source, object_id).
-- cascades is re-keyed (run_id, source, cascade_id): two sources may share item ids.
-- The cascades projection is reset here and rebuilt from the log by its next advance.

alter table proj_cascades add column if not exists time_to_50pct_seconds double;
alter table proj_cascades add column if not exists time_to_90pct_seconds double;

create table if not exists proj_cascade_nodes (
    source          varchar not null,
    object_id       varchar not null,
    cascade_id      varchar not null,        -- root item of the cascade the node belongs to
    depth           integer not null,        -- edges from the root (root = 0)
    delay_seconds   double,                  -- node time minus root time; null without times
    primary key (source, object_id)
);

delete from proj_cascades;
delete from proj_items;
delete from proj_forest_flags;
delete from projection_progress where projection = 'cascades';

create table cascades_005 (
    run_id                  varchar not null,
    cascade_id              varchar not null,  -- root object_id of the cascade
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
    time_to_50pct_seconds   double,            -- after the root, until half the final size
    time_to_90pct_seconds   double,            -- after the root, until 90 % of the final size
    primary key (run_id, source, cascade_id)
);
insert into cascades_005 by name select * from cascades;
drop table cascades;
alter table cascades_005 rename to cascades;

create table if not exists cascade_nodes (
    run_id          varchar not null,
    source          varchar not null,
    object_id       varchar not null,
    cascade_id      varchar not null,
    depth           integer not null,
    delay_seconds   double,
    primary key (run_id, source, object_id)
);
