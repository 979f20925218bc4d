"""Progress inside null ensembles and bootstraps: exact events, and no change to any result.

* :func:`netdyn.analytics.monte_carlo.ordered_map` (the sequential null tests) and
  :func:`netdyn.core.parallel.map_ordered` (fixed ensembles, bootstrap chunks) report one
  :mod:`netdyn.core.progress` task per ensemble, advanced in the parent as results arrive; a
  sequential test that stops early ends its task with what it drew.
* The power-law goodness-of-fit bootstrap reports ``"bootstrap of <quantity>"`` in resamples,
  the attachment-kernel bootstrap in its resamples.
* The command line's bars show elapsed time, rate and time left, and keep a line for a test
  that stopped early.
"""

from __future__ import annotations

import io

import igraph as ig
import numpy as np
import polars as pl
import pytest
from rich.console import Console

from netdyn.analytics import power_law
from netdyn.analytics.attachment_kernel import preferential_attachment_kernel
from netdyn.analytics.core_periphery import borgatti_everett
from netdyn.analytics.monte_carlo import ordered_map, sequential_p_value
from netdyn.analytics.rich_club import rich_club
from netdyn.cli.common import _progress_bars, _RichListener
from netdyn.core import progress
from netdyn.core.errors import InvalidInputError
from netdyn.core.parallel import map_ordered


def _events(events: list[progress.ProgressEvent]) -> list[tuple]:
    return [(e.action, e.completed, e.total, e.description, e.ok) for e in events]


