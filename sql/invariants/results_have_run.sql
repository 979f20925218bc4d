-- invariant: no result row without its run. Must return zero rows.
with result_runs as (
    select 'cascades' as result_table, run_id from cascades
    union all select 'cascade_nodes', run_id from cascade_nodes
    union all select 'actor_metrics', run_id from actor_metrics
    union all select 'powerlaw_fits', run_id from powerlaw_fits
    union all select 'powerlaw_comparisons', run_id from powerlaw_comparisons
),

final as (
    select result_table, run_id, count(*) as n_rows
    from result_runs
    left join runs using (run_id)
    where runs.run_id is null
    group by result_table, run_id
)

select * from final
