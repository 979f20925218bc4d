-- 003_projections: incrementally maintained projections of the event log, and run ownership.
-- Each projection advances from the last event_seq it consumed; its output and its progress row
-- are written in one transaction (netdyn.projections), so a crash never separates them.
-- projection_progress: one row per projection; key projection.
-- proj_actor_activity: one row per source and actor; key (source, actor_id).
-- proj_interactions: one row per source and ordered actor pair; key (source, actor_id, target_actor_id).
-- proj_items: one row per source and item (object_id): the nodes of the cascade forest; key (source, object_id).
-- proj_cascades: one row per source and cascade (root item), current metrics; key (source, cascade_id).

create table if not exists projection_progress (
    projection      varchar primary key,
    last_event_seq  bigint not null,         -- the last event the projection consumed
    updated_at      timestamptz not null
);

create table if not exists proj_actor_activity (
    source          varchar not null,
    actor_id        varchar not null,
    n_events        bigint not null,         -- events the actor performed, all kinds
    first_event_seq bigint not null,
    last_event_seq  bigint not null,
    primary key (source, actor_id)
);

create table if not exists proj_interactions (
    source          varchar not null,
    actor_id        varchar not null,
    target_actor_id varchar not null,
    weight          bigint not null,         -- interactions (aggregated rows count their weight)
    primary key (source, actor_id, target_actor_id)
);

create table if not exists proj_items (
    source           varchar not null,
    object_id        varchar not null,
    event_seq        bigint not null,        -- the event that created the item (first one wins)
    parent_object_id varchar,
    root_object_id   varchar,
    actor_id         varchar,
    community        varchar,
    occurred_at      timestamptz,
    seconds_since_root double,
    primary key (source, object_id)
);

create table if not exists proj_cascades (
    source                  varchar not null,
    cascade_id              varchar not null,
    root_event_seq          bigint,
    root_actor_id           varchar,
    community               varchar,
    size                    bigint not null,
    depth                   integer not null,
    max_breadth             bigint not null,
    structural_virality     double,
    lifetime_seconds        double,
    n_actors                bigint not null,
    n_orphans               bigint not null,
    started_at              timestamptz,
    primary key (source, cascade_id)
);

-- per source: items outside every tree (parent never seen) and items on parent cycles
create table if not exists proj_forest_flags (
    source          varchar primary key,
    n_orphan_nodes  bigint not null,
    n_cycle_nodes   bigint not null
);

-- which process owns a running run: a run whose process is gone is marked abandoned
alter table runs add column if not exists pid integer;
alter table runs add column if not exists host varchar;
