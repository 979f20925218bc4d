-- model: stg_null_replay_events
-- grain: one row per event of a null-model replay of another source (sim/nulls.py)
-- key: (event_seq)
-- source: stg_events where reader like 'null:%' (flows/simulate.py null_replay_flow)
with final as (
    select
        * exclude (text, batch_id, reader, input_uri, ingested_at),
        substr(reader, 6) as null_model,
        -- the batch uri is null:<model>?source=<replayed source>&seed=<seed>
        nullif(regexp_extract(input_uri, '[?&]source=([^&]*)', 1), '') as replayed_source,
        try_cast(regexp_extract(input_uri, '[?&]seed=([^&]*)', 1) as bigint) as replay_seed,
        batch_id, input_uri as generator_uri, ingested_at
    from stg_events
    where starts_with(reader, 'null:')
)

select * from final