def _listening(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` with a listener installed; its result and the events."""
    seen: list[progress.ProgressEvent] = []
    with progress.listen(seen.append):
        result = fn(*args, **kwargs)
    return result, seen


def _random_graph(n: int, m: int, seed: int) -> ig.Graph:
    rng = np.random.default_rng(seed)
    edges = set()
    while len(edges) < m:
        u, v = sorted(int(x) for x in rng.choice(n, 2, replace=False))
        edges.add((u, v))
    return ig.Graph(n=n, edges=sorted(edges))


# ------------------------------------------------------------------ sequential ensembles


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_a_sequential_test_that_draws_all_nulls_reports_each_one(n_jobs):
    # no null reaches 100: all 20 are drawn
    test, seen = _listening(
        sequential_p_value,
        100.0,
        ordered_map(float, list(range(20)), n_jobs=n_jobs, label="test nulls"),
        n_max=20,
        h=3,
    )
    assert (test.n_drawn, test.stopped_early) == (20, False)
    assert _events(seen) == [
        ("start", 0.0, 20.0, "test nulls", True),
        *[("advance", float(i), 20.0, "test nulls", True) for i in range(1, 21)],
        ("finish", 20.0, 20.0, "test nulls", True),
    ]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_a_sequential_test_that_stops_early_ends_with_what_it_drew(n_jobs):
    # every null is at least 0: the 3rd extreme comes at the 3rd draw of up to 20
    test, seen = _listening(
        sequential_p_value,
        0.0,
        ordered_map(float, list(range(20)), n_jobs=n_jobs, label="test nulls"),
        n_max=20,
        h=3,
    )
    assert (test.n_drawn, test.stopped_early, test.p_value) == (3, True, 1.0)
    last = "test nulls: stopped early after 3 of 20"
    assert _events(seen) == [
        ("start", 0.0, 20.0, "test nulls", True),
        ("advance", 1.0, 20.0, "test nulls", True),
        ("advance", 2.0, 20.0, "test nulls", True),
        ("advance", 3.0, 20.0, "test nulls", True),
        ("update", 3.0, 3.0, last, True),
        ("finish", 3.0, 3.0, last, True),  # stopping is not a failure
    ]


def test_ordered_map_reports_nothing_unasked_or_for_no_work():
    assert _listening(lambda: list(ordered_map(abs, [-1, 2], label=None)))[1] == []
    assert _listening(lambda: list(ordered_map(abs, [])))[1] == []
    never_started = ordered_map(abs, [-1, 2])
    _, seen = _listening(never_started.close)
    assert seen == []
    with pytest.raises(InvalidInputError, match="label must be a string or None"):
        ordered_map(abs, [1], label=3)  # type: ignore[arg-type]


def test_a_failing_null_ends_the_task_as_failed():
    seen: list[progress.ProgressEvent] = []
    with progress.listen(seen.append), pytest.raises(ZeroDivisionError):
        list(ordered_map(_reciprocal, [1.0, 0.0, 2.0], label="reciprocals"))
    assert _events(seen) == [
        ("start", 0.0, 3.0, "reciprocals", True),
        ("advance", 1.0, 3.0, "reciprocals", True),
        ("finish", 1.0, 3.0, "reciprocals", False),
    ]


BE_LABEL = "core-periphery nulls (discrete)"


def test_borgatti_everett_nulls_are_reported_and_unchanged_by_listening():
    g = _random_graph(40, 80, seed=3)
    quiet = borgatti_everett(g, n_nulls=12, h=2, seed=1, n_jobs=1)
    fit, seen = _listening(borgatti_everett, g, n_nulls=12, h=2, seed=1, n_jobs=1)
    assert (fit.rho, fit.p_value, fit.n_nulls) == (quiet.rho, quiet.p_value, quiet.n_nulls)
    assert fit.actors.equals(quiet.actors)
    k = fit.n_nulls
    assert 0 < k < 12  # a graph of random edges: its nulls soon beat it
    last = f"{BE_LABEL}: stopped early after {k} of 12"
    assert _events(seen) == [
        ("start", 0.0, 12.0, BE_LABEL, True),
        *[("advance", float(i), 12.0, BE_LABEL, True) for i in range(1, k + 1)],
        ("update", float(k), float(k), last, True),
        ("finish", float(k), float(k), last, True),
    ]


def _planted_core() -> ig.Graph:
    """A core of 10 (ties with probability 0.8) over 60 periphery vertices tied only to the
    core (0.25): core-periphery beyond what the degrees imply (z 6 to 8 over seeds 0 to 3)."""
    rng = np.random.default_rng(7)
    core = np.arange(70) < 10
    prob = np.where(
        core[:, None] & core[None, :], 0.8, np.where(core[:, None] | core[None, :], 0.25, 0.0)
    )
    u, v = np.nonzero(np.triu(rng.random((70, 70)) < prob, 1))
    return ig.Graph(n=70, edges=list(zip(u.tolist(), v.tolist(), strict=True)))


def test_a_significant_core_periphery_draws_and_reports_every_null():
    g = _planted_core()
    fit, seen = _listening(borgatti_everett, g, n_nulls=12, h=2, seed=1, n_jobs=1)
    assert fit.n_nulls == 12 and fit.p_value == pytest.approx(1 / 13)
    assert [e.action for e in seen] == ["start"] + ["advance"] * 12 + ["finish"]
    assert seen[-1].completed == seen[-1].total == 12.0 and seen[-1].ok


# ---------------------------------------------------------------------- fixed ensembles


def test_map_ordered_counts_units_and_checks_them():
    out, seen = _listening(map_ordered, abs, [-1, -2, 3], label="chunks", units=[2, 0, 5])
    assert out == [1, 2, 3]
    assert _events(seen) == [
        ("start", 0.0, 7.0, "chunks", True),
        ("advance", 2.0, 7.0, "chunks", True),
        ("advance", 2.0, 7.0, "chunks", True),
        ("advance", 7.0, 7.0, "chunks", True),
        ("finish", 7.0, 7.0, "chunks", True),
    ]
    assert _listening(map_ordered, abs, [-1], label=None)[1] == []
    assert _listening(map_ordered, abs, [])[1] == []
    for bad in ([1], [1, -1], ["x", 1]):
        with pytest.raises(InvalidInputError, match="units must hold one number >= 0 per item"):
            map_ordered(abs, [1, 2], units=bad)


def test_map_ordered_in_worker_processes_reports_in_the_parent():
    out, seen = _listening(map_ordered, abs, [-4, 9, -1], n_jobs=2, start_method=None)
    assert out == [4, 9, 1]
    assert [(e.action, e.completed) for e in seen] == [
        ("start", 0.0),
        ("advance", 1.0),
        ("advance", 2.0),
        ("advance", 3.0),
        ("finish", 3.0),
    ]


def test_a_failing_piece_ends_the_task_as_failed():
    seen: list[progress.ProgressEvent] = []
    with progress.listen(seen.append), pytest.raises(ZeroDivisionError):
        map_ordered(_reciprocal, [1.0, 0.0, 2.0], label="reciprocals")
    assert _events(seen) == [
        ("start", 0.0, 3.0, "reciprocals", True),
        ("advance", 1.0, 3.0, "reciprocals", True),
        ("finish", 1.0, 3.0, "reciprocals", False),
    ]


def _reciprocal(x: float) -> float:
    return 1.0 / x


def test_rich_club_randomisations_are_reported_and_unchanged_by_listening():
    g = ig.Graph.Famous("Zachary")
    quiet = rich_club(g, n_randomisations=6, seed=1, n_jobs=1)
    table, seen = _listening(rich_club, g, n_randomisations=6, seed=1, n_jobs=1)
    assert table.equals(quiet)
    assert [e.action for e in seen][0] == "start" and seen[-1].action == "finish"
    assert seen[-1].ok and seen[-1].completed == seen[-1].total == seen[0].total
    # one advance per chunk of randomisations, by the randomisations it holds
    advances = [e for e in seen if e.action == "advance"]
    assert 1 <= len(advances) < 6 and seen[0].total == 6.0
    assert [e.completed for e in advances] == sorted({e.completed for e in advances})
    assert advances[-1].completed == 6.0
    assert {e.description for e in seen} == {"rich-club randomisations"}


# ----------------------------------------------------------------------------- bootstraps


def test_power_law_bootstrap_reports_resamples_and_keeps_its_answer():
    x = power_law.sample_discrete_power_law(400, 2.5, 1, seed=3)
    fit = power_law.fit_power_law(x, discrete=True)
    quiet = power_law.bootstrap_gof(x, fit, n_resamples=30, seed=7, n_jobs=1)
    gof, seen = _listening(
        power_law.bootstrap_gof, x, fit, n_resamples=30, seed=7, n_jobs=1, quantity="cascade_size"
    )
    assert gof.p_value == quiet.p_value
    np.testing.assert_array_equal(gof.ks_distances, quiet.ks_distances)
    np.testing.assert_array_equal(gof.alphas, quiet.alphas)
    # 20 chunks of 1 or 2 resamples (np.linspace bounds), counted in resamples
    bounds = np.linspace(0, 30, 21).astype(int)
    done = np.cumsum(np.diff(bounds)).astype(float).tolist()
    name = "bootstrap of cascade_size"
    assert _events(seen) == [
        ("start", 0.0, 30.0, name, True),
        *[("advance", d, 30.0, name, True) for d in done],
        ("finish", 30.0, 30.0, name, True),
    ]
    # the chunking for progress changes nothing: one chunk of all 30 resamples gives the same
    body = np.sort(x[x < fit.xmin]).astype(float)
    law = (fit.n, fit.n_tail, fit.alpha, fit.xmin, fit.discrete)
    whole = power_law._gof_chunk((body, law, np.random.SeedSequence(7).spawn(30)))
    np.testing.assert_array_equal(whole[:, 0], gof.ks_distances)
    with pytest.raises(InvalidInputError, match="quantity must be a string"):
        power_law.bootstrap_gof(x, fit, n_resamples=2, quantity=5)  # type: ignore[arg-type]


def test_a_degenerate_fit_draws_and_reports_nothing():
    gof, seen = _listening(
        power_law.bootstrap_gof, [1, 1, 1, 1], discrete=True, n_resamples=5, quantity="x"
    )
    assert gof.status == "degenerate_fit" and seen == []


def test_attachment_kernel_bootstrap_reports_resamples_and_keeps_its_answer():
    rng = np.random.default_rng(2)
    n = 600
    edges = pl.DataFrame(
        {
            "source_actor_id": rng.integers(0, 80, n).astype(str),
            "target_actor_id": rng.zipf(2.0, n).clip(max=80).astype(str),
            "occurred_at": np.sort(rng.random(n)) * 1000.0,
        }
    )
    quiet = preferential_attachment_kernel(edges, n_bootstrap=250, seed=4)
    kernel, seen = _listening(preferential_attachment_kernel, edges, n_bootstrap=250, seed=4)
    assert (kernel.beta, kernel.beta_se, kernel.beta_ci) == (
        quiet.beta,
        quiet.beta_se,
        quiet.beta_ci,
    )
    assert np.isfinite(kernel.beta_se)
    name = "bootstrap of the attachment kernel (in-degree)"
    # every 250 // 100 = 2 resamples
    assert _events(seen) == [
        ("start", 0.0, 250.0, name, True),
        *[("advance", float(2 * i), 250.0, name, True) for i in range(1, 126)],
        ("finish", 250.0, 250.0, name, True),
    ]


def test_powerlaw_fits_name_the_quantity_of_each_bootstrap():
    from netdyn.results.heavy_tails import write_powerlaw_fits
    from netdyn.store.db import connect
    from netdyn.store.runs import start_run

    con = connect(":memory:")
    try:
        run_id = start_run(con, flow="analyze", parameters={}, sources=[])
        sizes = power_law.sample_discrete_power_law(300, 2.5, 1, seed=5)
        frame = pl.DataFrame(
            {"run_id": run_id, "cascade_id": [f"c{i}" for i in range(sizes.size)], "size": sizes}
        )
        con.register("planted", frame.to_arrow())
        con.execute(
            "insert into cascades (run_id, cascade_id, source, size, depth, max_breadth, "
            "n_actors, n_orphans) select run_id, cascade_id, 's', size, 0, 1, 1, 0 from planted"
        )
        rows, seen = _listening(write_powerlaw_fits, con, run_id, n_resamples=4, seed=1, n_jobs=1)
    finally:
        con.close()
    fitted = rows.filter(pl.col("n_resamples").is_not_null())["quantity"].to_list()
    assert fitted == ["cascade_size"]  # the other quantities have no values here
    assert {e.description for e in seen} == {"bootstrap of cascade_size"}
    assert seen[-1].action == "finish" and seen[-1].completed == 4.0


# ----------------------------------------------------------------------- the command line


def test_the_bars_show_elapsed_rate_and_time_left():
    buffer = io.StringIO()
    bars = _progress_bars(Console(file=buffer, width=80))
    now = [0.0]
    bars.get_time = lambda: now[0]  # a clock the test moves
    with progress.listen(_RichListener(bars)), progress.task("nulls (discrete)", total=100) as bar:
        now[0] = 10.0
        bar.advance(5)
        now[0] = 20.0
        bar.advance(5)  # 5 more in 10 s: 2 s each, and the 90 left take 180 s
        shown = Console(file=io.StringIO(), width=80)
        shown.print(bars.make_tasks_table(bars.tasks))
        line = shown.file.getvalue()
    assert "nulls (discrete)" in line and "10/100" in line
    assert "0:20 2.0 s each, 3:00 left" in line
    assert len(line.rstrip("\n")) <= 80


def test_the_bars_keep_a_line_for_a_test_that_stopped_early():
    buffer = io.StringIO()
    bars = _progress_bars(Console(file=buffer, width=100))
    with progress.listen(_RichListener(bars)):
        sequential_p_value(
            0.0, ordered_map(float, list(range(20)), label="cp nulls"), n_max=20, h=3
        )
        sequential_p_value(99.0, ordered_map(float, list(range(20)), label="role nulls"), n_max=20)
    assert bars.tasks == []
    lines = buffer.getvalue().splitlines()
    assert lines == ["  cp nulls: stopped early after 3 of 20"]  # the full test leaves none
