-- model: stg_edgelist_events
-- grain: one row per edge-list line stored as a message (one event)
-- key: (event_seq)
-- source: stg_events where reader = 'edgelist' (ingest/readers/edgelist.py)
with final as (
    select
        * exclude (
            seconds_since_root, object_id, parent_object_id, root_object_id, community, text,
            attributes, batch_id, reader, input_uri, ingested_at
        ) rename (actor_id as sender_id, target_actor_id as recipient_id),
        -- the key is src>dst@ts#k: k numbers exact repeats of a line within its file
        try_cast(regexp_extract(source_event_id, '#([0-9]+)$', 1) as integer) as repeat_index,
        actor_id = target_actor_id as is_self_loop,
        batch_id, input_uri, ingested_at
    from stg_events
    where reader = 'edgelist'
)

select * from final
