"""The analyst reports: sections with verdicts, tree drawings, comparisons, self-containment.

Known answers: a timestamp shuffle keeps who-interacts-with-whom, so the compare report must say
the degree, activity and cascade-size distributions are reproduced (KS D = 0); the
Reingold–Tilford drawing puts every node at its depth (checked against networkx) without
crossing edges; the largest trees are chosen and capped in SQL exactly as documented.
"""

from __future__ import annotations

import base64
import shutil
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import numpy as np
import polars as pl
import pytest

from netdyn.analytics.content_cascades import ContentParams
from netdyn.analytics.windows import WindowSpec
from netdyn.core.errors import InvalidInputError
from netdyn.ingest.load import ingest_chunk
from netdyn.report.compare import write_compare_report
from netdyn.report.compare_verdicts import comparison_summary, distance_verdicts, statistic_verdicts
from netdyn.report.figures import ccdf_points, relative_link
from netdyn.report.run_report import SECTIONS, verdict, write_report
from netdyn.report.text import (
    cascades_verdict,
    comparison_verdict,
    content_verdict,
    distance_verdict,
    graph_verdict,
    heavy_tails_verdict,
    mesoscale_verdict,
    windows_verdict,
)
from netdyn.report.trees import draw_largest_trees, largest_tree_nodes, tree_coordinates
from netdyn.report.wording import flatten_parameters, format_number, statistic_label
from netdyn.results.cascades import write_actor_metrics, write_cascades
from netdyn.results.comparison import write_comparison
from netdyn.results.contagion import (
    content_adoptions,
    thread_adoptions,
    write_content_cascades,
    write_exposure,
)
from netdyn.results.elites import write_elites
from netdyn.results.heavy_tails import write_powerlaw_fits
from netdyn.results.structure import write_structure
from netdyn.results.windows import write_windows
from netdyn.sim.nulls import replay_null
from netdyn.sim.platform import PlatformParams, simulate_platform
from netdyn.store.canonical import Chunk
from netdyn.store.db import connect
from netdyn.store.eventlog import read_events
from netdyn.store.projections import advance_all
from netdyn.store.runs import finish_run, start_run

EVIL = '$\\nonsense$<script>alert("x")</script><img src=x onerror=alert(1)>'
#: A source label with markup and broken mathtext (it lands in plot legends and headings).
NULL_LABEL = "null:shuffle <b>$\\nonsense$</b>"
EVIL_CODE = '<img src=x onerror="window.__pwned=1">'
T0 = datetime(2026, 2, 1, tzinfo=UTC)


def hostile_chunk() -> Chunk:
    """A thread whose root, author, community and shared code block are hostile markup."""
    chunk = Chunk("mem://hostile", "hostile")
    text = f"look\n```\n{EVIL_CODE}\n```\n#evil"
    chunk.rows.add(
        source_event_id="evil-root",
        kind="post",
        occurred_at=T0,
        actor_id=EVIL,
        object_id=EVIL,
        root_object_id=EVIL,
        community=EVIL,
        text=text,
    )
    for i in range(150):
        chunk.rows.add(
            source_event_id=f"evil-reply-{i}",
            kind="comment",
            occurred_at=T0 + timedelta(minutes=5 * (i + 1)),
            actor_id=f"agent_{i}",
            target_actor_id=EVIL,
            object_id=f"evil-reply-{i}",
            parent_object_id=EVIL,
            root_object_id=EVIL,
            community=EVIL,
            text=text,
        )
    return chunk


