-- 006_spreading: results of the spreading and elites analyses (issue 5), keyed by run.
-- window_graph_metrics: one row per run and time window; key (run_id, window_start, window_end).
-- window_actor_metrics: one row per run, window and actor; key (run_id, window_start, window_end, actor_id).
-- concentration: one row per run and per-actor quantity; key (run_id, quantity).
-- attachment_kernel: one row per run and degree class; key (run_id, degree).
-- largest_cascade_scaling: one row per run, method and point; key (run_id, method, point).
-- influence_persistence: one row per run and pair of consecutive windows; key (run_id, window_start).
-- run_statistics: one row per run and scalar statistic; key (run_id, analysis, statistic).
-- Window bounds are half-open [window_start, window_end), UTC.

create table if not exists window_graph_metrics (
    run_id                  varchar not null,
    window_start            timestamptz not null,
    window_end              timestamptz not null,
    n_events                bigint not null,
    n_actors                bigint not null,    -- active or addressed in the window
    n_active_actors         bigint not null,    -- acted in the window
    n_edges                 bigint not null,    -- distinct ordered pairs, loops excluded
    density                 double,
    reciprocity             double,             -- share of edges whose reverse exists
    giant_component_share   double,             -- actors in the largest weak component
    max_coreness            bigint,
    activity_top1_share     double,
    activity_top10_share    double,
    activity_gini           double,
    paradox_share           double,             -- actors with fewer contacts than their contacts
    n_cascades_started      bigint,
    largest_cascade_size    bigint,
    primary key (run_id, window_start, window_end)
);

create table if not exists window_actor_metrics (
    run_id          varchar not null,
    window_start    timestamptz not null,
    window_end      timestamptz not null,
    actor_id        varchar not null,
    n_events        bigint not null,
    in_degree       bigint not null,
    out_degree      bigint not null,
    in_strength     bigint not null,
    out_strength    bigint not null,
    coreness        integer not null,
    primary key (run_id, window_start, window_end, actor_id)
);

create table if not exists concentration (
    run_id          varchar not null,
    quantity        varchar not null,   -- activity | cascade_volume | in_strength
    n_actors        bigint not null,
    total           double,
    top_1pct_share  double,             -- share held by the ceil(1 %) largest
    top_10pct_share double,
    gini            double,
    primary key (run_id, quantity)
);

create table if not exists attachment_kernel (
    run_id              varchar not null,
    degree              bigint not null,    -- k at t0
    n_nodes             bigint not null,    -- nodes of degree k at t0
    n_new_ends          bigint not null,    -- edge ends they received in [t0, t1)
    attachment_rate     double,             -- A(k)
    cumulative_kernel   double,             -- kappa(k)
    is_fitted           boolean not null,
    primary key (run_id, degree)
);

create table if not exists largest_cascade_scaling (
    run_id          varchar not null,
    method          varchar not null,   -- subsample | window
    point           integer not null,   -- 0, 1, ... in order of n_cascades (subsample) or window
    window_start    timestamptz,        -- window method only
    n_cascades      bigint not null,    -- N
    largest_size    double not null,    -- mean largest of N (subsample) or S_max (window)
    expected_size   double,             -- exact mean over all subsets (subsample)
    primary key (run_id, method, point)
);

create table if not exists influence_persistence (
    run_id              varchar not null,
    window_start        timestamptz not null,
    next_window_start   timestamptz not null,
    k                   integer not null,
    jaccard_top_k       double,
    n_top_common        bigint,
    spearman_rho        double,
    n_common            bigint,
    primary key (run_id, window_start)
);

create table if not exists run_statistics (
    run_id      varchar not null,
    analysis    varchar not null,   -- attachment_kernel | largest_cascade | friendship_paradox | ...
    statistic   varchar not null,   -- beta | gamma | share_lower | ...
    value       double,
    ci_low      double,
    ci_high     double,
    detail      json,               -- inputs and counts behind the value
    primary key (run_id, analysis, statistic)
);

-- exposure_response: one row per run, contagion type and exposure count k; key (run_id, contagion_type, k).
-- exposure_hazard: one row per run and contagion type; key (run_id, contagion_type).
-- contagion_type: reply_thread (joining a thread) or content (using an n-gram, URL, hashtag or code block).

