-- model: mart_core_periphery
-- grain: one row per analysis run and Borgatti-Everett model (discrete, continuous)
-- key: (run_id, method)
-- source: core_periphery_fits, rich_club, actor_structure, stg_runs
-- is_significant: the discrete core beats its configuration-model nulls at p < 0.05 (the
-- continuous model is not tested: p_value is null). rich_club_max_normalized is the largest
-- phi / phi_null over degrees k with at least two actors above k.
with fits as (
    select * from core_periphery_fits
),

rich as (
    select
        run_id,
        max(phi_normalized) filter (where n_actors_above >= 2) as rich_club_max_normalized,
        arg_max(degree, phi_normalized) filter (where n_actors_above >= 2)
            as rich_club_peak_degree
    from rich_club
    group by run_id
),

members as (
    select
        run_id,
        count(*) filter (where is_core) as n_core_members,
        max(coreness_total) as max_coreness_total
    from actor_structure
    group by run_id
),

runs as (
    select run_id, sources, sources_label, is_latest_run, started_at as run_started_at
    from stg_runs
),

final as (
    select
        f.run_id,
        f.method,
        f.quality,
        f.n_core,
        f.n_actors,
        f.n_core / nullif(f.n_actors, 0) as core_share,
        f.p_value,
        f.n_nulls,
        f.null_mean,
        f.null_sd,
        f.z,
        coalesce(f.p_value < 0.05, false) as is_significant,
        m.n_core_members,
        m.max_coreness_total,
        x.rich_club_max_normalized,
        x.rich_club_peak_degree,
        r.sources,
        r.sources_label,
        r.run_started_at,
        coalesce(r.is_latest_run, false) as is_latest_run
    from fits as f
    left join members as m using (run_id)
    left join rich as x using (run_id)
    left join runs as r using (run_id)
)

select * from final
