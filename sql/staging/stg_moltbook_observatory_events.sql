-- model: stg_moltbook_observatory_events
-- grain: one row per observatory post, comment or aggregated network edge (one event)
-- key: (event_seq)
-- source: stg_events where reader = 'moltbook-observatory' (ingest/readers/moltbook_observatory.py)
with final as (
    select
        * exclude (
            seconds_since_root, community, attributes, batch_id, reader, input_uri, ingested_at
        ) rename (actor_id as actor_name, target_actor_id as target_actor_name),
        attributes ->> '$.title' as title,
        try_cast(attributes ->> '$.upvotes' as bigint) as n_upvotes,
        try_cast(attributes ->> '$.downvotes' as bigint) as n_downvotes,
        try_cast(attributes ->> '$.comment_count' as bigint) as n_comments_declared,
        try_cast(attributes ->> '$.depth' as integer) as depth,
        try_cast(attributes ->> '$.weight' as bigint) as edge_weight,
        coalesce(try_cast(attributes ->> '$.aggregated' as boolean), false) as is_aggregated_edge,
        coalesce(try_cast(attributes ->> '$.author_missing' as boolean), false)
            as is_author_missing,
        batch_id, input_uri, ingested_at
    from stg_events
    where reader = 'moltbook-observatory'
)

select * from final
