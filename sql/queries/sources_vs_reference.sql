-- question: How does each compared source differ from the reference source, statistic by statistic?
-- grain: one row per compare run, non-reference source and statistic
-- param: run_id = latest
-- param: measure = *
-- measure filters the part of the statistic name before the colon (alpha, gini, n_cascades,
-- ...); '*' keeps every statistic. run_id 'latest' is each source set's latest compare run.
with comparisons as (
    select *
    from mart_comparisons
    where (($run_id = 'latest' and is_latest_run) or run_id = $run_id)
      and ($measure = '*' or measure = $measure)
      and not is_reference
),

final as (
    select
        run_id,
        reference_source,
        source,
        statistic,
        reference_value,
        value,
        difference,
        relative_difference,
        ci_low,
        ci_high,
        ks_distance,
        ks_p_value
    from comparisons
    order by run_id, statistic, source
)

select * from final
