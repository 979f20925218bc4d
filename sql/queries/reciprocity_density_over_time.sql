-- question: How do reciprocity and density of the interaction graph change over time?
-- grain: one row per run and time window, in time order
-- param: run_id = latest
-- param: source = *
with windows as (
    select *
    from mart_windows
    where (($run_id = 'latest' and is_latest_run) or run_id = $run_id)
      and ($source = '*' or list_contains(sources, $source))
),

final as (
    select
        run_id,
        sources_label,
        window_index,
        window_start,
        window_end,
        n_events,
        n_active_actors,
        n_edges,
        density,
        reciprocity,
        giant_component_share
    from windows
    order by run_id, window_start
)

select * from final
