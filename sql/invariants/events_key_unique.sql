-- invariant: (source, source_event_id) identifies one event. Must return zero rows.
select source, source_event_id, count(*) as n_rows
from events
group by source, source_event_id
having count(*) > 1
