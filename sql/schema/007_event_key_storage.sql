-- 007_event_key_storage: events.source_event_id, actor_id and target_actor_id are stored
-- uncompressed. The key is unique per event and read by every append's anti-join; compressing
-- the three (zstd) took about a third of the CPU time of a bulk append (2 M edge-list lines:
-- 1.15 CPU-s compressed against 0.79 uncompressed). The price is disk: a 10 M-line edge list
-- takes 727 MB instead of 544 MB. The table is rebuilt with the same columns, rows and order.

create table events_007 (
    event_seq           bigint not null,
    source              varchar not null,
    source_event_id     varchar using compression uncompressed not null,
    kind                varchar not null,
    occurred_at         timestamptz,
    seconds_since_root  double,
    actor_id            varchar using compression uncompressed,
    target_actor_id     varchar using compression uncompressed,
    object_id           varchar using compression zstd,
    parent_object_id    varchar using compression zstd,
    root_object_id      varchar using compression zstd,
    community           varchar,
    text                varchar using compression zstd,
    attributes          json using compression zstd,
    batch_id            bigint not null,
    ingested_at         timestamptz not null
);
insert into events_007 select * from events order by event_seq;
drop table events;
alter table events_007 rename to events;
