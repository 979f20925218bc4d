-- question: Which cascades reached half their final size fastest?
-- grain: one row per cascade, fastest first
-- param: run_id = latest
-- param: source = *
-- param: min_size = 10
-- param: limit = 20
-- time_to_50pct_seconds is the delay after the root of the ceil(size / 2)-th node in time.
with cascades as (
    select *
    from mart_cascades
    where (($run_id = 'latest' and is_latest_run) or run_id = $run_id)
      and ($source = '*' or source = $source)
      and size >= cast($min_size as bigint)
      and time_to_50pct_seconds is not null
),

final as (
    select
        run_id,
        source,
        cascade_id,
        size,
        time_to_50pct_seconds,
        time_to_90pct_seconds,
        lifetime_seconds,
        size / nullif(time_to_50pct_seconds, 0) * 0.5 as items_per_second_to_50pct
    from cascades
    order by time_to_50pct_seconds, size desc, run_id, source, cascade_id
    limit cast($limit as bigint)
)

select * from final
