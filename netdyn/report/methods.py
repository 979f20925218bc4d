"""The methods appendix of the reports: one line per analysis, with what is computed and the
paper it follows."""

from __future__ import annotations

from netdyn.analytics.core_periphery import DEFAULT_STARTS, START_PATIENCE
from netdyn.analytics.hierarchy import LEIDEN_ITERATIONS
from netdyn.results.structure import MESOSCALE_CP_STARTS

__all__ = ["METHODS"]

#: One line per analysis: (analysis, what is computed, reference).
METHODS: tuple[tuple[str, str, str], ...] = (
    (
        "Cascades",
        "Reply and reshare trees rebuilt from parent links; size, depth, widest level, "
        "structural virality (mean distance between two nodes of a tree), growth times.",
        "Goel, Anderson, Hofman & Watts (2016) Management Science 62:180",
    ),
    (
        "Cascade drawings",
        "The largest trees drawn with the Reingold–Tilford tree layout (igraph), coloured by "
        "time after the root.",
        "Reingold & Tilford (1981) IEEE Trans. Softw. Eng. SE-7:223",
    ),
    (
        "Heavy tails",
        "Power-law fit by maximum likelihood with x_min chosen by the smallest "
        "Kolmogorov–Smirnov distance; semi-parametric bootstrap goodness of fit; likelihood-ratio "
        "tests against lognormal, exponential, stretched exponential and cutoff.",
        "Clauset, Shalizi & Newman (2009) SIAM Review 51:661; Vuong (1989) Econometrica 57:307",
    ),
    (
        "Interaction graph",
        "Directed graph of who replied to, reshared or messaged whom; in/out-degree and "
        "strength; k-core index (coreness) of the undirected graph without loops.",
        "Batagelj & Zaversnik (2003) arXiv:cs/0310049",
    ),
    (
        "Content cascades",
        "The same word n-gram, URL, hashtag or code block used by different actors; each "
        "actor's first use is an adoption.",
        "Leskovec, Backstrom & Kleinberg (2009) KDD 497",
    ),
    (
        "Exposure and adoption",
        "P(adopt | k exposures) with Wilson intervals; Cox model with the exposure count as a "
        "time-varying covariate, clustered errors, Grambsch–Therneau check.",
        "Romero, Meeder & Kleinberg (2011) WWW 695; Cox (1972) JRSS B 34:187; Lin & Wei (1989) "
        "JASA 84:1074; Grambsch & Therneau (1994) Biometrika 81:515",
    ),
    (
        "Concentration",
        "Shares of activity, cascade volume and interactions received held by the top 1 % and "
        "10 % of actors; Gini coefficient.",
        "Gini (1912) Variabilità e mutabilità",
    ),
    (
        "Preferential attachment",
        "Attachment kernel A(k) ∝ k^β from the links gained after the median edge time by "
        "degree at that time; bootstrap interval for β.",
        "Jeong, Néda & Barabási (2003) Europhys. Lett. 61:567",
    ),
    (
        "Largest cascade",
        "Growth of the largest cascade with the number of cascades N against the extreme-value "
        "prediction N^(1/(α−1)).",
        "Newman (2005) Contemp. Phys. 46:323",
    ),
    (
        "Friendship paradox",
        "Share of actors with fewer contacts than their contacts have on average.",
        "Feld (1991) Am. J. Sociol. 96:1464",
    ),
    (
        "Over time",
        "Per-window interaction graphs (half-open UTC windows); overlap of the top-k actors "
        "between consecutive windows (Jaccard index).",
        "Jaccard (1912) New Phytologist 11:37",
    ),
    (
        "Core and periphery",
        "Borgatti–Everett discrete and continuous models; the discrete fit is the best of at "
        f"most {DEFAULT_STARTS} starts of a heuristic (ending after {START_PATIENCE} starts in a "
        "row without improvement), tested against configuration-model nulls refitted the same "
        "way; normalised rich-club coefficient.",
        "Borgatti & Everett (2000) Social Networks 21:375; Kojaku & Masuda (2018) New J. Phys. "
        "20:043012; Zhou & Mondragón (2004) IEEE Comm. Lett. 8:180; Colizza et al. (2006) "
        "Nature Physics 2:110",
    ),
    (
        "Structural roles",
        "k-means and Gaussian mixture on degree, coreness, clustering, PageRank and (sampled) "
        "betweenness; silhouette against degree-preserving nulls.",
        "Rousseeuw (1987) J. Comput. Appl. Math. 20:53; Brandes & Pich (2007) Int. J. "
        "Bifurcation and Chaos 17:2303",
    ),
    (
        "Modular or hierarchical",
        f"Per community: Leiden modularity ({LEIDEN_ITERATIONS} iterations), core-periphery "
        f"strength (the discrete Borgatti–Everett ρ, best of {MESOSCALE_CP_STARTS} starts of the "
        "heuristic), global reaching centrality, each as a z-score against degree-preserving "
        "nulls analysed the same way.",
        "Traag, Waltman & van Eck (2019) Sci. Rep. 9:5233; Mones, Vicsek & Vicsek (2012) "
        "PLoS ONE 7:e33799",
    ),
    (
        "Real versus synthetic",
        "Statistics of two logs side by side; distributions compared with the two-sample "
        "Kolmogorov–Smirnov test.",
        "Massey (1951) JASA 46:68",
    ),
)
