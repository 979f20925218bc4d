-- model: mart_windows
-- grain: one row per analysis run and time window (half-open [window_start, window_end), UTC)
-- key: (run_id, window_start, window_end)
-- source: window_graph_metrics, influence_persistence, stg_runs
-- window_index numbers the run's windows from 1 in time order; jaccard_top_k_next and
-- spearman_rho_next compare the window's top-k actors with the next window's.
with windows as (
    select * from window_graph_metrics
),

persistence as (
    select run_id, window_start, next_window_start, k as top_k, jaccard_top_k, spearman_rho
    from influence_persistence
),

runs as (
    select run_id, sources, sources_label, is_latest_run, started_at as run_started_at
    from stg_runs
),

final as (
    select
        w.run_id,
        w.window_start,
        w.window_end,
        row_number() over (partition by w.run_id order by w.window_start, w.window_end)
            as window_index,
        (epoch_us(w.window_end) - epoch_us(w.window_start)) / 1e6 as window_seconds,
        w.n_events,
        w.n_actors,
        w.n_active_actors,
        w.n_edges,
        w.density,
        w.reciprocity,
        w.giant_component_share,
        w.max_coreness,
        w.activity_top1_share,
        w.activity_top10_share,
        w.activity_gini,
        w.paradox_share,
        w.n_cascades_started,
        w.largest_cascade_size,
        p.next_window_start,
        p.top_k,
        p.jaccard_top_k as jaccard_top_k_next,
        p.spearman_rho as spearman_rho_next,
        r.sources,
        r.sources_label,
        r.run_started_at,
        coalesce(r.is_latest_run, false) as is_latest_run
    from windows as w
    left join persistence as p using (run_id, window_start)
    left join runs as r using (run_id)
)

select * from final
