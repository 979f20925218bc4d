-- model: stg_scholp_events
-- grain: one row per member of a ScHoLP timestamped simplex (one group event)
-- key: (event_seq)
-- source: events joined to ingest_batches where reader = 'scholp' (ingest/readers/scholp.py)
with batches as (
    select batch_id, uri
    from ingest_batches
    where reader = 'scholp'
),

group_events as (
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
        actor_id as member_id,
        object_id as simplex_id,
        try_cast(substr(object_id, 2) as bigint) as simplex_index,
        community as dataset,
        try_cast(attributes ->> '$.simplex_size' as integer) as simplex_size,
        try_cast(attributes ->> '$.position' as integer) as member_position,
        -- only the first member's row lists the simplex's members
        attributes -> '$.members' as members,
        batch_id,
        uri as input_uri,
        ingested_at
    from group_events
)

select * from final
