"""Seeded generator of synthetic event files for the ingest benchmarks.

Two kinds, both streamed to disk block by block (memory does not grow with ``--n``):

``edgelist``
    ``src dst unix_seconds`` lines (one space), the format of SNAP's temporal networks and of
    :mod:`netdyn.ingest.readers.edgelist`. Lines are sorted by time (a Poisson stream of messages,
    mean gap :data:`EDGE_MEAN_GAP_SECONDS`, starting 2020-01-01 UTC). Senders and recipients
    are drawn from heavy-tailed activity and popularity weights (Pareto, tail indices
    :data:`SENDER_ALPHA` and :data:`RECIPIENT_ALPHA`) over ``round(n ** 0.8)`` nodes with
    integer ids, no self-loops. A share :data:`REPEAT_SHARE` (0.1 %) of lines repeats the line
    before it exactly (two messages in the same second, as CollegeMsg has).
``moltbook``
    NDJSON: one MoltBook ``GET /posts/{id}`` response per line, in schema variant B of
    ``../shared/data/moltbook-api-sample/SOURCE.md`` §3: ``post`` (``id``, ``title``,
    ``content``, ``url``, votes, ``comment_count``, ``created_at``, ``submolt``, a full
    ``author`` object), ``comments`` (each with ``author_id``, an ``author`` snapshot,
    ``parent_id`` and nested ``replies``), ``context``, ``_downloaded_at``, ``_endpoint``.
    Posts are in time order (2026-01-28 onwards). Comments per post are negative binomial
    (mean :data:`COMMENTS_MEAN`, dispersion :data:`COMMENTS_DISPERSION`, so about a third of
    the posts have none) plus a Pareto tail of rare large threads (:data:`GIANT_SHARE` of the
    posts, up to :data:`MAX_COMMENTS` comments); each comment after the first answers an
    earlier comment of its post with probability :data:`REPLY_PROBABILITY` (nested under it in
    ``replies``), otherwise the post. Authors come from ``round(n ** 0.85)`` agents with
    Pareto activity; :data:`NULL_AUTHOR_SHARE` of the posts have ``"author": null`` and no
    comments, as in the sample. Timestamps use ``+00:00`` with trailing zeros of the
    microseconds trimmed. Text is ASCII words (no escapes).

Output is a function of ``(kind, n, seed)`` only. A path ending in ``.gz`` is gzip-compressed.

Run from the repository root::

    .venv/bin/python benchmarks/generate.py --kind edgelist --n 10000000 --seed 1 --out edges.txt
    .venv/bin/python benchmarks/generate.py --kind moltbook --n 1000000 --seed 1 --out posts.ndjson
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import numpy as np
import polars as pl

__all__ = ["write_edgelist", "write_moltbook", "KINDS"]

KINDS = ("edgelist", "moltbook")

EDGE_START_SECONDS = 1_577_836_800  # 2020-01-01T00:00:00Z
EDGE_MEAN_GAP_SECONDS = 3.0
EDGE_MAX_SPAN_SECONDS = 5 * 365 * 86_400  # stay in the past whatever n is
SENDER_ALPHA = 1.5
RECIPIENT_ALPHA = 1.8
REPEAT_SHARE = 0.001
EDGE_BLOCK = 1_000_000

POST_START_MICROS = 1_769_558_400_000_000  # 2026-01-28T00:00:00Z
POST_MAX_SPAN_MICROS = 240 * 86_400 * 1_000_000
POST_MEAN_GAP_SECONDS = 1.2
COMMENTS_MEAN = 3.0
COMMENTS_DISPERSION = 0.4  # negative binomial r: P(no comment) is about 0.36
GIANT_SHARE = 0.001
GIANT_ALPHA = 1.5
GIANT_XMIN = 50
MAX_COMMENTS = 1_000
REPLY_PROBABILITY = 0.06
COMMENT_MEAN_GAP_SECONDS = 900.0
DOWNLOAD_DELAY_SECONDS = 6 * 3600.0
NULL_AUTHOR_SHARE = 0.003
AGENT_ALPHA = 1.3
POST_BLOCK = 20_000
SUBMOLTS = 400
TIP = "Use the comments endpoint with ?sort=top to read the best replies first."

_VOCABULARY = (
    "agent memory context model token prompt reply thread karma submolt post human tool "
    "network loop signal pattern value update build ship test learn question answer idea "
    "data graph node edge time heartbeat soul weights protocol claw molt shell reef tide "
    "the a of and to in is it that for on with as this we you are be not but or"
)


def _pareto_cdf(rng: np.random.Generator, n: int, alpha: float) -> np.ndarray:
    """Cumulative selection probabilities of ``n`` items with Pareto(alpha) weights."""
    weights = rng.pareto(alpha, n) + 1.0
    cdf = np.cumsum(weights)
    return cdf / cdf[-1]


def _pick(rng: np.random.Generator, cdf: np.ndarray, size: int) -> np.ndarray:
    """Indices drawn with the probabilities ``cdf`` encodes."""
    return np.minimum(np.searchsorted(cdf, rng.random(size), side="right"), len(cdf) - 1)


@contextmanager
def _open_out(path: Path) -> Iterator[BinaryIO]:
    """Write to ``path`` via a ``.partial`` file renamed at the end (no half files left)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    raw = partial.open("wb")
    handle: BinaryIO = raw
    if path.suffix == ".gz":
        handle = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0)
    try:
        yield handle
    except BaseException:
        handle.close()
        raw.close()
        partial.unlink(missing_ok=True)
        raise
    handle.close()
    raw.close()
    os.replace(partial, path)


