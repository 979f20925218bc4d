-- question: Why were input records rejected, by source and reason?
-- grain: one row per source, reader and reason code
-- param: source = *
-- share_of_read is the rejected records over all records read by the batches that rejected
-- some for that reason.
with reasons as (
    select *
    from mart_quarantine_reasons
    where $source = '*' or source = $source
),

final as (
    select
        source,
        reader,
        reason,
        count(*) as n_batches,
        sum(n_rejected)::bigint as n_rejected,
        sum(n_read)::bigint as n_read,
        sum(n_rejected) / nullif(sum(n_read), 0) as share_of_read,
        min(first_locator) as example_locator
    from reasons
    group by source, reader, reason
    order by source, n_rejected desc, reason
)

select * from final
