-- 008_structure: core-periphery, structural roles and modular-versus-hierarchical structure (issue 6).
-- actor_structure: one row per run and actor; key (run_id, actor_id).
-- core_periphery_fits: one row per run and Borgatti-Everett model (discrete, continuous); key (run_id, method).
-- rich_club: one row per run and degree k; key (run_id, degree).
-- role_fits: one row per run and clustering method (kmeans, gmm), with the degree-preserving null; key (run_id, method).
-- role_sizes: one row per run, method and role; key (run_id, method, role).
-- mesoscale_profiles: one row per run, community and window (window_start null: the whole run);
--   key (run_id, community, window_start) — checked by sql/invariants/mesoscale_profiles_key.sql.

create table if not exists actor_structure (
    run_id              varchar not null,
    actor_id            varchar not null,
    coreness_in         integer,            -- k-core index by in-degree
    coreness_out        integer,            -- by out-degree
    coreness_total      integer,            -- undirected, loops removed
    coreness_weighted   double,             -- generalised core by strength
    core_score          double,             -- continuous Borgatti-Everett score in [0, 1]
    is_core             boolean,            -- discrete Borgatti-Everett core member
    role_kmeans         integer,            -- 0 = the largest role
    role_gmm            integer,
    pagerank            double,
    betweenness         double,             -- exact or pivot-sampled (role_fits.detail)
    clustering          double,
    primary key (run_id, actor_id)
);

create table if not exists core_periphery_fits (
    run_id          varchar not null,
    method          varchar not null,   -- discrete | continuous
    quality         double,             -- correlation of the adjacency matrix with the ideal pattern
    n_core          bigint,
    n_actors        bigint,
    p_value         double,             -- against configuration-model nulls, refitted each
    n_nulls         integer,
    null_mean       double,
    null_sd         double,
    z               double,
    detail          json,
    primary key (run_id, method)
);

create table if not exists rich_club (
    run_id              varchar not null,
    degree              bigint not null,    -- k: actors with degree > k
    n_actors_above      bigint,
    phi                 double,             -- rich-club coefficient
    phi_null_mean       double,             -- mean over degree-preserving randomisations
    phi_null_sd         double,
    phi_normalized      double,             -- phi / phi_null_mean (> 1: a rich club)
    primary key (run_id, degree)
);

create table if not exists role_fits (
    run_id                  varchar not null,
    method                  varchar not null,   -- kmeans | gmm
    chosen_k                integer,
    silhouette              double,
    n_nulls                 integer,
    null_mean_silhouette    double,
    null_sd_silhouette      double,
    null_modal_k            integer,
    null_share              double,             -- null mean / observed silhouette
    z_score                 double,
    p_value                 double,
    detail                  json,               -- silhouette by k, betweenness method
    primary key (run_id, method)
);

create table if not exists role_sizes (
    run_id          varchar not null,
    method          varchar not null,
    role            integer not null,
    n_actors        bigint not null,
    share_actors    double not null,
    centroid        json,                       -- mean raw features of the role's actors
    primary key (run_id, method, role)
);

create table if not exists mesoscale_profiles (
    run_id                                  varchar not null,
    community                               varchar not null,
    window_start                            timestamptz,
    window_end                              timestamptz,
    n_events                                bigint,
    n_actors                                bigint,
    n_edges                                 bigint,
    n_communities                           bigint,   -- Leiden communities found
    modularity                              double,
    modularity_null_mean                    double,
    modularity_null_sd                      double,
    modularity_z                            double,
    modularity_p_value                      double,
    core_periphery_strength                 double,
    core_periphery_strength_null_mean       double,
    core_periphery_strength_null_sd         double,
    core_periphery_strength_z               double,
    core_periphery_strength_p_value         double,
    global_reaching_centrality              double,
    global_reaching_centrality_null_mean    double,
    global_reaching_centrality_null_sd      double,
    global_reaching_centrality_z            double,
    global_reaching_centrality_p_value      double,
    label                                   varchar  -- modular | core-periphery/hierarchical | both | neither
);
