-- model: stg_table_events
-- grain: one row per row or line of a user table (CSV, Parquet, NDJSON) stored as an event
-- key: (event_seq)
-- source: stg_events where reader = 'table' (ingest/readers/table.py)
with final as (
    select
        * exclude (attributes, batch_id, reader, input_uri, ingested_at),
        -- the file's unmapped columns, as a JSON object keyed by column name
        attributes as unmapped_columns,
        coalesce(len(json_keys(attributes)), 0) as n_unmapped_columns,
        source_event_id like '[%]#%' as is_content_key,
        batch_id, input_uri, ingested_at
    from stg_events
    where reader = 'table'
)

select * from final
