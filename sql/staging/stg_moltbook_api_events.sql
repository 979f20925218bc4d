-- model: stg_moltbook_api_events
-- grain: one row per MoltBook API post, comment or reply (one event)
-- key: (event_seq)
-- source: events joined to ingest_batches where reader = 'moltbook-api' (ingest/readers/moltbook_api.py)
with batches as (
    select batch_id, uri
    from ingest_batches
    where reader = 'moltbook-api'
),

api_events as (
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
        actor_id,
        target_actor_id,
        object_id,
        parent_object_id,
        root_object_id,
        community as submolt,
        text,
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
        batch_id,
        uri as input_uri,
        ingested_at
    from api_events
)

select * from final