def write_edgelist(path: str | Path, n: int, seed: int, *, n_nodes: int | None = None) -> int:
    """Write ``n`` lines ``src dst unix_seconds`` sorted by time; return the line count.

    Parameters
    ----------
    path : str or Path
        Output file (``.gz``: gzip-compressed).
    n : int
        Lines to write (>= 0).
    seed : int
        Seed of the PCG64 generator; the file is a function of ``(n, seed, n_nodes)``.
    n_nodes : int, optional
        Number of distinct node ids (default ``max(2, round(n ** 0.8))``).
    """
    if n < 0:
        raise ValueError(f"n must be >= 0; got {n}")
    nodes = n_nodes or max(2, round(n**0.8))
    if nodes < 2:
        raise ValueError(f"n_nodes must be >= 2 (no self-loops); got {nodes}")
    rng = np.random.default_rng([seed, 0xED6E])
    senders = _pareto_cdf(rng, nodes, SENDER_ALPHA)
    recipients = _pareto_cdf(rng, nodes, RECIPIENT_ALPHA)
    labels = rng.permutation(nodes) + 1  # hubs get arbitrary ids, not the smallest ones
    gap = min(EDGE_MEAN_GAP_SECONDS, EDGE_MAX_SPAN_SECONDS / max(n, 1))
    clock = float(EDGE_START_SECONDS)
    previous: tuple[int, int, int] | None = None
    with _open_out(Path(path)) as out:
        for start in range(0, n, EDGE_BLOCK):
            m = min(EDGE_BLOCK, n - start)
            src = _pick(rng, senders, m)
            dst = _pick(rng, recipients, m)
            loops = src == dst
            dst[loops] = (dst[loops] + 1 + _pick(rng, recipients, int(loops.sum()))) % nodes
            dst[src == dst] = (src[src == dst] + 1) % nodes  # the rare draw that hit src again
            times = clock + np.cumsum(rng.exponential(gap, m))
            clock = float(times[-1])
            ts = np.floor(times).astype(np.int64)
            src, dst = labels[src], labels[dst]
            # an exact repeat copies the line before it (across blocks too)
            repeat = rng.random(m) < REPEAT_SHARE
            if previous is not None:
                src = np.concatenate(([previous[0]], src))
                dst = np.concatenate(([previous[1]], dst))
                ts = np.concatenate(([previous[2]], ts))
                repeat = np.concatenate(([False], repeat))
            else:
                repeat[0] = False
            base = np.where(repeat, 0, np.arange(len(repeat)))
            base = np.maximum.accumulate(base)
            src, dst, ts = src[base], dst[base], ts[base]
            if previous is not None:
                src, dst, ts = src[1:], dst[1:], ts[1:]
            previous = (int(src[-1]), int(dst[-1]), int(ts[-1]))
            pl.DataFrame({"src": src, "dst": dst, "ts": ts}).write_csv(
                out, include_header=False, separator=" "
            )
    return n


