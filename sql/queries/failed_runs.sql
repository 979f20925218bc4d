-- question: Which runs failed or were abandoned, and why?
-- grain: one row per failed or abandoned run, latest first
-- param: flow = *
-- param: since = 1970-01-01T00:00:00Z
with runs as (
    select *
    from mart_runs
    where status in ('failed', 'abandoned')
      and ($flow = '*' or flow = $flow)
      and started_at >= cast($since as timestamptz)
),

final as (
    select
        run_id,
        flow,
        status,
        sources_label,
        started_at,
        finished_at,
        duration_seconds,
        error
    from runs
    order by started_at desc, run_id
)

select * from final
