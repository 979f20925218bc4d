-- 011_null_draws: how many null graphs stand behind the rich-club normalisation and the mesoscale
-- z-scores (issue 14). The sequential tests of core_periphery_fits and role_fits keep the nulls
-- drawn in their n_nulls column and the maximum, the stopping rule and the p-value resolution
-- in their detail JSON.
-- rich_club: one row per run and degree k; key (run_id, degree).
-- mesoscale_profiles: one row per run, community and window; key (run_id, community, window_start).

alter table rich_club add column if not exists n_nulls integer;           -- randomisations averaged
alter table mesoscale_profiles add column if not exists n_nulls integer;  -- nulls per statistic
