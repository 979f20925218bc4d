-- invariant: event_seq is a unique position in the log. Must return zero rows.
select event_seq, count(*) as n_rows
from events
group by event_seq
having count(*) > 1
