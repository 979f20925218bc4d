-- question: Which cascades that started in a given time window were largest?
-- grain: one row per cascade (run, source, cascade), largest first
-- param: run_id = latest
-- param: source = *
-- param: window_start = 1970-01-01T00:00:00Z
-- param: window_end = 2100-01-01T00:00:00Z
-- param: limit = 10
-- run_id 'latest' takes each source set's latest completed analysis; source '*' every source.
-- The window is half-open [window_start, window_end) on the root's time (UTC), so cascades
-- of sources without calendar times (Twitter15/16) never fall in a window.
with cascades as (
    select *
    from mart_cascades
    where (($run_id = 'latest' and is_latest_run) or run_id = $run_id)
      and ($source = '*' or source = $source)
),

in_window as (
    select *
    from cascades
    where started_at >= cast($window_start as timestamptz)
      and started_at < cast($window_end as timestamptz)
),

final as (
    select
        run_id,
        source,
        cascade_id,
        root_actor_id,
        community,
        started_at,
        size,
        depth,
        max_breadth,
        structural_virality,
        n_actors,
        lifetime_seconds
    from in_window
    order by size desc, run_id, source, cascade_id
    limit cast($limit as bigint)
)

select * from final