create table if not exists exposure_response (
    run_id          varchar not null,
    contagion_type  varchar not null,
    k               integer not null,   -- exposures held (distinct in-neighbours who adopted earlier)
    n_exposed       bigint not null,    -- (actor, contagion) pairs that held exactly k
    n_adopted       bigint not null,    -- those that adopted while holding k
    p_adopt         double,             -- P(adopt | k exposures), Romero et al. 2011
    ci_low          double,             -- Wilson 95 %
    ci_high         double,
    primary key (run_id, contagion_type, k)
);

create table if not exists exposure_hazard (
    run_id          varchar not null,
    contagion_type  varchar not null,
    status          varchar not null,   -- ok | no_exposed_actors | no_events | ...
    hazard_ratio    double,             -- per extra exposure, Cox with time-varying exposures
    ci_low          double,             -- 95 %, errors clustered by contagion
    ci_high         double,
    coef            double,
    se              double,             -- clustered (sandwich)
    se_naive        double,
    p_value         double,
    concordance     double,
    n_subjects      bigint,             -- exposed (contagion, actor) pairs at risk
    n_events        bigint,             -- adoptions among them
    n_contagions    bigint,
    n_intervals     bigint,
    ph_statistic    double,             -- Grambsch-Therneau, scaled Schoenfeld residuals vs rank of time
    ph_p_value      double,
    ph_violated     boolean,
    time_origin     varchar,
    n_adoptions     bigint,             -- adoptions the analysis read
    n_exposures     bigint,             -- exposures counted
    static_graph    boolean not null,   -- edges taken as present from the start (no calendar times)
    primary key (run_id, contagion_type)
);

-- content_cascades: one row per run and content cascade (an n-gram, URL, hashtag or code block
-- used by at least min_adopters actors); key (run_id, cascade_id). Parameters in run_statistics
-- (analysis 'content_cascades', statistic 'n_cascades', detail).
create table if not exists content_cascades (
    run_id                  varchar not null,
    cascade_id              varchar not null,   -- sha256 of kind and feature, 16 hex digits
    feature_kind            varchar not null,   -- ngram | url | hashtag | code
    feature                 varchar not null,   -- normalised content (untrusted text); code: sha256:<hex>
    preview                 varchar,            -- first characters, for display
    n_adopters              bigint not null,    -- distinct actors who used it
    n_uses                  bigint not null,    -- events that used it
    n_communities           bigint not null,
    first_at                timestamptz,
    last_at                 timestamptz,
    lifetime_seconds        double,
    time_to_50pct_seconds   double,             -- from the first adoption to half the adopters
    time_to_90pct_seconds   double,
    primary key (run_id, cascade_id)
);

-- content_adoptions: one row per run, content cascade and adopter (first use); key (run_id, cascade_id, actor_id).
create table if not exists content_adoptions (
    run_id          varchar not null,
    cascade_id      varchar not null,
    actor_id        varchar not null,
    adopted_at      timestamptz,        -- null for sources with relative times only
    adopted_seconds double,             -- epoch seconds, or seconds_since_root
    event_seq       bigint not null,    -- the event of first use
    adoption_rank   bigint not null,    -- 1 = first adopter
    primary key (run_id, cascade_id, actor_id)
);

-- comparison_statistics: one row per compare run, source and statistic; key (run_id, source, statistic).
-- comparison_distances: one row per compare run, quantity and compared source (against the reference,
-- the first source); key (run_id, quantity, source).
create table if not exists comparison_statistics (
    run_id          varchar not null,   -- the compare run
    source          varchar not null,
    analysis_run_id varchar not null,   -- the analyze run of this source
    statistic       varchar not null,   -- e.g. alpha:cascade_size, gini:activity, hazard_ratio:reply_thread
    value           double,
    ci_low          double,
    ci_high         double,
    is_reference    boolean not null,   -- the first source, against which differences are taken
    primary key (run_id, source, statistic)
);

create table if not exists comparison_distances (
    run_id          varchar not null,
    quantity        varchar not null,   -- cascade_size | in_degree | ... (powerlaw quantities)
    reference       varchar not null,   -- the first source
    source          varchar not null,
    ks_distance     double,             -- two-sample Kolmogorov-Smirnov statistic
    ks_p_value      double,
    n_reference     bigint not null,
    n_source        bigint not null,
    primary key (run_id, quantity, source)
);
