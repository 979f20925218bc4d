-- question: What does the event log hold, source by source?
-- grain: one row per source label
-- param: source = *
-- n_quarantined counts rejected records of committed batches; readers lists the formats
-- that wrote the source.
with events as (
    select *
    from stg_events
    where $source = '*' or source = $source
),

event_counts as (
    select
        source,
        count(*) as n_events,
        count(distinct actor_id) as n_actors,
        count(*) filter (where occurred_at is null) as n_untimed_events,
        min(occurred_at) as first_occurred_at,
        max(occurred_at) as last_occurred_at,
        string_agg(distinct reader, ', ' order by reader) as readers
    from events
    group by source
),

batch_counts as (
    select
        source,
        count(*) filter (where is_committed) as n_batches_committed,
        count(*) filter (where not is_committed) as n_batches_failed,
        sum(n_quarantined) filter (where is_committed)::bigint as n_quarantined
    from stg_ingest_batches
    group by source
),

final as (
    select
        e.source,
        e.readers,
        e.n_events,
        e.n_actors,
        e.n_untimed_events,
        e.first_occurred_at,
        e.last_occurred_at,
        b.n_batches_committed,
        b.n_batches_failed,
        coalesce(b.n_quarantined, 0) as n_quarantined
    from event_counts as e
    left join batch_counts as b using (source)
    order by e.source
)

select * from final
