-- model: mart_actors
-- grain: one row per analysis run and actor: interaction-graph metrics joined to structure
-- key: (run_id, actor_id)
-- source: actor_metrics full join actor_structure, stg_runs
-- activity_share is the actor's share of the run's events (actor_metrics.n_events);
-- activity_rank 1 is the most active actor (ties broken by actor_id); is_main_core marks
-- actors whose k-core index equals the run's largest.
with metrics as (
    select * from actor_metrics
),

structure as (
    select * from actor_structure
),

runs as (
    select run_id, sources, sources_label, is_latest_run, started_at as run_started_at
    from stg_runs
),

joined as (
    select
        coalesce(m.run_id, s.run_id) as run_id,
        coalesce(m.actor_id, s.actor_id) as actor_id,
        m.n_events,
        m.in_degree,
        m.out_degree,
        m.in_strength,
        m.out_strength,
        m.coreness,
        s.coreness_in,
        s.coreness_out,
        s.coreness_total,
        s.coreness_weighted,
        s.core_score,
        s.is_core,
        s.role_kmeans,
        s.role_gmm,
        s.pagerank,
        s.betweenness,
        s.clustering,
        s.run_id is not null as has_structure
    from metrics as m
    full join structure as s using (run_id, actor_id)
),

final as (
    select
        j.*,
        j.n_events / sum(j.n_events) over (partition by j.run_id) as activity_share,
        row_number() over (
            partition by j.run_id order by j.n_events desc nulls last, j.actor_id
        ) as activity_rank,
        j.coreness = max(j.coreness) over (partition by j.run_id) as is_main_core,
        r.sources,
        r.sources_label,
        r.run_started_at,
        coalesce(r.is_latest_run, false) as is_latest_run
    from joined as j
    left join runs as r using (run_id)
)

select * from final
