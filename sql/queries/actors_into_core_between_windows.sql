-- question: Which actors moved into the main core between two time windows of a run?
-- grain: one row per run and actor in the main core of the later window but not of the earlier
-- param: run_id = latest
-- param: source = *
-- param: from_window_start = first
-- param: to_window_start = last
-- The main core of a window is its actors with the window's largest k-core index
-- (window_actor_metrics.coreness, undirected). 'first' and 'last' name the run's first and
-- last windows; otherwise give a window_start time. Actors absent from the earlier window
-- count as outside its core (from_coreness 0).
with runs as (
    select run_id
    from stg_runs
    where flow = 'analyze'
      and (($run_id = 'latest' and is_latest_run) or run_id = $run_id)
      and ($source = '*' or list_contains(sources, $source))
),

actors as (
    select a.*
    from mart_window_actors as a
    join runs using (run_id)
),

bounds as (
    select
        run_id,
        case $from_window_start
            when 'first' then min(window_start)
            when 'last' then max(window_start)
            else cast($from_window_start as timestamptz)
        end as from_start,
        case $to_window_start
            when 'first' then min(window_start)
            when 'last' then max(window_start)
            else cast($to_window_start as timestamptz)
        end as to_start
    from actors
    group by run_id
),

later as (
    select a.run_id, a.actor_id, a.window_start, a.coreness, a.window_max_coreness, a.n_events
    from actors as a
    join bounds as b on a.run_id = b.run_id and a.window_start = b.to_start
    where a.is_main_core
),

earlier as (
    select a.run_id, a.actor_id, a.window_start, a.coreness, a.is_main_core
    from actors as a
    join bounds as b on a.run_id = b.run_id and a.window_start = b.from_start
),

final as (
    select
        l.run_id,
        l.actor_id,
        b.from_start as from_window_start,
        l.window_start as to_window_start,
        coalesce(e.coreness, 0) as from_coreness,
        l.coreness as to_coreness,
        l.window_max_coreness as to_window_max_coreness,
        l.n_events as to_n_events
    from later as l
    join bounds as b using (run_id)
    left join earlier as e using (run_id, actor_id)
    where not coalesce(e.is_main_core, false)
    order by l.run_id, l.coreness desc, l.actor_id
)

select * from final
