-- invariant: no event belongs to a batch that is not committed. Must return zero rows.
select e.event_seq, e.batch_id
from events as e
left join ingest_batches as b using (batch_id)
where b.batch_id is null or b.status <> 'committed'
