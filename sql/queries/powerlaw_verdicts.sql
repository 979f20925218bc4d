-- question: Which quantities follow a power law, run by run, and which alternative fits better where not?
-- grain: one row per analysis run and fitted quantity
-- param: source = *
-- param: quantity = *
-- param: latest_only = true
-- verdict_class is defined in mart_powerlaw_fits (Clauset, Shalizi & Newman 2009, at 0.1).
with fits as (
    select *
    from mart_powerlaw_fits
    where ($source = '*' or list_contains(sources, $source))
      and ($quantity = '*' or quantity = $quantity)
      and (not cast($latest_only as boolean) or is_latest_run)
),

final as (
    select
        run_id,
        sources_label,
        quantity,
        verdict_class,
        alpha,
        xmin,
        n_tail,
        p_value,
        best_alternative,
        best_alternative_loglikelihood_ratio,
        best_alternative_p_value,
        is_cutoff_favoured,
        verdict
    from fits
    order by sources_label, run_id, quantity
)

select * from final
