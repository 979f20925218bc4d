-- model: stg_null_replay_events
-- grain: one row per event of a null-model replay of another source (sim/nulls.py)
-- key: (event_seq)
-- source: events joined to ingest_batches where reader like 'null:%' (flows/simulate.py null_replay_flow)
with batches as (
    select batch_id, reader, uri
    from ingest_batches
    where starts_with(reader, 'null:')
),

replayed_events as (
    select e.*, b.reader, b.uri
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
        seconds_since_root,
        actor_id,
        target_actor_id,
        object_id,
        parent_object_id,
        root_object_id,
        community,
        attributes,
        substr(reader, 6) as null_model,
        -- the batch uri is null:<model>?source=<replayed source>&seed=<seed>
        nullif(regexp_extract(uri, '[?&]source=([^&]*)', 1), '') as replayed_source,
        try_cast(regexp_extract(uri, '[?&]seed=([^&]*)', 1) as bigint) as replay_seed,
        batch_id,
        uri as generator_uri,
        ingested_at
    from replayed_events
)

select * from final
