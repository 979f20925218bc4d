-- model: stg_twitter15_16_events
-- grain: one row per node of a Twitter15/16 propagation tree (one event)
-- key: (event_seq)
-- source: events joined to ingest_batches where reader = 'twitter15-16' (ingest/readers/twitter.py)
with batches as (
    select batch_id, uri
    from ingest_batches
    where reader = 'twitter15-16'
),

tree_events as (
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
        seconds_since_root,
        seconds_since_root / 60.0 as delay_minutes,
        actor_id,
        target_actor_id,
        object_id,
        parent_object_id,
        root_object_id,
        community as dataset,
        attributes ->> '$.label' as veracity_label,
        attributes ->> '$.tweet_id' as tweet_id,
        attributes ->> '$.parent_tweet_id' as parent_tweet_id,
        kind = 'post' as is_root,
        coalesce(try_cast(attributes ->> '$.root_inferred' as boolean), false)
            as is_root_inferred,
        batch_id,
        uri as input_uri,
        ingested_at
    from tree_events
)

select * from final
