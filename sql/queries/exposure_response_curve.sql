-- question: How does the probability of adopting grow with the number of exposures?
-- grain: one row per run and exposure count k
-- param: run_id = latest
-- param: source = *
-- param: contagion_type = reply_thread
-- P(adopt | k) with Wilson 95 % intervals (Romero, Meeder & Kleinberg 2011) and the Cox
-- hazard ratio per extra exposure of the same contagion type.
with curve as (
    select *
    from mart_exposure_response
    where (($run_id = 'latest' and is_latest_run) or run_id = $run_id)
      and ($source = '*' or list_contains(sources, $source))
      and contagion_type = $contagion_type
),

final as (
    select
        run_id,
        sources_label,
        contagion_type,
        k,
        n_exposed,
        n_adopted,
        p_adopt,
        ci_low,
        ci_high,
        hazard_ratio,
        hazard_ratio_ci_low,
        hazard_ratio_ci_high
    from curve
    order by run_id, k
)

select * from final
