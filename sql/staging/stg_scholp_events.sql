-- model: stg_scholp_events
-- grain: one row per member of a ScHoLP timestamped simplex (one group event)
-- key: (event_seq)
-- source: stg_events where reader = 'scholp' (ingest/readers/scholp.py)
with final as (
    select
        * exclude (
            seconds_since_root, target_actor_id, parent_object_id, root_object_id, community,
            text, attributes, batch_id, reader, input_uri, ingested_at
        ) rename (actor_id as member_id, object_id as simplex_id),
        try_cast(substr(object_id, 2) as bigint) as simplex_index,
        community as dataset,
        try_cast(attributes ->> '$.simplex_size' as integer) as simplex_size,
        try_cast(attributes ->> '$.position' as integer) as member_position,
        -- only the first member's row lists the simplex's members
        attributes -> '$.members' as members,
        batch_id, input_uri, ingested_at
    from stg_events
    where reader = 'scholp'
)

select * from final
