-- model: mart_mesoscale
-- grain: one row per analysis run, community and window (window_start null: the whole run)
-- key: (run_id, community, window_start)
-- source: mesoscale_profiles, stg_runs
-- z-scores are against degree-preserving nulls; label is modular, core-periphery/hierarchical,
-- both or neither (z > 2).
with profiles as (
    select * from mesoscale_profiles
),

runs as (
    select run_id, sources, sources_label, is_latest_run
    from stg_runs
),

final as (
    select
        p.run_id,
        p.community,
        p.window_start,
        p.window_end,
        p.window_start is null as is_whole_run,
        p.n_events,
        p.n_actors,
        p.n_edges,
        p.n_communities,
        p.modularity,
        p.modularity_z,
        p.modularity_p_value,
        p.core_periphery_strength,
        p.core_periphery_strength_z,
        p.core_periphery_strength_p_value,
        p.global_reaching_centrality,
        p.global_reaching_centrality_z,
        p.global_reaching_centrality_p_value,
        p.label,
        r.sources,
        r.sources_label,
        coalesce(r.is_latest_run, false) as is_latest_run
    from profiles as p
    left join runs as r using (run_id)
)

select * from final
