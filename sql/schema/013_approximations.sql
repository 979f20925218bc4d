-- 013_approximations: what the size limits of issue 14 changed (AnalysisOptions: --exposure-max-pairs,
-- --reach-max-targets). The exposure analysis above its limit runs on a random sample of whole
-- contagions (netdyn.analytics.exposure_counts.exposure_analysis).
-- exposure_hazard: one row per run and contagion type; key (run_id, contagion_type).
-- n_contagions, n_subjects, n_events, n_intervals and n_exposures are of the contagions analysed.

alter table exposure_hazard add column if not exists n_contagions_total bigint;  -- contagions in the run, sampled or not
alter table exposure_hazard add column if not exists n_pairs bigint;             -- (adoption, out-edge) pairs of all of them
alter table exposure_hazard add column if not exists max_pairs bigint;           -- the limit in force (null: none)
alter table exposure_hazard add column if not exists sample_rate double;         -- probability each contagion was analysed (1: all)

-- mesoscale_profiles: one row per run, community and window; key (run_id, community, window_start).
alter table mesoscale_profiles add column if not exists reach_sampled boolean;  -- GRC from sampled targets (--reach-max-targets)
