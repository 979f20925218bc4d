-- model: stg_twitter15_16_events
-- grain: one row per node of a Twitter15/16 propagation tree (one event)
-- key: (event_seq)
-- source: stg_events where reader = 'twitter15-16' (ingest/readers/twitter.py)
with final as (
    select
        * exclude (
            occurred_at, actor_id, target_actor_id, object_id, parent_object_id, root_object_id,
            community, text, attributes, batch_id, reader, input_uri, ingested_at
        ),
        seconds_since_root / 60.0 as delay_minutes,
        actor_id, target_actor_id, object_id, parent_object_id, root_object_id,
        community as dataset,
        attributes ->> '$.label' as veracity_label,
        attributes ->> '$.tweet_id' as tweet_id,
        attributes ->> '$.parent_tweet_id' as parent_tweet_id,
        kind = 'post' as is_root,
        coalesce(try_cast(attributes ->> '$.root_inferred' as boolean), false)
            as is_root_inferred,
        batch_id, input_uri, ingested_at
    from stg_events
    where reader = 'twitter15-16'
)

select * from final
