-- model: stg_edgelist_events
-- grain: one row per edge-list line stored as a message (one event)
-- key: (event_seq)
-- source: events joined to ingest_batches where reader = 'edgelist' (ingest/readers/edgelist.py)
with batches as (
    select batch_id, uri
    from ingest_batches
    where reader = 'edgelist'
),

edge_events as (
    select e.*, b.uri
    from events as e
    join batches as b using (batch_id)
),

final as (
    select
        event_seq,
        source,
        source_event_id,
        kind,
        occurred_at,
        actor_id as sender_id,
        target_actor_id as recipient_id,
        -- the key is src>dst@ts#k: k numbers exact repeats of a line within its file
        try_cast(regexp_extract(source_event_id, '#([0-9]+)$', 1) as integer) as repeat_index,
        actor_id = target_actor_id as is_self_loop,
        batch_id,
        uri as input_uri,
        ingested_at
    from edge_events
)

select * from final
