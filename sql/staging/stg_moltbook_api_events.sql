-- model: stg_moltbook_api_events
-- grain: one row per MoltBook API post, comment or reply (one event)
-- key: (event_seq)
-- source: stg_events where reader = 'moltbook-api' (ingest/readers/moltbook_api.py)
with final as (
    select
        * exclude (seconds_since_root, attributes, batch_id, reader, input_uri, ingested_at)
            rename (community as submolt),
        attributes ->> '$.author_name' as author_name,
        attributes ->> '$.title' as title,
        attributes ->> '$.url' as url,
        attributes ->> '$.type' as post_type,
        attributes ->> '$.schema_variant' as schema_variant,
        try_cast(attributes ->> '$.upvotes' as bigint) as n_upvotes,
        try_cast(attributes ->> '$.downvotes' as bigint) as n_downvotes,
        try_cast(attributes ->> '$.comment_count' as bigint) as n_comments_declared,
        try_cast(attributes ->> '$.depth' as integer) as depth,
        try_cast(attributes ->> '$.comments_embedded' as boolean) as is_comments_embedded,
        coalesce(try_cast(attributes ->> '$.author_missing' as boolean), false)
            as is_author_missing,
        try_cast(attributes ->> '$.downloaded_at' as timestamptz) as downloaded_at,
        batch_id, input_uri, ingested_at
    from stg_events
    where reader = 'moltbook-api'
)

select * from final
