-- model: stg_sim_platform_events
-- grain: one row per event of a simulated MoltBook-like platform (sim/platform.py)
-- key: (event_seq)
-- source: events joined to ingest_batches where reader = 'sim:platform'
with batches as (
    select batch_id, uri
    from ingest_batches
    where reader = 'sim:platform'
),

simulated_events as (
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
        community,
        attributes ->> '$.model' as model,
        try_cast(attributes ->> '$.depth' as integer) as depth,
        -- the batch uri encodes the generator's parameters: sim:platform?...&seed=S
        try_cast(regexp_extract(uri, '[?&]seed=([^&]*)', 1) as bigint) as generator_seed,
        try_cast(regexp_extract(uri, '[?&]branching_ratio=([^&]*)', 1) as double)
            as branching_ratio,
        batch_id,
        uri as generator_uri,
        ingested_at
    from simulated_events
)

select * from final
