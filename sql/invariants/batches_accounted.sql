-- invariant: every committed batch accounts for each record it read, and its inserted rows are
-- in the log. Must return zero rows.
with inserted as (
    select batch_id, count(*) as n_events from events group by batch_id
),

final as (
    select b.batch_id, b.n_read, b.n_inserted, b.n_duplicate, b.n_quarantined,
           coalesce(i.n_events, 0) as n_events
    from ingest_batches as b
    left join inserted as i using (batch_id)
    where b.status = 'committed'
      and (b.n_read <> b.n_inserted + b.n_duplicate + b.n_quarantined
           or coalesce(i.n_events, 0) <> b.n_inserted)
)

select * from final
