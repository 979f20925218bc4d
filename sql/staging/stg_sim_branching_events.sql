-- model: stg_sim_branching_events
-- grain: one row per event of a calibrated branching-model simulation (sim/branching.py)
-- key: (event_seq)
-- source: events joined to ingest_batches where reader = 'sim:branching'
with batches as (
    select batch_id, uri
    from ingest_batches
    where reader = 'sim:branching'
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
        try_cast(regexp_extract(uri, '[?&]seed=([^&]*)', 1) as bigint) as generator_seed,
        try_cast(regexp_extract(uri, '[?&]chunk=([0-9]+)', 1) as integer) as chunk_index,
        batch_id,
        uri as generator_uri,
        ingested_at
    from simulated_events
)

select * from final
