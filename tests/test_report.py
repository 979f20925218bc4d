"""The HTML report: self-contained, and data text is escaped, never markup."""

from __future__ import annotations

from datetime import UTC, datetime

from ingest.canonical import Chunk
from ingest.load import ingest_chunk
from netdyn.db import connect
from netdyn.report import verdict, write_report
from netdyn.results import write_actor_metrics, write_cascades, write_powerlaw_fits
from netdyn.runs import finish_run, start_run

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_report_escapes_untrusted_text_and_embeds_plots(tmp_path):
    con = connect(tmp_path / "r.duckdb")
    chunk = Chunk("mem://evil", "h")
    t0 = datetime(2026, 2, 1, tzinfo=UTC)
    chunk.rows.add(
        source_event_id="p",
        kind="post",
        occurred_at=t0,
        actor_id=EVIL,
        object_id=EVIL,
        root_object_id=EVIL,
        community=EVIL,
        text=EVIL,
    )
    for i in range(30):
        chunk.rows.add(
            source_event_id=f"c{i}",
            kind="comment",
            occurred_at=t0,
            actor_id=f"u{i % 7}",
            target_actor_id=EVIL,
            object_id=f"c{i}",
            parent_object_id=EVIL,
            root_object_id=EVIL,
            community=EVIL,
        )
    ingest_chunk(con, chunk, source="evil<b>", reader="test")
    run_id = start_run(con, flow="analyze", parameters={"note": EVIL}, sources=["evil<b>"])
    write_cascades(con, run_id, ["evil<b>"])
    write_actor_metrics(con, run_id, ["evil<b>"])
    write_powerlaw_fits(con, run_id)
    finish_run(con, run_id, status="completed")
    html = write_report(con, run_id, tmp_path / "reports").read_text()
    assert "<script>" not in html and "onerror=alert(1)>" not in html
    assert "&lt;script&gt;" in html
    assert "evil&lt;b&gt;" in html
    # self-contained: no external resources
    assert "http://" not in html.replace("http://www.w3.org", "")
    assert 'src="data:image/png;base64,' in html or "not fitted" in html


def test_verdict_words():
    ok = {"status": "ok", "n": 100, "n_tail": 40, "xmin": 3.0, "alpha": 2.5, "sigma": 0.24}
    assert verdict(ok).startswith("tail above x_min = 3 (40% of values) fitted with α = 2.50")
    assert "not fitted (too_few)" in verdict({"status": "too_few"})
