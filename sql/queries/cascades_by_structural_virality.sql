-- question: Which cascades spread most virally (broadcast versus person-to-person) for their size?
-- grain: one row per cascade, most viral first
-- param: run_id = latest
-- param: source = *
-- param: min_size = 3
-- param: limit = 20
-- Structural virality is the mean shortest-path distance between the cascade's nodes (Goel,
-- Anderson, Hofman & Watts 2016): 2(n-1)/n for a star, (n+1)/3 for a chain.
with cascades as (
    select *
    from mart_cascades
    where (($run_id = 'latest' and is_latest_run) or run_id = $run_id)
      and ($source = '*' or source = $source)
      and size >= cast($min_size as bigint)
      and structural_virality is not null
),

final as (
    select
        run_id,
        source,
        cascade_id,
        size,
        depth,
        max_breadth,
        structural_virality,
        structural_virality / (2.0 * (size - 1) / size) as virality_over_star
    from cascades
    order by structural_virality desc, run_id, source, cascade_id
    limit cast($limit as bigint)
)

select * from final
