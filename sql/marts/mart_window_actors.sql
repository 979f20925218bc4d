-- model: mart_window_actors
-- grain: one row per analysis run, time window and actor active or addressed in it
-- key: (run_id, window_start, window_end, actor_id)
-- source: window_actor_metrics, stg_runs
-- is_main_core: the actor's k-core index equals the largest in its window (and is > 0).
with window_actors as (
    select * from window_actor_metrics
),

runs as (
    select run_id, sources, sources_label, is_latest_run
    from stg_runs
),

final as (
    select
        a.run_id,
        a.window_start,
        a.window_end,
        dense_rank() over (partition by a.run_id order by a.window_start, a.window_end)
            as window_index,
        a.actor_id,
        a.n_events,
        a.in_degree,
        a.out_degree,
        a.in_strength,
        a.out_strength,
        a.coreness,
        max(a.coreness) over (partition by a.run_id, a.window_start, a.window_end)
            as window_max_coreness,
        a.coreness > 0
        and a.coreness = max(a.coreness) over (partition by a.run_id, a.window_start, a.window_end)
            as is_main_core,
        r.sources,
        r.sources_label,
        coalesce(r.is_latest_run, false) as is_latest_run
    from window_actors as a
    left join runs as r using (run_id)
)

select * from final
