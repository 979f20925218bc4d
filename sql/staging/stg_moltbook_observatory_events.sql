-- model: stg_moltbook_observatory_events
-- grain: one row per observatory post, comment or aggregated network edge (one event)
-- key: (event_seq)
-- source: events joined to ingest_batches where reader = 'moltbook-observatory' (ingest/readers/moltbook_observatory.py)
with batches as (
    select batch_id, uri
    from ingest_batches
    where reader = 'moltbook-observatory'
),

observatory_events as (
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
        actor_id as actor_name,
        target_actor_id as target_actor_name,
        object_id,
        parent_object_id,
        root_object_id,
        text,
        attributes ->> '$.title' as title,
        try_cast(attributes ->> '$.upvotes' as bigint) as n_upvotes,
        try_cast(attributes ->> '$.downvotes' as bigint) as n_downvotes,
        try_cast(attributes ->> '$.comment_count' as bigint) as n_comments_declared,
        try_cast(attributes ->> '$.depth' as integer) as depth,
        try_cast(attributes ->> '$.weight' as bigint) as edge_weight,
        coalesce(try_cast(attributes ->> '$.aggregated' as boolean), false) as is_aggregated_edge,
        coalesce(try_cast(attributes ->> '$.author_missing' as boolean), false)
            as is_author_missing,
        batch_id,
        uri as input_uri,
        ingested_at
    from observatory_events
)

select * from final
