-- question: Who is in the core, and which structural roles do the core members play?
-- grain: one row per run and member of the discrete Borgatti-Everett core
-- param: run_id = latest
-- param: source = *
-- role_kmeans_share is the share of all the run's actors in the member's k-means role.
with actors as (
    select *
    from mart_actors
    where (($run_id = 'latest' and is_latest_run) or run_id = $run_id)
      and ($source = '*' or list_contains(sources, $source))
),

roles as (
    select run_id, role, share_actors
    from role_sizes
    where method = 'kmeans'
),

final as (
    select
        a.run_id,
        a.sources_label,
        a.actor_id,
        a.core_score,
        a.coreness_total,
        a.coreness_weighted,
        a.role_kmeans,
        r.share_actors as role_kmeans_share,
        a.role_gmm,
        a.pagerank,
        a.betweenness,
        a.n_events
    from actors as a
    left join roles as r on r.run_id = a.run_id and r.role = a.role_kmeans
    where a.is_core
    order by a.run_id, a.core_score desc, a.actor_id
)

select * from final