def analyse(con, sources: list[str], reports: Path) -> str:
    """The analyze flow's steps without Prefect (small null counts); the report file is a stub.

    The comparison of :func:`build_reports` rewrites the report of each analysis it compares
    (where the file exists) so that it links to the comparison: that rewrite, by
    :func:`write_report`, is the report every test reads, so writing a full report here first
    would only cost seconds for a file that is overwritten. (A stub left in place fails the
    tests: it has none of the sections.)
    """
    run_id = start_run(con, flow="analyze", parameters={"seed": 0, "note": EVIL}, sources=sources)
    advance_all(con)
    write_cascades(con, run_id, sources)
    write_actor_metrics(con, run_id, sources)
    write_content_cascades(con, run_id, ContentParams())
    write_powerlaw_fits(con, run_id, n_resamples=0, seed=0)
    write_elites(con, run_id, n_bootstrap=0, seed=0)
    write_windows(con, run_id, WindowSpec.parse("1d"), top_k=10)
    contagions = {"reply_thread": thread_adoptions(con, run_id)}
    content = content_adoptions(con, run_id)
    if content.height:
        contagions["content"] = content
    write_exposure(con, run_id, contagions)
    write_structure(
        con,
        run_id,
        cp_nulls=2,
        role_nulls=1,
        rich_club_nulls=2,
        mesoscale_nulls=2,
        window=None,
        seed=0,
        n_jobs=1,
    )
    reports.mkdir(parents=True, exist_ok=True)
    path = reports / f"{run_id}.html"
    path.write_text("<!-- stub: the comparison rewrites this report -->\n", encoding="utf-8")
    finish_run(con, run_id, status="completed", report_path=str(path))
    return run_id


def build_reports(folder: Path, *, n_events: int = 1500) -> dict:
    """A simulated source with a hostile thread, its timestamp-shuffled null, both analysed,
    compared, and every report written under ``folder / "reports"``; the database is closed."""
    db = folder / "report.duckdb"
    con = connect(db)
    try:
        params = PlatformParams.for_events(n_events, n_actors=200, seed=5, duration_days=6.0)
        real = params.source_label
        ingest_chunk(con, simulate_platform(params), source=real, reader="sim")
        ingest_chunk(con, hostile_chunk(), source=real, reader="test")
        replay = replay_null(read_events(con, sources=[real]), "timestamp_shuffle", seed=1)
        null = NULL_LABEL
        chunk = Chunk(f"null:timestamp_shuffle?source={real}", null)
        chunk.rows.add_frame(replay.events)
        ingest_chunk(con, chunk, source=null, reader="null:timestamp_shuffle")
        reports = folder / "reports"
        analyses = {real: analyse(con, [real], reports), null: analyse(con, [null], reports)}
        compare_id = start_run(
            con, flow="compare", parameters={"analyses": analyses}, sources=[real, null]
        )
        write_comparison(con, compare_id, analyses)
        compare_path = write_compare_report(con, compare_id, reports)
        finish_run(con, compare_id, status="completed", report_path=str(compare_path))
    finally:
        con.close()
    return {
        "db": db,
        "real": real,
        "null": null,
        "analyses": analyses,
        "compare_id": compare_id,
        "report": reports / f"{analyses[real]}.html",
        "null_report": reports / f"{analyses[null]}.html",
        "compare_report": compare_path,
    }


_SHARED: dict[str, dict] = {}


