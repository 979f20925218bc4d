-- model: stg_ingest_batches
-- grain: one row per appended input unit (file, archive, generated stream), committed or failed
-- key: (batch_id)
-- source: ingest_batches
with batches as (
    select * from ingest_batches
),

final as (
    select
        batch_id,
        source,
        reader,
        case
            when starts_with(reader, 'sim:') then 'simulation'
            when starts_with(reader, 'null:') then 'null_replay'
            else 'ingest'
        end as reader_family,
        uri,
        content_hash,
        status,
        status = 'committed' as is_committed,
        error,
        n_read,
        n_inserted,
        n_duplicate,
        n_quarantined,
        n_quarantined / nullif(n_read, 0) as quarantined_share,
        started_at,
        finished_at,
        (epoch_us(finished_at) - epoch_us(started_at)) / 1e6 as duration_seconds
    from batches
)

select * from final
