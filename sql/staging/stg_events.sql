-- model: stg_events
-- grain: one row per event in the log, whatever its format
-- key: (event_seq)
-- source: events joined to ingest_batches on batch_id (every reader)
with batches as (
    select batch_id, reader, uri
    from ingest_batches
),

final as (
    select
        e.event_seq,
        e.source,
        e.source_event_id,
        e.kind,
        e.occurred_at,
        e.seconds_since_root,
        e.actor_id,
        e.target_actor_id,
        e.object_id,
        e.parent_object_id,
        e.root_object_id,
        e.community,
        e.text,
        e.attributes,
        e.batch_id,
        b.reader,
        b.uri as input_uri,
        e.ingested_at
    from events as e
    join batches as b using (batch_id)
)

select * from final