def shared_reports(tmp_path_factory) -> dict:
    """:func:`build_reports` once per test session (this module and the browser tests)."""
    if "built" not in _SHARED:
        _SHARED["built"] = build_reports(tmp_path_factory.mktemp("reports"))
    return _SHARED["built"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return shared_reports(tmp_path_factory)


@pytest.fixture
def con(built):
    connection = connect(built["db"], read_only=True)
    yield connection
    connection.close()


class _Page(HTMLParser):
    """Tags with their attributes, h2 texts and verdict paragraphs of a report."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.h2: list[str] = []
        self.verdicts: list[str] = []
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {k: v or "" for k, v in attrs}
        self.tags.append((tag, attributes))
        if tag == "h2":
            self._open, self._text = "h2", ""
        elif tag == "p" and attributes.get("class") == "verdict":
            self._open, self._text = "verdict", ""

    def handle_data(self, data):
        if self._open:
            self._text += data

    def handle_endtag(self, tag):
        if self._open == "h2" and tag == "h2":
            self.h2.append(self._text.strip())
            self._open = None
        elif self._open == "verdict" and tag == "p":
            self.verdicts.append(self._text.strip())
            self._open = None


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def assert_self_contained(path: Path) -> None:
    """Nothing is loaded from elsewhere: images are PNG data URIs, links stay on the disk."""
    html = path.read_text(encoding="utf-8")
    page = parse(path)
    assert "<script" not in html and "@import" not in html and "url(" not in html
    images = 0
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert "://" not in value, (tag, name, value[:80])
        if tag == "img":
            images += 1
            prefix = "data:image/png;base64,"
            assert attrs["src"].startswith(prefix)
            assert base64.b64decode(attrs["src"][len(prefix) :])[:8] == b"\x89PNG\r\n\x1a\n"
        if tag == "link":
            assert attrs == {"rel": "icon", "href": "data:,"}
        if tag == "a":
            href = attrs["href"]
            assert href.startswith("#") or (path.parent / href).is_file(), href
    assert images >= 3


def test_run_report_has_every_section_with_a_verdict_and_the_trees(built, con):
    page = parse(built["report"])
    titles = [title for _, title in SECTIONS]
    assert page.h2 == ["Headline", "In brief", *titles, "Appendix: data and methods"]
    # one verdict paragraph per analysis section, each a sentence built from numbers
    assert len(page.verdicts) == len(SECTIONS)
    assert all(v[:1].isupper() or v[:1].isdigit() for v in page.verdicts), page.verdicts
    assert all(v.endswith(".") for v in page.verdicts), page.verdicts
    html = built["report"].read_text(encoding="utf-8")
    assert 'alt="the 6 largest cascade trees"' in html
    # the hostile thread (151 nodes) is the largest tree and is drawn whole
    trees = draw_largest_trees(con, built["analyses"][built["real"]])
    assert trees["colour"] == "delay" and len(trees["trees"]) == 6
    assert (trees["trees"][0]["cascade_id"], trees["trees"][0]["n_drawn"]) == (EVIL, 151)
    # the comparison written after the analysis is linked from the analysis report
    links = [a["href"] for tag, a in page.tags if tag == "a" and not a["href"].startswith("#")]
    assert links == [built["compare_report"].name]
    assert "reproduces" in page.verdicts[-1]
    # appendix: methods with papers, parameters, fingerprint and package versions
    assert "Reingold &amp; Tilford (1981)" in html and "Clauset, Shalizi &amp; Newman" in html
    fingerprint = con.execute(
        "select data_fingerprint from runs where run_id = ?", [built["analyses"][built["real"]]]
    ).fetchall()[0][0]
    assert f"<code>{fingerprint}</code>" in html
    assert '<td class="l">duckdb</td>' in html and '<td class="l">python-igraph</td>' in html


def test_reports_are_self_contained(built):
    for key in ("report", "null_report", "compare_report"):
        assert_self_contained(built[key])


def test_hostile_text_is_escaped_everywhere(built):
    for key in ("report", "null_report", "compare_report"):
        html = built[key].read_text(encoding="utf-8")
        assert EVIL not in html and EVIL_CODE not in html
        assert "<img src=x" not in html
        # no markup came from the data: no event handlers, every image is one of ours
        for tag, attrs in parse(built[key]).tags:
            assert not any(name.startswith("on") for name in attrs), (tag, attrs)
            assert tag != "img" or attrs["src"].startswith("data:image/png;base64,")
    html = built["report"].read_text(encoding="utf-8")
    # actor id (top actors), cascade id (top cascades), community, content preview, parameters
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
    assert html.count(escaped) >= 3
    compare = built["compare_report"].read_text(encoding="utf-8")
    assert "<b>$" not in compare and "null:shuffle &lt;b&gt;$\\nonsense$&lt;/b&gt;" in compare
    assert "&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in html


def test_compare_report_says_what_a_timestamp_shuffle_reproduces(built, con):
    compare_id, null = built["compare_id"], built["null"]
    distances = {r["quantity"]: r for r in distance_verdicts(con, compare_id).to_dicts()}
    # the shuffle moves times only: who-with-whom and tree shapes are the same samples
    for quantity in ("in_degree", "out_degree", "activity", "cascade_size"):
        assert distances[quantity]["ks_distance"] == 0.0
        assert distances[quantity]["status"] == "reproduced", distances[quantity]
    stats = statistic_verdicts(con, compare_id)
    assert stats.height > 20 and set(stats["source"]) == {null}
    by_name = {r["statistic"]: r for r in stats.to_dicts()}
    for name in ("n_actors", "n_edges", "n_cascades", "max_cascade_size", "alpha:in_degree"):
        assert by_name[name]["status"] == "reproduced", by_name[name]
        assert by_name[name]["difference"] == 0.0
    summary = comparison_summary(con, compare_id).row(0, named=True)
    assert summary["source"] == null and summary["reference"] == built["real"]
    n_ok, n_all = summary["n_reproduced"], summary["n_statistics"]
    assert summary["verdict"].startswith(f"The log {null} reproduces {n_ok} of {n_all} statistics")
    page = parse(built["compare_report"])
    assert page.h2 == [
        "In brief",
        "Statistics side by side",
        "Distributions",
        "Appendix: methods and data",
    ]
    html = built["compare_report"].read_text(encoding="utf-8")
    assert html.count('<span class="badge reproduced">reproduced</span>') >= 10
    assert "preferential-attachment exponent β" in html and "<code>alpha:in_degree</code>" in html
    # both analysis reports are linked
    links = {a["href"] for tag, a in page.tags if tag == "a"}
    assert links == {f"{built['analyses'][built['real']]}.html", f"{built['analyses'][null]}.html"}


# --- the tree drawings -----------------------------------------------------------------


def _tree_db(tmp_path: Path):
    """Cascades of known shape: a star of 10 nodes, a chain of 6, a pair, and a lone post."""
    con = connect(tmp_path / "trees.duckdb")
    chunk = Chunk("mem://trees", "trees")

    def add(oid, parent, root, minutes):
        chunk.rows.add(
            source_event_id=oid,
            kind="post" if parent is None else "comment",
            occurred_at=T0 + timedelta(minutes=minutes),
            actor_id=f"u{len(oid)}{oid[-1]}",
            object_id=oid,
            parent_object_id=parent,
            root_object_id=root,
        )

    add("star", None, "star", 0)
    for i in range(9):  # replies arrive in the order s8, s7, ..., s0
        add(f"s{i}", "star", "star", 90 - 10 * i)
    add("chain", None, "chain", 0)
    for i in range(5):
        add(f"c{i}", "chain" if i == 0 else f"c{i - 1}", "chain", 3 * (i + 1))
    add("pair", None, "pair", 0)
    add("p0", "pair", "pair", 1)
    add("lone", None, "lone", 0)
    ingest_chunk(con, chunk, source="trees", reader="test")
    run_id = start_run(con, flow="analyze", parameters={}, sources=["trees"])
    write_cascades(con, run_id, ["trees"])
    return con, run_id


def test_largest_trees_are_selected_and_capped_in_sql(tmp_path):
    con, run_id = _tree_db(tmp_path)
    nodes = largest_tree_nodes(con, run_id, n_trees=2, max_nodes=4)
    assert nodes.columns == [
        "source",
        "cascade_id",
        "cascade_size",
        "cascade_depth",
        "object_id",
        "parent_object_id",
        "depth",
        "delay_seconds",
    ]
    # the star (10 nodes) first, then the chain (6): root, then the earliest replies
    assert nodes["object_id"].to_list() == ["star", "s8", "s7", "s6", "chain", "c0", "c1", "c2"]
    assert nodes["cascade_size"].to_list() == [10] * 4 + [6] * 4
    assert nodes["parent_object_id"].to_list() == [None, "star", "star", "star"] + [
        None,
        "chain",
        "c0",
        "c1",
    ]
    assert nodes["delay_seconds"].to_list()[:2] == [0.0, 600.0]
    everything = largest_tree_nodes(con, run_id, n_trees=10)
    assert everything["cascade_id"].unique(maintain_order=True).to_list() == [
        "star",
        "chain",
        "pair",
    ]  # the lone post has no reply: not a tree to draw
    drawn = draw_largest_trees(con, run_id, n_trees=2, max_nodes=4)
    assert [
        (t["cascade_id"], t["size"], t["n_drawn"], t["is_truncated"]) for t in drawn["trees"]
    ] == [
        ("star", 10, 4, True),
        ("chain", 6, 4, True),
    ]
    # deterministic: the same rows give the same image
    assert drawn["png"] == draw_largest_trees(con, run_id, n_trees=2, max_nodes=4)["png"]
    with pytest.raises(InvalidInputError, match="n_trees must be >= 1"):
        largest_tree_nodes(con, run_id, n_trees=0)
    with pytest.raises(InvalidInputError, match="max_nodes must be >= 2"):
        largest_tree_nodes(con, run_id, max_nodes=1)
    con.close()


def test_no_tree_to_draw_without_replies(tmp_path):
    con = connect(tmp_path / "flat.duckdb")
    chunk = Chunk("mem://flat", "flat")
    for i in range(3):
        chunk.rows.add(source_event_id=f"p{i}", kind="post", actor_id="a", object_id=f"p{i}")
    ingest_chunk(con, chunk, source="flat", reader="test")
    run_id = start_run(con, flow="analyze", parameters={}, sources=["flat"])
    write_cascades(con, run_id, ["flat"])
    assert largest_tree_nodes(con, run_id).height == 0
    assert draw_largest_trees(con, run_id)["png"] is None
    con.close()


def test_tree_layout_puts_nodes_at_their_depth_without_crossings():
    rng = np.random.default_rng(7)
    n = 400
    parents = [None] + [f"n{rng.integers(0, i)}" for i in range(1, n)]
    nodes = pl.DataFrame({"object_id": [f"n{i}" for i in range(n)], "parent_object_id": parents})
    drawn = tree_coordinates(nodes, "n0")
    assert drawn.height == n
    # y is the depth, as networkx counts it
    tree = nx.Graph([(p, f"n{i}") for i, p in enumerate(parents) if p is not None])
    depth = nx.single_source_shortest_path_length(tree, "n0")
    assert all(depth[o] == y for o, y in zip(drawn["object_id"], drawn["y"], strict=True))
    x = dict(zip(drawn["object_id"], drawn["x"], strict=True))
    drawn = drawn.with_columns(parent_x=pl.col("parent_object_id").replace_strict(x, default=None))
    for _, level in drawn.group_by("y"):
        ordered = level.sort("x")
        # nodes of one level at least one unit apart, and no two edges cross
        assert (ordered["x"].diff().drop_nulls() >= 1 - 1e-9).all()
        assert (ordered["parent_x"].diff().drop_nulls() >= 0).all()
    # a parent sits between its leftmost and rightmost child
    spans = drawn.group_by("parent_object_id").agg(lo=pl.col("x").min(), hi=pl.col("x").max())
    for parent, lo, hi in spans.drop_nulls("parent_object_id").iter_rows():
        assert lo - 1e-9 <= x[parent] <= hi + 1e-9


def test_tree_layout_drops_nodes_cut_off_from_the_root_and_checks_its_input():
    nodes = pl.DataFrame(
        {"object_id": ["r", "a", "b", "orphan"], "parent_object_id": [None, "r", "a", "gone"]}
    )
    assert tree_coordinates(nodes, "r")["object_id"].to_list() == ["r", "a", "b"]
    with pytest.raises(InvalidInputError, match="root 'x' is not among the nodes"):
        tree_coordinates(nodes, "x")
    with pytest.raises(InvalidInputError, match="object_id repeats"):
        tree_coordinates(pl.concat([nodes, nodes]), "r")


# --- verdicts in words -------------------------------------------------------------------


def test_cascade_verdict_tells_broadcast_from_chains():
    base = {"n_cascades": 10, "n_nontrivial": 4, "median_size_nontrivial": 5.0, "max_size": 9}
    star = cascades_verdict(base | {"n_replies": 20, "n_direct_replies": 20})
    chain = cascades_verdict(base | {"n_replies": 20, "n_direct_replies": 4})
    mixed = cascades_verdict(base | {"n_replies": 20, "n_direct_replies": 10})
    assert star.startswith("4 of 10 threads (40%) drew at least one reply")
    assert "100% of all replies answer the thread's first post directly" in star
    assert "mostly broadcast" in star and "person to person" in chain and "a mix" in mixed
    assert cascades_verdict({"n_cascades": 3, "n_nontrivial": 0}).startswith("None of the 3")


def test_heavy_tail_verdict_names_plausible_and_ruled_out_tails():
    fits = [
        {"quantity": "in_degree", "status": "ok", "p_value": 0.4},
        {"quantity": "cascade_size", "status": "ok", "p_value": 0.01},
        {"quantity": "activity", "status": "ok", "p_value": None},
        {"quantity": "content_cascade_size", "status": "too_few", "p_value": None},
    ]
    comparisons = [
        {
            "quantity": "cascade_size",
            "alternative": "lognormal",
            "loglikelihood_ratio": -5.0,
            "p_value": 0.001,
            "is_nested": False,
        },
        {
            "quantity": "cascade_size",
            "alternative": "exponential",
            "loglikelihood_ratio": 9.0,
            "p_value": 0.001,
            "is_nested": False,
        },
        {
            "quantity": "activity",
            "alternative": "stretched_exponential",
            "loglikelihood_ratio": -3.0,
            "p_value": 0.02,
            "is_nested": False,
        },
    ]
    text = heavy_tails_verdict(fits, comparisons)
    assert "plausible description of contacts received (in-degree)." in text
    assert "ruled out (p < 0.1) for cascade size (where lognormal fits better)." in text
    assert "events per actor was not tested" in text
    assert "For events per actor, stretched exponential fits the tail better" in text
    assert "Too little data to fit adopters per piece of content." in text


def test_comparison_rules():
    interval = {"value": 2.4, "ci_low": 2.2, "ci_high": 2.6}
    assert comparison_verdict("alpha:x", interval, {"value": 2.7}) == {
        "status": "missed",
        "reason": "outside the reference's 95 % interval 2.20–2.60",
    }
    assert comparison_verdict("gini:activity", {"value": 0.60}, {"value": 0.64})["status"] == (
        "reproduced"
    )
    assert comparison_verdict("gini:activity", {"value": 0.60}, {"value": 0.66})["status"] == (
        "missed"
    )
    assert comparison_verdict("gof_p:x", {"value": 0.5}, {"value": 0.2})["status"] == "reproduced"
    assert comparison_verdict("gof_p:x", {"value": 0.5}, {"value": 0.05})["status"] == "missed"
    assert comparison_verdict("n_actors", {"value": 100.0}, {"value": 109.0})["status"] == (
        "reproduced"
    )
    assert comparison_verdict("n_actors", {"value": 0.0}, {"value": 1.0})["status"] == "missed"
    assert comparison_verdict("n_actors", {"value": 0.0}, {"value": 0.0}) == {
        "status": "reproduced",
        "reason": "identical values",
    }
    assert comparison_verdict("n_actors", {"value": 1.0}, None)["status"] == "not comparable"
    assert comparison_verdict("x", {"value": float("nan")}, {"value": 1.0})["status"] == (
        "not comparable"
    )
    with pytest.raises(InvalidInputError, match="tolerances must be >= 0"):
        comparison_verdict("x", {"value": 1.0}, {"value": 1.0}, relative_tolerance=-1)
    assert distance_verdict(0.3, 1e-9)["status"] == "missed"
    assert distance_verdict(0.3, 1e-9)["reason"].startswith("different distributions (D = 0.300")
    assert distance_verdict(None, None)["status"] == "not comparable"
    with pytest.raises(InvalidInputError, match="significance must be in"):
        distance_verdict(0.1, 0.5, significance=1.5)
    assert (
        statistic_label("hazard_ratio:reply_thread")
        == "hazard ratio per extra exposure (reply thread)"
    )


def test_windows_verdict_reads_the_trend():
    starts = [T0 + timedelta(days=d) for d in range(4)]
    growing = [
        {"window_start": s, "n_events": n} for s, n in zip(starts, [10, 10, 20, 20], strict=True)
    ]
    text = windows_verdict(growing)
    assert text.startswith("Across 4 windows, activity ranged from 10 to 20 events per window")
    assert "the busiest began 2026-02-03 00:00 UTC" in text
    assert text.endswith("Activity grew by 100% from the first half of the period to the second.")
    level = [{"window_start": s, "n_events": 10} for s in starts]
    assert "stayed about level" in windows_verdict(level)


def test_ccdf_points_are_thinned_but_exact():
    values = np.random.default_rng(3).pareto(1.5, 200_000) + 1.0
    x, p = ccdf_points(values, max_points=500)
    assert x.size <= 500 and x[0] == values.min() and x[-1] == values.max()
    # every kept point is the exact share of values at least as large
    exact = 1.0 - np.searchsorted(np.sort(values), x, side="left") / values.size
    assert np.array_equal(p, exact)
    assert np.all(np.diff(x) > 0) and np.all(np.diff(p) < 0)
    with pytest.raises(InvalidInputError, match="max_points must be >= 2"):
        ccdf_points(values, max_points=1)


def test_graph_content_and_mesoscale_verdicts():
    graph = graph_verdict(
        {
            "n_actors": 200,
            "n_edges": 500,
            "n_never_received": 50,
            "max_coreness": 7,
            "n_innermost": 12,
        }
    )
    assert graph == (
        "200 actors are joined by 500 distinct who-addressed-whom links: on average an actor "
        "addressed 2.5 others, and 25% never received a reply or message. The innermost group "
        "(the 7-core) has 12 actors, each linked to at least 7 others inside it."
    )
    kinds = [
        {"feature_kind": "ngram", "n_cascades": 40, "max_adopters": 12},
        {"feature_kind": "url", "n_cascades": 2, "max_adopters": 30},
    ]
    assert content_verdict(kinds, min_adopters=3).endswith("(a link) reached 30 actors.")
    assert content_verdict([], min_adopters=3) == "No piece of content was used by several actors."
    labels = [{"label": "modular", "n_whole": 2}, {"label": "both", "n_whole": 1}]
    assert mesoscale_verdict(labels).startswith(
        "Of 3 communities: 2 modular (split into tighter groups than chance), 0 "
        "core-periphery/hierarchical (organised around a centre or a top), 1 both and 0 neither."
    )
    assert mesoscale_verdict([]) == "No community was large enough to profile."


def test_parameters_are_flattened_for_the_appendix():
    assert flatten_parameters({"nulls": {"roles": 2, "cp": 10}, "sources": ["a"], "x": None}) == [
        ("nulls.cp", "10"),
        ("nulls.roles", "2"),
        ("sources", "a"),
        ("x", "–"),
    ]
    assert flatten_parameters(None) == []


@pytest.mark.parametrize(
    ("value", "decimals", "shown"),
    [
        (None, None, "–"),
        (float("nan"), 2, "–"),
        (float("inf"), None, "–"),
        (0, None, "0"),
        (1234567.0, None, "1,234,567"),
        (-42, None, "-42"),
        (123.456, None, "123.5"),
        (2.5, None, "2.500"),
        (0.01, None, "0.010"),
        (0.001234, None, "1.23e-03"),
        (3, 3, "3.000"),
        (0.123456, 2, "0.12"),
    ],
)
def test_numbers_are_formatted_alike_in_both_reports(value, decimals, shown):
    assert format_number(value, decimals) == shown


def test_links_between_reports_are_relative_and_only_to_existing_files(tmp_path):
    folder = tmp_path / "reports"
    other = tmp_path / "elsewhere" / "run.html"
    other.parent.mkdir()
    other.write_text("<html></html>")
    folder.mkdir()
    assert relative_link(other, folder) == "../elsewhere/run.html"
    assert relative_link(str(other), other.parent) == "run.html"
    assert relative_link(tmp_path / "missing.html", folder) is None
    assert relative_link(None, folder) is None and relative_link("", folder) is None


def test_verdict_words():
    ok = {"status": "ok", "n": 100, "n_tail": 40, "xmin": 3.0, "alpha": 2.5, "sigma": 0.24}
    assert verdict(ok).startswith("tail above x_min = 3 (40% of values) fitted with α = 2.50")
    assert "not fitted (too_few)" in verdict({"status": "too_few"})


def test_a_run_with_little_to_show_says_so_in_every_section(tmp_path):
    con = connect(tmp_path / "messages.duckdb")
    chunk = Chunk("mem://messages", "messages")
    for i in range(3):
        chunk.rows.add(
            source_event_id=f"m{i}",
            kind="message",
            actor_id=f"a{i}",
            target_actor_id=f"a{(i + 1) % 3}",
            object_id=f"m{i}",
        )
    ingest_chunk(con, chunk, source="messages", reader="test")
    run_id = start_run(con, flow="analyze", parameters={}, sources=["messages"])
    write_cascades(con, run_id, ["messages"])
    write_actor_metrics(con, run_id, ["messages"])
    write_powerlaw_fits(con, run_id, n_resamples=0)
    path = write_report(con, run_id, tmp_path)
    con.close()
    verdicts = dict(zip([anchor for anchor, _ in SECTIONS], parse(path).verdicts, strict=True))
    assert verdicts["heavy-tails"].endswith(
        "Too little data to fit events per actor, cascade depth, cascade size, adopters per "
        "piece of content, contacts received (in-degree), time between an actor's events and "
        "contacts made (out-degree)."
    )
    assert verdicts["cascades"].startswith("No cascades")
    assert verdicts["interaction-graph"].startswith("3 actors are joined by 3 distinct")
    assert "(the 2-core) has 3 actors" in verdicts["interaction-graph"]
    assert verdicts["over-time"] == "No time windows with events."
    assert verdicts["core-periphery"] == "No core-periphery analysis for this run."
    assert verdicts["comparisons"].startswith("No comparison with a synthetic")
    assert "largest cascade trees" not in path.read_text(encoding="utf-8")
    assert_self_contained(path)


def test_write_report_rejects_unknown_runs_and_bad_options(built, con, tmp_path):
    with pytest.raises(KeyError, match="no run 'nope'"):
        write_report(con, "nope", tmp_path)
    with pytest.raises(InvalidInputError, match="n_trees must be >= 1"):
        write_report(con, built["analyses"][built["real"]], tmp_path, n_trees=0)


def test_a_report_written_again_reuses_its_figures(built, con, tmp_path, monkeypatch):
    from netdyn.report import run_report

    run_id = built["analyses"][built["real"]]
    drawn: list[str] = []
    for name in ("spreading_context", "structure_context", "draw_largest_trees", "_ccdf_plot"):
        original = getattr(run_report, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            drawn.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(run_report, name, counted)
    monkeypatch.setattr(run_report, "_FIGURE_MEMO", type(run_report._FIGURE_MEMO)())
    first = run_report.write_report(con, run_id, tmp_path / "a").read_text(encoding="utf-8")
    n_first = len(drawn)
    assert {"spreading_context", "structure_context", "draw_largest_trees", "_ccdf_plot"} <= set(
        drawn
    )
    again = run_report.write_report(con, run_id, tmp_path / "b").read_text(encoding="utf-8")
    assert len(drawn) == n_first  # nothing redrawn
    assert again == first
    # another database holding the same run id is drawn afresh
    copy = tmp_path / "copy.duckdb"
    shutil.copy(built["db"], copy)
    other = connect(copy, read_only=True)
    try:
        run_report.write_report(other, run_id, tmp_path / "c")
    finally:
        other.close()
    assert len(drawn) == 2 * n_first


def test_log_axes_are_labelled_in_plain_text_and_wide_ones_lose_their_minor_ticks():
    import matplotlib.pyplot as plt

    from netdyn.report.figures import PowerLabels, png

    fig, (wide, narrow) = plt.subplots(1, 2)
    wide.loglog([1e-3, 1e3], [1, 1e5])
    narrow.loglog([2, 5], [2, 5])
    axes = [wide.xaxis, wide.yaxis, narrow.xaxis]
    png(fig)
    assert all(isinstance(a.get_major_formatter(), PowerLabels) for a in axes)
    labels = [t.get_text() for t in wide.xaxis.get_ticklabels()]
    assert "10⁻³" in labels and "10³" in labels and not any("$" in t for t in labels)
    assert len(wide.xaxis.get_minorticklocs()) == 0  # six decades: no minor ticks
    assert len(narrow.xaxis.get_minorticklocs()) > 0  # under one decade: kept
