-- invariant: every stored cascade node belongs to a cascade of the same run and source, and its
-- depth is within the cascade's depth. Must return zero rows.
select n.run_id, n.source, n.object_id, n.cascade_id, n.depth
from cascade_nodes as n
left join cascades as c using (run_id, source, cascade_id)
where c.cascade_id is null or n.depth < 0 or n.depth > c.depth
