-- model: mart_powerlaw_fits
-- grain: one row per analysis run and heavy-tailed quantity fitted
-- key: (run_id, quantity)
-- source: powerlaw_fits, powerlaw_comparisons, stg_runs
-- verdict_class follows Clauset, Shalizi & Newman (2009) at their significance 0.1:
--   no_fit (the fit did not run), ruled_out (bootstrap p < 0.1), alternative_favoured (a
--   non-nested alternative has R < 0 with p < 0.1), cutoff_favoured (the nested power law
--   with exponential cutoff has R < 0 with p < 0.1), not_tested (no bootstrap p), else
--   plausible. best_alternative is the favoured alternative, or else the one with the lowest R.
with fits as (
    select * from powerlaw_fits
),

alternatives as (
    select
        run_id,
        quantity,
        alternative,
        loglikelihood_ratio,
        normalized_ratio,
        p_value,
        coalesce(loglikelihood_ratio < 0 and p_value < 0.1, false) as is_favoured
    from powerlaw_comparisons
    where not is_nested
),

best_alternative as (
    select
        run_id,
        quantity,
        alternative as best_alternative,
        loglikelihood_ratio as best_alternative_loglikelihood_ratio,
        p_value as best_alternative_p_value,
        count(*) filter (where is_favoured) over (partition by run_id, quantity)
            as n_alternatives_favoured
    from alternatives
    qualify row_number() over (
        partition by run_id, quantity
        order by is_favoured desc, loglikelihood_ratio asc nulls last, alternative
    ) = 1
),

cutoff as (
    select
        run_id,
        quantity,
        loglikelihood_ratio as cutoff_loglikelihood_ratio,
        p_value as cutoff_p_value,
        coalesce(loglikelihood_ratio < 0 and p_value < 0.1, false) as is_cutoff_favoured
    from powerlaw_comparisons
    where is_nested
    qualify row_number() over (partition by run_id, quantity order by alternative) = 1
),

runs as (
    select run_id, sources, sources_label, is_latest_run, started_at as run_started_at,
           event_watermark
    from stg_runs
),

final as (
    select
        f.run_id,
        f.quantity,
        f.discrete as is_discrete,
        f.status,
        f.n,
        f.n_tail,
        f.xmin,
        f.xmax,
        f.alpha,
        f.sigma,
        f.alpha_ci_low,
        f.alpha_ci_high,
        f.xmin_ci_low,
        f.xmin_ci_high,
        f.ks_distance,
        f.loglikelihood,
        f.p_value,
        f.n_resamples,
        b.best_alternative,
        b.best_alternative_loglikelihood_ratio,
        b.best_alternative_p_value,
        coalesce(b.n_alternatives_favoured, 0) as n_alternatives_favoured,
        c.cutoff_loglikelihood_ratio,
        c.cutoff_p_value,
        coalesce(c.is_cutoff_favoured, false) as is_cutoff_favoured,
        case
            when f.status <> 'ok' then 'no_fit'
            when f.p_value < 0.1 then 'ruled_out'
            when b.n_alternatives_favoured > 0 then 'alternative_favoured'
            when c.is_cutoff_favoured then 'cutoff_favoured'
            when f.p_value is null then 'not_tested'
            else 'plausible'
        end as verdict_class,
        f.verdict,
        r.sources,
        r.sources_label,
        r.event_watermark,
        r.run_started_at,
        coalesce(r.is_latest_run, false) as is_latest_run
    from fits as f
    left join best_alternative as b using (run_id, quantity)
    left join cutoff as c using (run_id, quantity)
    left join runs as r using (run_id)
)

select * from final
