-- model: stg_sim_branching_events
-- grain: one row per event of a calibrated branching-model simulation (sim/branching.py)
-- key: (event_seq)
-- source: stg_events where reader = 'sim:branching'
with final as (
    select
        * exclude (seconds_since_root, text, attributes, batch_id, reader, input_uri, ingested_at),
        attributes ->> '$.model' as model,
        try_cast(attributes ->> '$.depth' as integer) as depth,
        -- the batch uri encodes the generator's parameters: sim:branching?...&seed=S&chunk=C
        try_cast(regexp_extract(input_uri, '[?&]seed=([^&]*)', 1) as bigint) as generator_seed,
        try_cast(regexp_extract(input_uri, '[?&]chunk=([0-9]+)', 1) as integer) as chunk_index,
        batch_id, input_uri as generator_uri, ingested_at
    from stg_events
    where reader = 'sim:branching'
)

select * from final
