-- model: mart_comparisons
-- grain: one row per compare run, compared source and statistic, against the reference source
-- key: (run_id, source, statistic)
-- source: comparison_statistics, comparison_distances, stg_runs
-- difference = value - reference_value; relative_difference = difference / |reference_value|
-- (null when the reference is 0 or missing). measure and quantity split the statistic name
-- 'measure:quantity'; ks_distance is the two-sample KS distance of that quantity's values
-- against the reference, where it was measured.
with statistics as (
    select * from comparison_statistics
),

reference_values as (
    select run_id, statistic, source as reference_source, value as reference_value
    from statistics
    where is_reference
    qualify row_number() over (partition by run_id, statistic order by source) = 1
),

distances as (
    select run_id, source, quantity, ks_distance, ks_p_value
    from comparison_distances
),

runs as (
    select run_id, is_latest_run, started_at as run_started_at
    from stg_runs
),

split as (
    select
        *,
        split_part(statistic, ':', 1) as measure,
        nullif(split_part(statistic, ':', 2), '') as quantity
    from statistics
),

final as (
    select
        s.run_id,
        s.source,
        s.statistic,
        s.measure,
        s.quantity,
        s.analysis_run_id,
        s.is_reference,
        s.value,
        s.ci_low,
        s.ci_high,
        f.reference_source,
        f.reference_value,
        s.value - f.reference_value as difference,
        (s.value - f.reference_value) / nullif(abs(f.reference_value), 0) as relative_difference,
        d.ks_distance,
        d.ks_p_value,
        r.run_started_at,
        coalesce(r.is_latest_run, false) as is_latest_run
    from split as s
    left join reference_values as f using (run_id, statistic)
    left join distances as d
        on d.run_id = s.run_id and d.source = s.source and d.quantity = s.quantity
    left join runs as r on r.run_id = s.run_id
)

select * from final
