-- model: mart_runs
-- grain: one row per run, with its status, flow, sources, duration, report and result counts
-- key: (run_id)
-- source: stg_runs, cascades, actor_metrics, powerlaw_fits, window_graph_metrics, comparison_statistics
with runs as (
    select * from stg_runs
),

cascade_counts as (
    select run_id, count(*) as n_cascades
    from cascades
    group by run_id
),

actor_counts as (
    select run_id, count(*) as n_actors
    from actor_metrics
    group by run_id
),

fit_counts as (
    select run_id, count(*) filter (where status = 'ok') as n_powerlaw_fits_ok
    from powerlaw_fits
    group by run_id
),

window_counts as (
    select run_id, count(*) as n_windows
    from window_graph_metrics
    group by run_id
),

comparison_counts as (
    select run_id, count(*) as n_comparison_statistics
    from comparison_statistics
    group by run_id
),

final as (
    select
        r.run_id,
        r.flow,
        r.status,
        r.is_completed,
        r.is_latest_run,
        r.run_recency,
        r.sources,
        r.sources_label,
        r.n_sources,
        r.seed,
        r.started_at,
        r.finished_at,
        r.duration_seconds,
        r.event_watermark,
        r.data_fingerprint,
        r.report_path,
        r.error,
        coalesce(c.n_cascades, 0) as n_cascades,
        coalesce(a.n_actors, 0) as n_actors,
        coalesce(f.n_powerlaw_fits_ok, 0) as n_powerlaw_fits_ok,
        coalesce(w.n_windows, 0) as n_windows,
        coalesce(s.n_comparison_statistics, 0) as n_comparison_statistics,
        r.parameters
    from runs as r
    left join cascade_counts as c using (run_id)
    left join actor_counts as a using (run_id)
    left join fit_counts as f using (run_id)
    left join window_counts as w using (run_id)
    left join comparison_counts as s using (run_id)
)

select * from final
