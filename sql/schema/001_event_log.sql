-- 001_event_log: the append-only event log and its bookkeeping.
-- events: one row per interaction event; key event_seq; (source, source_event_id) unique.
--   Both keys are enforced by the only writer, netdyn.eventlog.append_staged (single-writer
--   transactions, anti-join on the key), not by DuckDB index constraints: an ART index on the
--   key made a 10-million-row append 6x slower. sql/invariants/ checks them in the tests.
--   Identifier and text columns use zstd: DuckDB's automatic string compression analysis
--   (dict_fsst) made bulk appends of unique keys about 1.5x slower.
-- ingest_batches: one row per appended input unit (file, archive, generated stream); key batch_id.
-- quarantine: one row per rejected input record; key quarantine_id.

create sequence if not exists ingest_batch_id_seq start 1;

create table if not exists ingest_batches (
    batch_id        bigint primary key,
    source          varchar not null,         -- the events' source label
    reader          varchar not null,         -- the format that read it (twitter15-16, sim:platform, ...)
    uri             varchar not null,         -- file path, archive, or generator spec
    content_hash    varchar not null,         -- sha256 of the input bytes (or generator parameters)
    n_read          bigint not null default 0,
    n_inserted      bigint not null default 0,
    n_duplicate     bigint not null default 0,
    n_quarantined   bigint not null default 0,
    status          varchar not null,         -- committed | failed
    error           varchar,
    started_at      timestamptz not null,
    finished_at     timestamptz
);

create table if not exists events (
    event_seq           bigint not null,      -- position in the log: increasing in append order
    source              varchar not null,
    source_event_id     varchar using compression zstd not null,
    kind                varchar not null,
    occurred_at         timestamptz,          -- UTC; null when the source has only relative time
    seconds_since_root  double,               -- seconds after the cascade's reference item (may be < 0)
    actor_id            varchar using compression zstd,
    target_actor_id     varchar using compression zstd,
    object_id           varchar using compression zstd,
    parent_object_id    varchar using compression zstd,
    root_object_id      varchar using compression zstd,
    community           varchar,
    text                varchar using compression zstd,   -- untrusted text written by the actor
    attributes          json using compression zstd,
    batch_id            bigint not null,
    ingested_at         timestamptz not null
);

create table if not exists quarantine (
    quarantine_id   bigint primary key,
    batch_id        bigint not null,
    source          varchar not null,
    locator         varchar not null,         -- file:line or file#json-path
    reason          varchar not null,         -- reason code (ingest.canonical.REASONS)
    detail          varchar not null,
    raw             varchar,                  -- raw record text, truncated to 64 KiB
    quarantined_at  timestamptz not null
);
