-- 004_powerlaw_tests: goodness of fit and comparisons with alternative distributions.
-- powerlaw_fits gains the semi-parametric bootstrap p-value (Clauset, Shalizi & Newman 2009,
-- section 4.1), bootstrap intervals and a verdict in words.
-- powerlaw_comparisons: one row per run, quantity and alternative; key (run_id, quantity, alternative).

alter table powerlaw_fits add column if not exists p_value double;        -- bootstrap GOF p
alter table powerlaw_fits add column if not exists n_resamples integer;
alter table powerlaw_fits add column if not exists alpha_ci_low double;   -- 95 % bootstrap
alter table powerlaw_fits add column if not exists alpha_ci_high double;
alter table powerlaw_fits add column if not exists xmin_ci_low double;
alter table powerlaw_fits add column if not exists xmin_ci_high double;
alter table powerlaw_fits add column if not exists verdict varchar;

create table if not exists powerlaw_comparisons (
    run_id               varchar not null,
    quantity             varchar not null,
    alternative          varchar not null,   -- lognormal | exponential | stretched_exponential | truncated_power_law
    loglikelihood_ratio  double,             -- R > 0 favours the power law
    normalized_ratio     double,             -- R / (sigma sqrt(n))
    p_value              double,             -- Vuong (two-sided), or chi-squared for the nested cutoff
    is_nested            boolean not null,
    parameters           json,               -- the alternative's fitted parameters
    primary key (run_id, quantity, alternative)
);
