-- model: stg_quarantine
-- grain: one row per rejected input record
-- key: (quarantine_id)
-- source: quarantine joined to ingest_batches on batch_id
with batches as (
    select batch_id, reader, uri, status
    from ingest_batches
),

final as (
    select
        q.quarantine_id,
        q.batch_id,
        q.source,
        b.reader,
        b.uri as input_uri,
        b.status as batch_status,
        q.locator,
        q.reason,
        q.detail,
        q.raw,
        q.quarantined_at
    from quarantine as q
    left join batches as b using (batch_id)
)

select * from final
