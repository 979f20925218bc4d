-- invariant: no result row without its run. Must return zero rows.
with result_runs as (
    select 'cascades' as result_table, run_id from cascades
    union all select 'cascade_nodes', run_id from cascade_nodes
    union all select 'actor_metrics', run_id from actor_metrics
    union all select 'powerlaw_fits', run_id from powerlaw_fits
    union all select 'powerlaw_comparisons', run_id from powerlaw_comparisons
    union all select 'window_graph_metrics', run_id from window_graph_metrics
    union all select 'window_actor_metrics', run_id from window_actor_metrics
    union all select 'concentration', run_id from concentration
    union all select 'attachment_kernel', run_id from attachment_kernel
    union all select 'largest_cascade_scaling', run_id from largest_cascade_scaling
    union all select 'influence_persistence', run_id from influence_persistence
    union all select 'run_statistics', run_id from run_statistics
    union all select 'exposure_response', run_id from exposure_response
    union all select 'exposure_hazard', run_id from exposure_hazard
    union all select 'content_cascades', run_id from content_cascades
    union all select 'content_adoptions', run_id from content_adoptions
    union all select 'comparison_statistics', run_id from comparison_statistics
    union all select 'comparison_distances', run_id from comparison_distances
    union all select 'actor_structure', run_id from actor_structure
    union all select 'core_periphery_fits', run_id from core_periphery_fits
    union all select 'rich_club', run_id from rich_club
    union all select 'role_fits', run_id from role_fits
    union all select 'role_sizes', run_id from role_sizes
    union all select 'mesoscale_profiles', run_id from mesoscale_profiles
    union all select 'sweep_results', run_id from sweep_results
),

final as (
    select result_table, run_id, count(*) as n_rows
    from result_runs
    left join runs using (run_id)
    where runs.run_id is null
    group by result_table, run_id
)

select * from final
