-- question: Which actors joined the Borgatti-Everett core between two analyses of the same sources?
-- grain: one row per pair of runs and actor in the later run's discrete core but not the earlier's
-- param: source = *
-- param: from_run_id = previous
-- param: to_run_id = latest
-- 'latest' is the latest completed analysis of each source set (filtered by source), and
-- 'previous' the completed analysis of the same source set just before the later run. Actors
-- absent from the earlier run count as outside its core. is_core is the discrete
-- Borgatti-Everett (2000) core of actor_structure.
with analyses as (
    select run_id, sources, sources_label, run_recency
    from stg_runs
    where flow = 'analyze' and is_completed
),

later_runs as (
    select *
    from analyses
    where (($to_run_id = 'latest' and run_recency = 1) or run_id = $to_run_id)
      and ($source = '*' or list_contains(sources, $source))
),

pairs as (
    select l.run_id as to_run_id, e.run_id as from_run_id, l.sources_label
    from later_runs as l
    join analyses as e
        on ($from_run_id = 'previous'
            and e.sources_label = l.sources_label
            and e.run_recency = l.run_recency + 1)
        or e.run_id = $from_run_id
),

later_core as (
    select p.to_run_id, p.from_run_id, p.sources_label, a.actor_id, a.coreness_total, a.core_score
    from pairs as p
    join actor_structure as a on a.run_id = p.to_run_id
    where a.is_core
),

final as (
    select
        c.to_run_id,
        c.from_run_id,
        c.sources_label,
        c.actor_id,
        coalesce(e.is_core, false) as from_is_core,
        e.coreness_total as from_coreness_total,
        c.coreness_total as to_coreness_total,
        c.core_score as to_core_score
    from later_core as c
    left join actor_structure as e on e.run_id = c.from_run_id and e.actor_id = c.actor_id
    where not coalesce(e.is_core, false)
    order by c.to_run_id, c.core_score desc, c.actor_id
)

select * from final
