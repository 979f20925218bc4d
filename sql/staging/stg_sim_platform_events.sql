-- model: stg_sim_platform_events
-- grain: one row per event of a simulated MoltBook-like platform (sim/platform.py)
-- key: (event_seq)
-- source: stg_events where reader = 'sim:platform'
with final as (
    select
        * exclude (seconds_since_root, text, attributes, batch_id, reader, input_uri, ingested_at),
        attributes ->> '$.model' as model,
        try_cast(attributes ->> '$.depth' as integer) as depth,
        -- the batch uri encodes the generator's parameters: sim:platform?...&seed=S
        try_cast(regexp_extract(input_uri, '[?&]seed=([^&]*)', 1) as bigint) as generator_seed,
        try_cast(regexp_extract(input_uri, '[?&]branching_ratio=([^&]*)', 1) as double)
            as branching_ratio,
        batch_id, input_uri as generator_uri, ingested_at
    from stg_events
    where reader = 'sim:platform'
)

select * from final
