-- model: mart_roles
-- grain: one row per analysis run, clustering method (kmeans, gmm) and structural role
-- key: (run_id, method, role)
-- source: role_sizes, role_fits, stg_runs
-- null_share is the share of the silhouette that degree-preserving nulls reach (near 1: the
-- degree sequence alone explains the roles).
with sizes as (
    select * from role_sizes
),

fits as (
    select
        run_id,
        method,
        chosen_k,
        silhouette,
        null_mean_silhouette,
        null_share,
        z_score,
        p_value
    from role_fits
),

runs as (
    select run_id, sources, sources_label, is_latest_run
    from stg_runs
),

final as (
    select
        s.run_id,
        s.method,
        s.role,
        s.n_actors,
        s.share_actors,
        s.centroid,
        f.chosen_k,
        f.silhouette,
        f.null_mean_silhouette,
        f.null_share,
        f.z_score,
        f.p_value,
        r.sources,
        r.sources_label,
        coalesce(r.is_latest_run, false) as is_latest_run
    from sizes as s
    left join fits as f using (run_id, method)
    left join runs as r using (run_id)
)

select * from final
