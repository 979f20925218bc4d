-- model: mart_cascades
-- grain: one row per analysis run, source and reply cascade (tree rooted at a post)
-- key: (run_id, source, cascade_id)
-- source: cascades, stg_runs
-- size_rank is 1 for the largest cascade of the run and source (ties broken by cascade_id);
-- share_of_items is the cascade's share of all items in the run's cascades of that source.
with cascades_raw as (
    select * from cascades
),

runs as (
    select run_id, status as run_status, is_latest_run, started_at as run_started_at
    from stg_runs
),

ranked as (
    select
        *,
        row_number() over (
            partition by run_id, source order by size desc, cascade_id
        ) as size_rank,
        size / sum(size) over (partition by run_id, source) as share_of_items
    from cascades_raw
),

final as (
    select
        c.run_id,
        c.source,
        c.cascade_id,
        c.root_event_seq,
        c.root_actor_id,
        c.community,
        c.started_at,
        c.size,
        c.depth,
        c.max_breadth,
        c.structural_virality,
        c.n_actors,
        c.n_orphans,
        c.lifetime_seconds,
        c.time_to_50pct_seconds,
        c.time_to_90pct_seconds,
        c.size > 1 as has_replies,
        c.size_rank,
        c.share_of_items,
        r.run_status,
        r.run_started_at,
        coalesce(r.is_latest_run, false) as is_latest_run
    from ranked as c
    left join runs as r using (run_id)
)

select * from final