def _uuids(rng: np.random.Generator, m: int) -> list[str]:
    """``m`` random version-4 UUID strings."""
    raw = rng.integers(0, 256, size=(m, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    text = raw.tobytes().hex()
    return [
        f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
        for h in (text[32 * i : 32 * i + 32] for i in range(m))
    ]


def _iso(micros: np.ndarray, *, trim: bool) -> list[str]:
    """``+00:00`` ISO-8601 strings of Unix microseconds; ``trim`` drops trailing zeros."""
    text = np.datetime_as_string(micros.astype("datetime64[us]"), unit="us")
    if not trim:
        return [f"{t}+00:00" for t in text]
    out = []
    for t in text.tolist():
        t = t.rstrip("0")
        out.append((t[:-1] if t.endswith(".") else t) + "+00:00")
    return out


class _Text:
    """Random ASCII word text, cut from one seeded buffer."""

    def __init__(self, rng: np.random.Generator, size: int = 1 << 22) -> None:
        words = np.array(_VOCABULARY.split())
        words = words[rng.integers(0, len(words), size // 4)]
        self.buffer = " ".join(words.tolist())
        self.rng = rng

    def many(self, lengths: np.ndarray) -> list[str]:
        limit = len(self.buffer) - int(lengths.max(initial=0)) - 1
        starts = self.rng.integers(0, limit, len(lengths))
        b = self.buffer
        return [
            b[s : s + k].strip() or "ok"
            for s, k in zip(starts.tolist(), lengths.tolist(), strict=True)
        ]


def _lengths(rng: np.random.Generator, m: int, median: float, cap: int) -> np.ndarray:
    return np.clip(rng.lognormal(np.log(median), 0.9, m), 8, cap).astype(np.int64)


def _comment_counts(rng: np.random.Generator, m: int) -> np.ndarray:
    p = COMMENTS_DISPERSION / (COMMENTS_DISPERSION + COMMENTS_MEAN)
    counts = rng.negative_binomial(COMMENTS_DISPERSION, p, m)
    giant = rng.random(m) < GIANT_SHARE
    tail = GIANT_XMIN * (rng.pareto(GIANT_ALPHA, int(giant.sum())) + 1.0)
    counts[giant] = tail.astype(np.int64)
    return np.minimum(counts, MAX_COMMENTS)


def write_moltbook(path: str | Path, n: int, seed: int, *, n_agents: int | None = None) -> int:
    """Write ``n`` MoltBook ``/posts/{id}`` responses (variant B) as NDJSON; return the
    number of comments written (top-level and nested).

    Parameters
    ----------
    path : str or Path
        Output file, conventionally ``*.ndjson`` (``.gz``: gzip-compressed).
    n : int
        Posts (lines) to write (>= 0).
    seed : int
        Seed of the PCG64 generator; the file is a function of ``(n, seed, n_agents)``.
    n_agents : int, optional
        Distinct authors (default ``max(10, round(n ** 0.85))``).
    """
    if n < 0:
        raise ValueError(f"n must be >= 0; got {n}")
    agents = n_agents or max(10, round(n**0.85))
    rng = np.random.default_rng([seed, 0x3017])
    activity = _pareto_cdf(rng, agents, AGENT_ALPHA)
    agent_ids = _uuids(rng, agents)
    karma = np.floor(rng.pareto(1.2, agents) * 5).astype(np.int64) - 2
    followers = np.floor(rng.pareto(1.3, agents) * 2).astype(np.int64)
    following = rng.integers(0, 40, agents)
    submolt_ids = _uuids(rng, SUBMOLTS)
    submolt_cdf = _pareto_cdf(rng, SUBMOLTS, 0.9)
    submolts = [
        f'{{"id": "{submolt_ids[i]}", "name": "{name}", "display_name": "{name.title()}"}}'
        for i, name in enumerate(
            ["general", "introductions"] + [f"m{k}" for k in range(2, SUBMOLTS)]
        )
    ]
    text = _Text(rng)
    gap_micros = min(POST_MEAN_GAP_SECONDS * 1e6, POST_MAX_SPAN_MICROS / max(n, 1))
    clock = float(POST_START_MICROS)
    n_comments_total = 0

    def post_author(a: int) -> str:
        name = f"agent_{a}"
        return (
            f'{{"id": "{agent_ids[a]}", "name": "{name}", "description": "An agent.", '
            f'"karma": {karma[a]}, "follower_count": {followers[a]}, '
            f'"following_count": {following[a]}, "owner": {{"x_handle": "h{a}", '
            f'"x_name": "Owner {a}", "x_bio": "", "x_follower_count": {followers[a] * 3}, '
            f'"x_verified": false}}, "you_follow": false}}'
        )

    with _open_out(Path(path)) as out:
        for start in range(0, n, POST_BLOCK):
            m = min(POST_BLOCK, n - start)
            post_ids = _uuids(rng, m)
            post_micros = clock + np.cumsum(rng.exponential(gap_micros, m))
            clock = float(post_micros[-1])
            post_micros = post_micros.astype(np.int64)
            authors = _pick(rng, activity, m)
            null_author = rng.random(m) < NULL_AUTHOR_SHARE
            counts = _comment_counts(rng, m)
            counts[null_author] = 0
            total = int(counts.sum())
            n_comments_total += total
            owner = np.repeat(np.arange(m), counts)  # the post of each comment
            first = np.concatenate(([0], np.cumsum(counts)[:-1]))
            index_in_post = np.arange(total) - first[owner] if total else owner
            gaps = rng.exponential(COMMENT_MEAN_GAP_SECONDS * 1e6, total)
            elapsed = np.cumsum(gaps)
            elapsed -= np.concatenate(([0.0], elapsed))[first[owner]] if total else 0.0
            comment_micros = post_micros[owner] + elapsed.astype(np.int64)
            is_reply = (rng.random(total) < REPLY_PROBABILITY) & (index_in_post > 0)
            parent_pick = np.floor(rng.random(total) * np.maximum(index_in_post, 1)).astype(
                np.int64
            )
            comment_ids = _uuids(rng, total)
            comment_authors = _pick(rng, activity, total)
            comment_text = text.many(_lengths(rng, total, 160, 3000))
            comment_votes = np.where(rng.random(total) < 0.05, rng.integers(1, 150, total), 0)
            comment_times = _iso(comment_micros, trim=True)
            titles = text.many(_lengths(rng, m, 40, 200))
            contents = text.many(_lengths(rng, m, 400, 8000))
            post_times = _iso(post_micros, trim=True)
            last_comment = np.zeros(m, np.int64)
            if total:
                np.maximum.at(last_comment, owner, elapsed.astype(np.int64))
            delay = rng.exponential(DOWNLOAD_DELAY_SECONDS * 1e6, m).astype(np.int64)
            downloaded = _iso(post_micros + last_comment + delay, trim=False)
            post_votes = rng.integers(0, 30, m)
            communities = _pick(rng, submolt_cdf, m)
            lines: list[str] = []
            for i in range(m):
                k = int(counts[i])
                base = int(first[i]) if k else 0
                rendered: list[str] = [""] * k
                children: list[list[int]] = [[] for _ in range(k)]
                top: list[int] = []
                parent_of = [-1] * k
                for j in range(k):
                    if is_reply[base + j]:
                        p = int(parent_pick[base + j])
                        parent_of[j] = p
                        children[p].append(j)
                    else:
                        top.append(j)
                for j in range(k - 1, -1, -1):  # children have larger indices: render them first
                    c = base + j
                    a = int(comment_authors[c])
                    parent = (
                        f'"{comment_ids[base + parent_of[j]]}"' if parent_of[j] >= 0 else "null"
                    )
                    replies = ", ".join(rendered[r] for r in children[j])
                    rendered[j] = (
                        f'{{"id": "{comment_ids[c]}", "content": "{comment_text[c]}", '
                        f'"parent_id": {parent}, "upvotes": {comment_votes[c]}, "downvotes": 0, '
                        f'"created_at": "{comment_times[c]}", "author_id": "{agent_ids[a]}", '
                        f'"author": {{"id": "{agent_ids[a]}", "name": "agent_{a}", '
                        f'"karma": {karma[a]}, "follower_count": {followers[a]}}}, '
                        f'"replies": [{replies}]}}'
                    )
                comments = ", ".join(rendered[j] for j in top)
                author = "null" if null_author[i] else post_author(int(authors[i]))
                pid = post_ids[i]
                lines.append(
                    f'{{"success": true, "post": {{"id": "{pid}", "title": "{titles[i]}", '
                    f'"content": "{contents[i]}", "url": null, "upvotes": {post_votes[i]}, '
                    f'"downvotes": 0, "comment_count": {k}, "created_at": "{post_times[i]}", '
                    f'"submolt": {submolts[communities[i]]}, "author": {author}}}, '
                    f'"comments": [{comments}], "context": {{"tip": "{TIP}"}}, '
                    f'"_downloaded_at": "{downloaded[i]}", "_endpoint": "/posts/{pid}"}}\n'
                )
            out.write("".join(lines).encode("ascii"))
    return n_comments_total


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=KINDS, required=True)
    parser.add_argument("--n", type=int, required=True, help="edge-list lines or posts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="output file (.gz: gzip)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.kind == "edgelist":
        write_edgelist(args.out, args.n, args.seed)
        what = f"{args.n:,} lines"
    else:
        n_comments = write_moltbook(args.out, args.n, args.seed)
        what = f"{args.n:,} posts, {n_comments:,} comments"
    seconds = time.perf_counter() - started
    size = args.out.stat().st_size / 1e6
    print(f"{args.out}: {what}, {size:,.1f} MB in {seconds:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
