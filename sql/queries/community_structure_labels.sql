-- question: Is each community modular, core-periphery/hierarchical, both or neither?
-- grain: one row per run and community (whole-run profiles only)
-- param: run_id = latest
-- param: source = *
-- z-scores against degree-preserving nulls; labels need z > 2 (Mones, Vicsek & Vicsek 2012
-- for global reaching centrality).
with profiles as (
    select *
    from mart_mesoscale
    where (($run_id = 'latest' and is_latest_run) or run_id = $run_id)
      and ($source = '*' or list_contains(sources, $source))
      and is_whole_run
),

final as (
    select
        run_id,
        sources_label,
        community,
        n_actors,
        n_edges,
        modularity_z,
        core_periphery_strength_z,
        global_reaching_centrality_z,
        label
    from profiles
    order by run_id, n_actors desc, community
)

select * from final
