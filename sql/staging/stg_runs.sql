-- model: stg_runs
-- grain: one row per run (ingest, simulate, analyze, compare, sweep), with parsed parameters
-- key: (run_id)
-- source: runs
-- A run is the latest when it is the most recently started completed run of its flow over the
-- same set of sources (is_latest_run); run_recency counts back from it (1 = latest).
with runs_raw as (
    select * from runs
),

labelled as (
    select
        run_id,
        flow,
        status,
        status = 'completed' as is_completed,
        sources,
        coalesce(len(sources), 0) as n_sources,
        array_to_string(list_sort(sources), ', ') as sources_label,
        parameters,
        try_cast(parameters ->> '$.seed' as bigint) as seed,
        try_cast(parameters ->> '$.n_bootstrap' as bigint) as n_bootstrap,
        event_watermark,
        data_fingerprint,
        package_versions,
        error,
        report_path,
        started_at,
        finished_at,
        (epoch_us(finished_at) - epoch_us(started_at)) / 1e6 as duration_seconds,
        pid,
        host
    from runs_raw
),

completed as (
    select
        run_id,
        row_number() over (
            partition by flow, sources_label order by started_at desc, run_id desc
        ) as run_recency
    from labelled
    where is_completed
),

final as (
    select
        l.*,
        c.run_recency,
        coalesce(c.run_recency = 1, false) as is_latest_run
    from labelled as l
    left join completed as c using (run_id)
)

select * from final
