-- model: mart_exposure_response
-- grain: one row per analysis run, contagion type and exposure count k
-- key: (run_id, contagion_type, k)
-- source: exposure_response, exposure_hazard, stg_runs
-- p_adopt is P(adopt | k exposures) with its Wilson interval (Romero, Meeder & Kleinberg
-- 2011); hazard_ratio is the Cox hazard ratio per extra exposure of the contagion type.
with response as (
    select * from exposure_response
),

hazard as (
    select
        run_id,
        contagion_type,
        status as hazard_status,
        hazard_ratio,
        ci_low as hazard_ratio_ci_low,
        ci_high as hazard_ratio_ci_high,
        p_value as hazard_p_value
    from exposure_hazard
),

runs as (
    select run_id, sources, sources_label, is_latest_run
    from stg_runs
),

final as (
    select
        x.run_id,
        x.contagion_type,
        x.k,
        x.n_exposed,
        x.n_adopted,
        x.p_adopt,
        x.ci_low,
        x.ci_high,
        h.hazard_status,
        h.hazard_ratio,
        h.hazard_ratio_ci_low,
        h.hazard_ratio_ci_high,
        h.hazard_p_value,
        r.sources,
        r.sources_label,
        coalesce(r.is_latest_run, false) as is_latest_run
    from response as x
    left join hazard as h using (run_id, contagion_type)
    left join runs as r using (run_id)
)

select * from final
