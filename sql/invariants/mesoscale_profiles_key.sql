-- invariant: one mesoscale profile per run, community and window (null window: the whole run).
-- Must return zero rows.
select run_id, community, window_start, count(*) as n_rows
from mesoscale_profiles
group by run_id, community, window_start
having count(*) > 1
