-- question: Who are the most active actors, and what share of all activity do they hold?
-- grain: one row per run and actor, the top actors by events performed
-- param: run_id = latest
-- param: source = *
-- param: limit = 20
-- activity_share is the actor's share of the run's events; cumulative_share adds up the
-- shares of the actors ranked above and including them.
with actors as (
    select *
    from mart_actors
    where (($run_id = 'latest' and is_latest_run) or run_id = $run_id)
      and ($source = '*' or list_contains(sources, $source))
),

ranked as (
    select
        run_id,
        sources_label,
        actor_id,
        activity_rank,
        n_events,
        activity_share,
        sum(activity_share) over (
            partition by run_id order by activity_rank
            rows between unbounded preceding and current row
        ) as cumulative_share,
        in_degree,
        out_degree,
        coreness
    from actors
),

final as (
    select *
    from ranked
    where activity_rank <= cast($limit as bigint)
    order by run_id, activity_rank
)

select * from final
