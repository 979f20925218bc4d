-- model: stg_table_events
-- grain: one row per row or line of a user table (CSV, Parquet, NDJSON) stored as an event
-- key: (event_seq)
-- source: events joined to ingest_batches where reader = 'table' (ingest/readers/table.py)
with batches as (
    select batch_id, uri
    from ingest_batches
    where reader = 'table'
),

table_events as (
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
        seconds_since_root,
        actor_id,
        target_actor_id,
        object_id,
        parent_object_id,
        root_object_id,
        community,
        text,
        -- the file's unmapped columns, as a JSON object keyed by column name
        attributes as unmapped_columns,
        coalesce(len(json_keys(attributes)), 0) as n_unmapped_columns,
        source_event_id like '[%]#%' as is_content_key,
        batch_id,
        uri as input_uri,
        ingested_at
    from table_events
)

select * from final
