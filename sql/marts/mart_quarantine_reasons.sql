-- model: mart_quarantine_reasons
-- grain: one row per ingest batch and reason code of its rejected records
-- key: (batch_id, reason)
-- source: stg_quarantine, stg_ingest_batches
-- share_of_read is the reason's rejected records over all records the batch read.
with rejected as (
    select * from stg_quarantine
),

batches as (
    select batch_id, n_read, status as batch_status, reader, uri, started_at
    from stg_ingest_batches
),

counted as (
    select
        batch_id,
        reason,
        any_value(source) as source,
        count(*) as n_rejected,
        min(locator) as first_locator,
        arg_min(detail, locator) as first_detail
    from rejected
    group by batch_id, reason
),

final as (
    select
        c.batch_id,
        c.reason,
        c.source,
        b.reader,
        b.uri as input_uri,
        b.batch_status,
        b.started_at as batch_started_at,
        c.n_rejected,
        b.n_read,
        c.n_rejected / nullif(b.n_read, 0) as share_of_read,
        c.first_locator,
        c.first_detail
    from counted as c
    left join batches as b using (batch_id)
)

select * from final
