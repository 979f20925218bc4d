-- question: How has the fitted power-law exponent alpha of a quantity changed from one analysis run to the next?
-- grain: one row per completed analysis run with a fit of the quantity, in time order per source set
-- param: source = *
-- param: quantity = cascade_size
-- Per-window fits are not stored: this reads the stored fit of every completed analysis run
-- (each over the log up to its event_watermark), so the series moves as the log grows.
with fits as (
    select f.*
    from mart_powerlaw_fits as f
    join stg_runs as r using (run_id)
    where r.flow = 'analyze' and r.is_completed
      and f.quantity = $quantity
      and ($source = '*' or list_contains(f.sources, $source))
),

final as (
    select
        sources_label,
        run_id,
        run_started_at,
        event_watermark,
        quantity,
        status,
        n,
        n_tail,
        xmin,
        alpha,
        sigma,
        alpha_ci_low,
        alpha_ci_high,
        p_value,
        verdict_class,
        alpha - lag(alpha) over (
            partition by sources_label order by run_started_at, run_id
        ) as alpha_change
    from fits
    order by sources_label, run_started_at, run_id
)

select * from final
