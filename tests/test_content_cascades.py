"""Content cascades: hand-made texts with known answers, a plain-Python second implementation,
and untrusted / degenerate text."""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

import netdyn.analytics.content_cascades as cc
from netdyn.analytics.content_cascades import (
    DEFAULT_STOPWORDS,
    ContentParams,
    content_cascades,
    extract_features,
)
from netdyn.core.errors import InvalidInputError

SCHEMA = {
    "event_seq": pl.Int64,
    "source": pl.String,
    "kind": pl.String,
    "occurred_at": pl.Datetime("us", "UTC"),
    "seconds_since_root": pl.Float64,
    "actor_id": pl.String,
    "community": pl.String,
    "text": pl.String,
}
BASE = datetime(2026, 1, 1, tzinfo=UTC)


def events(rows: list[tuple]) -> pl.DataFrame:
    """rows: (event_seq, actor_id, seconds_since_root, community, text)."""
    return pl.DataFrame(
        {
            "event_seq": [r[0] for r in rows],
            "source": ["test"] * len(rows),
            "kind": ["post"] * len(rows),
            "occurred_at": [None] * len(rows),
            "seconds_since_root": [r[2] for r in rows],
            "actor_id": [r[1] for r in rows],
            "community": [r[3] for r in rows],
            "text": [r[4] for r in rows],
        },
        schema=SCHEMA,
    )


def features_of(text: str, **params) -> list[tuple[str, str]]:
    out = extract_features(events([(1, "a", 0.0, None, text)]), ContentParams(**params))
    return list(zip(out["feature_kind"], out["feature"], strict=True))


def short_id(kind: str, feature: str) -> str:
    return hashlib.sha256(f"{kind}:{feature}".encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- hand-made texts


def test_ngram_cascade_adopters_in_time_order_repeats_count_once():
    ev = events(
        [
            (10, "a", 5.0, "c1", "Dark forest theory."),
            (11, "b", 7.0, "c2", "the DARK forest theory, again"),
            (12, "a", 9.0, "c1", "dark forest theory dark forest theory"),
            (13, "c", 9.0, None, "Dark   forest\ntheory!"),
            (14, None, 1.0, "c9", "dark forest theory"),  # no actor: ignored
            (15, "d", None, "c3", "dark forest theory"),  # no time: last
            (8, "e", 9.0, "c2", "dark forest theory"),  # tie at t=9: lower event_seq first
        ]
    )
    out = content_cascades(ev, kinds=("ngram",))
    assert out.n_events == 6
    assert out.cascades.height == 1
    row = out.cascades.row(0, named=True)
    assert row == {
        "cascade_id": short_id("ngram", "dark forest theory"),
        "feature_kind": "ngram",
        "feature": "dark forest theory",
        "preview": "dark forest theory",
        "n_adopters": 5,
        "n_uses": 6,
        "n_communities": 3,
        "first_at": None,
        "last_at": None,
        # the last adopter has no time, so the span is unknown; rank ceil(5/2)=3 is at t=9
        "lifetime_seconds": None,
        "time_to_50pct_seconds": 4.0,
        "time_to_90pct_seconds": None,
    }
    a = out.adoptions
    assert a["actor_id"].to_list() == ["a", "b", "e", "c", "d"]
    assert a["event_seq"].to_list() == [10, 11, 8, 13, 15]
    assert a["adoption_rank"].to_list() == [1, 2, 3, 4, 5]
    assert a["adopted_seconds"].to_list() == [5.0, 7.0, 9.0, 9.0, None]
    assert a["adopted_at"].null_count() == 5
    assert set(a["cascade_id"]) == {row["cascade_id"]}
    # min_adopters filters; an empty result keeps its schema
    none = content_cascades(ev, kinds=("ngram",), min_adopters=6)
    assert none.cascades.height == 0 and none.adoptions.height == 0
    assert none.cascades.schema == out.cascades.schema
    assert none.adoptions.schema == out.adoptions.schema


def test_times_from_occurred_at_and_spread_quantiles():
    offsets = [0, 1, 3, 6, 10, 15, 21, 28, 36, 45]
    rows = [(100 + i, f"a{i}", BASE + timedelta(seconds=s)) for i, s in enumerate(offsets)]
    rows.append((200, "a0", BASE + timedelta(seconds=50)))  # a repeat: a use, not an adoption
    order = np.random.default_rng(3).permutation(len(rows))
    ev = pl.DataFrame(
        {
            "event_seq": [rows[i][0] for i in order],
            "actor_id": [rows[i][1] for i in order],
            "occurred_at": [rows[i][2] for i in order],
            # ignored when occurred_at is present
            "seconds_since_root": [-1.0] * len(rows),
            "community": ["m/general"] * len(rows),
            "text": ["Hello #Molt"] * len(rows),
        },
        schema_overrides={"occurred_at": pl.Datetime("us", "UTC")},
    )
    out = content_cascades(ev, kinds=("hashtag",))
    row = out.cascades.row(0, named=True)
    assert (row["feature"], row["n_adopters"], row["n_uses"], row["n_communities"]) == (
        "#molt",
        10,
        11,
        1,
    )
    assert row["first_at"] == BASE and row["last_at"] == BASE + timedelta(seconds=45)
    assert row["lifetime_seconds"] == 45.0
    assert row["time_to_50pct_seconds"] == 10.0  # rank ceil(10 / 2) = 5
    assert row["time_to_90pct_seconds"] == 36.0  # rank ceil(0.9 * 10) = 9
    assert out.adoptions["actor_id"].to_list() == [f"a{i}" for i in range(10)]
    assert out.adoptions["adopted_at"].to_list() == [BASE + timedelta(seconds=s) for s in offsets]
    assert out.adoptions["adopted_seconds"][1] == pytest.approx(BASE.timestamp() + 1)


def test_two_adopters_reach_50pct_at_once():
    ev = events([(1, "a", 2.0, None, "#x"), (2, "b", 12.0, None, "#x")])
    row = content_cascades(ev, kinds=("hashtag",)).cascades.row(0, named=True)
    assert (row["lifetime_seconds"], row["time_to_50pct_seconds"]) == (10.0, 0.0)
    assert row["time_to_90pct_seconds"] == 10.0


def test_url_normalisation():
    texts = [
        "read https://Example.COM/Paper.",
        "(HTTPS://EXAMPLE.com/Paper)",
        "<https://example.com/paper>",
        "**https://example.com/Paper**",
        "see https:// nothing and https://...",
        "[link](https://example.com/Paper?x=1#Frag)",
        "`https://example.com/Paper`, http://Host:8080/A;b",
    ]
    ev = events([(i, f"u{i}", float(i), None, t) for i, t in enumerate(texts)])
    got = extract_features(ev, ContentParams(kinds=("url",)))
    assert list(zip(got["event_seq"], got["feature"], strict=True)) == [
        (0, "https://example.com/Paper"),
        (1, "https://example.com/Paper"),
        (2, "https://example.com/paper"),
        (3, "https://example.com/Paper"),
        (5, "https://example.com/Paper?x=1#Frag"),
        (6, "https://example.com/Paper"),
        (6, "http://host:8080/A;b"),
    ]
    assert got["preview"].null_count() == got.height
    out = content_cascades(ev, kinds=("url",))
    assert out.cascades["feature"].to_list() == ["https://example.com/Paper"]
    assert out.cascades["n_adopters"].to_list() == [4]


def test_hashtags_need_a_letter_and_a_boundary_and_are_not_in_urls_or_code():
    text = (
        "#AI and #ai, #1 not, &#39; not, x#ai not, https://x.org/#frag not,\n"
        "```\n#include <x>\n``` (#Molt_Book) #Ünïcode ##double"
    )
    assert features_of(text, kinds=("hashtag",)) == [
        ("hashtag", "#ai"),
        ("hashtag", "#molt_book"),
        ("hashtag", "#ünïcode"),
    ]


def test_code_blocks_are_normalised_hashed_and_previewed():
    code = "print('hi') x = 1"
    texts = [
        "Try:\n```python\nprint('hi')\n    x = 1\n```\nok",
        "```\nprint('hi')\n x = 1\n```",
        "~~~py\nprint('hi')\n\tx   =  1\n~~~",
        "inline ```print('hi') x = 1``` here",
        "```unclosed print('hi') x = 1",
        "`````` and ```   ```",
    ]
    ev = events([(i, f"u{i}", float(i), "c", t) for i, t in enumerate(texts)])
    feats = extract_features(ev, ContentParams(kinds=("code",)))
    digest = "sha256:" + hashlib.sha256(code.encode()).hexdigest()
    assert feats["feature"].to_list() == [digest] * 4
    assert feats["event_seq"].to_list() == [0, 1, 2, 3]
    assert feats["preview"].to_list() == [code] * 4
    out = content_cascades(ev, kinds=("code",))
    row = out.cascades.row(0, named=True)
    assert (row["feature"], row["preview"], row["n_adopters"]) == (digest, code, 4)
    assert row["cascade_id"] == short_id("code", digest)


def test_stopword_rules_and_token_length():
    text = "Out of the blue sky"
    assert features_of(text, n=2, kinds=("ngram",)) == [
        ("ngram", "the blue"),
        ("ngram", "blue sky"),
    ]
    assert features_of(text, n=2, kinds=("ngram",), stopword_rule="any") == [("ngram", "blue sky")]
    assert features_of("the bluest skyline", n=2, kinds=("ngram",), min_token_length=4) == [
        ("ngram", "bluest skyline")
    ]
    unigrams = features_of(text, n=1, kinds=("ngram",), stopwords={"Blue"})
    assert [f for _, f in unigrams] == ["out", "of", "the", "sky"]
    # contractions stay one token (straight or curly apostrophe) and are stopwords
    assert features_of("Don’t panic, it's fine", n=1, kinds=("ngram",)) == [
        ("ngram", "panic"),
        ("ngram", "fine"),
    ]


def test_all_kinds_together_in_kind_order_each_once_per_event():
    text = "#Tag one two #tag https://a.io/x ```\nrun()\n``` one two #tag"
    # n-grams and hashtags come from the prose, where the URL and the code block are removed
    assert features_of(text, n=2, stopwords=()) == [
        ("ngram", "tag one"),
        ("ngram", "one two"),
        ("ngram", "two tag"),
        ("url", "https://a.io/x"),
        ("hashtag", "#tag"),
        ("code", "sha256:" + hashlib.sha256(b"run()").hexdigest()),
    ]


def test_cascades_sorted_by_size_then_id_and_adoptions_follow():
    rows = []
    seq = 0
    for tag, n in [("#b", 3), ("#a", 3), ("#c", 2), ("#d", 4), ("#e", 1)]:
        for i in range(n):
            seq += 1
            rows.append((seq, f"x{i}", float(seq), None, tag))
    out = content_cascades(events(rows), kinds=("hashtag",))
    c = out.cascades
    expected = sorted(
        [(4, short_id("hashtag", "#d")), (3, short_id("hashtag", "#a"))]
        + [(3, short_id("hashtag", "#b")), (2, short_id("hashtag", "#c"))],
        key=lambda x: (-x[0], x[1]),
    )
    assert list(zip(c["n_adopters"], c["cascade_id"], strict=True)) == expected
    a = out.adoptions
    assert a["cascade_id"].unique(maintain_order=True).to_list() == c["cascade_id"].to_list()
    assert a.height == 12
    for _cid, group in a.group_by("cascade_id", maintain_order=True):
        assert group["adoption_rank"].to_list() == list(range(1, group.height + 1))


# ------------------------------------------------------------ a second, plain-Python version

CODE_RE = re.compile(r"```.*?```|~~~.*?~~~", re.S)
URL_RE = re.compile(r"https?://[^\s<>\"'`()\[\]{}|\\^]+", re.I)
HASHTAG_RE = re.compile(r"(?<![\w&#/])#(\w+)")
TOKEN_RE = re.compile(r"[^\W_]+(?:['_][^\W_]+)*")


def reference_features(text: str | None, p: ContentParams) -> list[tuple[str, str]]:
    """The documented rules, written with ``re`` and loops, one text at a time."""
    if not text:
        return []
    text = text[: p.max_text_chars]
    found: dict[str, list[str]] = {kind: [] for kind in cc.FEATURE_KINDS}
    for block in CODE_RE.findall(text):
        body = re.sub(r"^[\w+#.\-]*[ \t]*\n", "", block[3:-3], count=1)
        body = re.sub(r"\s+", " ", body).strip()
        if body:
            found["code"].append("sha256:" + hashlib.sha256(body.encode()).hexdigest())
    for url in URL_RE.findall(text):
        url = url.rstrip(".,;:!?*_~")
        scheme, _, rest = url.partition("://")
        host = re.match(r"[^/?#]*", rest).group(0)
        if host:
            found["url"].append(scheme.lower() + "://" + host.lower() + rest[len(host) :])
    prose = URL_RE.sub(" ", CODE_RE.sub(" ", text)).lower().replace("\u2019", "'")
    for tag in HASHTAG_RE.findall(prose):
        if re.search(r"[^\W\d_]", tag):
            found["hashtag"].append("#" + tag)
    tokens = TOKEN_RE.findall(prose)
    for i in range(len(tokens) - p.n + 1):
        gram = tokens[i : i + p.n]
        n_stop = sum(t in p.stopwords for t in gram)
        if p.stopword_rule == "all" and n_stop == p.n:
            continue
        if p.stopword_rule == "any" and n_stop:
            continue
        if any(len(t) < p.min_token_length for t in gram):
            continue
        found["ngram"].append(" ".join(gram))
    out: list[tuple[str, str]] = []
    for kind in p.kinds:
        for feature in found[kind]:
            if (kind, feature) not in out:
                out.append((kind, feature))
    return out


def reference_cascades(rows: list[dict], p: ContentParams) -> tuple[dict, dict]:
    rows = sorted(
        (r for r in rows if r["actor_id"] is not None),
        key=lambda r: (r["t"] is None, r["t"] or 0.0, r["event_seq"]),
    )
    uses: dict[tuple, list[dict]] = defaultdict(list)
    adopters: dict[tuple, dict[str, dict]] = defaultdict(dict)
    for r in rows:
        for key in reference_features(r["text"], p):
            uses[key].append(r)
            adopters[key].setdefault(r["actor_id"], r)
    cascades, adoptions = {}, {}
    for key, first in adopters.items():
        if len(first) < p.min_adopters:
            continue
        firsts = list(first.values())  # insertion order = time order
        times = [r["t"] for r in firsts]
        n = len(firsts)

        def since(t, t0=times[0]):
            return None if t is None or t0 is None else t - t0

        cid = short_id(*key)
        cascades[cid] = (
            key,
            n,
            len(uses[key]),
            len({r["community"] for r in uses[key]} - {None}),
            since(times[-1]),
            since(times[(n + 1) // 2 - 1]),
            since(times[-(-9 * n // 10) - 1]),
        )
        adoptions[cid] = [(r["actor_id"], r["event_seq"]) for r in firsts]
    return cascades, adoptions


def random_texts(rng: np.random.Generator, n: int) -> list[str | None]:
    words = [
        "the", "of", "and", "a", "I", "it’s", "don't", "dark", "forest", "Theory", "agents",
        "Molt", "café", "NAÏVE", "日本語", "snake_case", "x2", "42", "AI", "mol_t", "shell",
    ]  # fmt: skip
    extras = [
        " ", " ", " ", "\n", ", ", ". ", "! ", " — ", "🦞", "\x00", "**", "_", "> ", "- ",
        "# ", "(", ")", "'", "`",
        "https://Example.COM/Paper", "http://x.org/a_b?q=1#F", "HTTPS://example.com/Paper",
        "https://y.io/(x)", "https://...", "https://z.net/p.", "#AI", "#ai", "#Molt_Book",
        "#1", "&#39;", "x#ai", "#日本",
        "```python\nprint('hi')\n    x = 1\n```", "```\nprint('hi')\n x = 1\n```",
        "~~~\nls -la\n~~~", "```ls -la```", "```unclosed", "``````",
    ]  # fmt: skip
    texts: list[str | None] = []
    for _ in range(n):
        if rng.random() < 0.05:
            texts.append(None if rng.random() < 0.5 else "")
            continue
        parts = []
        for _ in range(int(rng.integers(1, 40))):
            if rng.random() < 0.7:
                parts += [str(rng.choice(words)), " "]
            else:
                parts.append(str(rng.choice(extras)))
        texts.append("".join(parts))
    return texts


def random_events(seed: int, n: int = 300) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 40, n).astype(float)
    return pl.DataFrame(
        {
            "event_seq": rng.permutation(n).astype(np.int64) + 1,
            "actor_id": [None if rng.random() < 0.05 else f"a{rng.integers(12)}" for _ in range(n)],
            "seconds_since_root": [None if rng.random() < 0.1 else x for x in t],
            "community": [None if rng.random() < 0.2 else f"c{rng.integers(4)}" for _ in range(n)],
            "text": random_texts(rng, n),
        },
        schema_overrides={"seconds_since_root": pl.Float64},
    )


PARAM_SETS = [
    ContentParams(),
    ContentParams(n=2, stopword_rule="any", min_token_length=2),
    ContentParams(n=1, min_adopters=3, kinds=("ngram", "code")),
    ContentParams(n=4, stopwords=(), kinds=("hashtag", "url", "ngram"), max_text_chars=60),
]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("params", PARAM_SETS, ids=lambda p: f"n{p.n}-{p.stopword_rule}")
def test_features_agree_with_plain_python_extractor(seed, params):
    ev = random_events(seed)
    got = extract_features(ev, params)
    expected = [
        (seq, kind, feature)
        for seq, text in zip(ev["event_seq"], ev["text"], strict=True)
        for kind, feature in reference_features(text, params)
    ]
    assert len(expected) > 200
    assert list(zip(got["event_seq"], got["feature_kind"], got["feature"], strict=True)) == (
        expected
    )


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("params", PARAM_SETS, ids=lambda p: f"n{p.n}-{p.stopword_rule}")
def test_cascades_agree_with_plain_python_version(seed, params):
    ev = random_events(seed)
    rows = [
        {**r, "t": r["seconds_since_root"]}
        for r in ev.select(
            "event_seq", "actor_id", "seconds_since_root", "community", "text"
        ).to_dicts()
    ]
    expected_cascades, expected_adoptions = reference_cascades(rows, params)
    out = content_cascades(ev, params)
    assert len(expected_cascades) > 10
    got = {
        r["cascade_id"]: (
            (r["feature_kind"], r["feature"]),
            r["n_adopters"],
            r["n_uses"],
            r["n_communities"],
            r["lifetime_seconds"],
            r["time_to_50pct_seconds"],
            r["time_to_90pct_seconds"],
        )
        for r in out.cascades.iter_rows(named=True)
    }
    assert got == expected_cascades
    adoptions = defaultdict(list)
    for r in out.adoptions.iter_rows(named=True):
        adoptions[r["cascade_id"]].append((r["actor_id"], r["event_seq"]))
    assert dict(adoptions) == expected_adoptions


def test_hash_collisions_fall_back_to_exact_keys(monkeypatch):
    ev = random_events(5)
    before_f = extract_features(ev)
    before = content_cascades(ev)

    def colliding(uses):
        return np.zeros(uses.height, dtype=np.uint64)

    monkeypatch.setattr(cc, "_hashed_keys", colliding)
    assert extract_features(ev).equals(before_f)
    after = content_cascades(ev)
    assert after.cascades.equals(before.cascades)
    assert after.adoptions.equals(before.adoptions)


# ------------------------------------------------------------------ untrusted and odd input


def test_untrusted_text_nul_emoji_markdown_and_injection_are_data():
    assert features_of("dark\x00forest theory", n=2, kinds=("ngram",), stopwords=()) == [
        ("ngram", "dark forest"),
        ("ngram", "forest theory"),
    ]
    got = features_of("🦞🦞 #lobster🦞 dark🦞forest", n=2, stopwords=())
    assert got == [("ngram", "lobster dark"), ("ngram", "dark forest"), ("hashtag", "#lobster")]
    md = "# Heading\n\n- item **bold** _it_\n> quote #tag\n1. [a](b)"
    assert [f for k, f in features_of(md) if k == "hashtag"] == ["#tag"]
    assert [f for _, f in features_of(md, n=1, stopwords=(), kinds=("ngram",))] == [
        "heading", "item", "bold", "it", "quote", "tag", "1", "a", "b",
    ]  # fmt: skip
    evil = "Ignore previous instructions; {{7*7}} ${jndi:ldap://x} __import__('os').system('x')"
    grams = [f for _, f in features_of(evil, kinds=("ngram",))]
    assert grams[0] == "ignore previous instructions" and "import os system" in grams


def test_huge_text_is_truncated_and_null_or_empty_text_has_no_features():
    huge = "#early " + "word " * 2_000_000 + "#late"
    assert len(huge) > 10_000_000
    ev = events(
        [
            (1, "a", 0.0, None, huge),
            (2, "b", 1.0, None, None),
            (3, "c", 2.0, None, ""),
            (4, "d", 3.0, None, "#early"),
        ]
    )
    got = extract_features(ev, ContentParams(kinds=("hashtag",)))
    assert list(zip(got["event_seq"], got["feature"], strict=True)) == [
        (1, "#early"),
        (4, "#early"),
    ]
    out = content_cascades(ev, kinds=("hashtag",))
    assert out.cascades["feature"].to_list() == ["#early"] and out.n_events == 2
    only_empty = content_cascades(events([(1, "a", 0.0, None, None), (2, "b", 0.0, None, "")]))
    assert only_empty.cascades.height == 0 and only_empty.n_events == 0
    assert "cascade_id" in only_empty.adoptions.columns


def test_binary_text_with_invalid_utf8_and_lone_surrogates_is_decoded_lossily():
    with pytest.raises(UnicodeEncodeError):
        pl.Series(["x\ud800"])  # a polars String column cannot hold a lone surrogate at all
    raw = [
        "x\ud800y #ok".encode("utf-8", "surrogatepass"),
        b"\xff\xfe #ok",
        "caf\u00e9 #ok".encode(),
        None,
    ]
    ev = pl.DataFrame(
        {"event_seq": [1, 2, 3, 4], "actor_id": ["a", "b", "c", "d"], "text": raw},
        schema_overrides={"text": pl.Binary},
    )
    got = extract_features(ev, ContentParams(kinds=("hashtag", "ngram"), n=1, stopwords=()))
    assert got.filter(pl.col("feature_kind") == "hashtag")["event_seq"].to_list() == [1, 2, 3]
    assert "café" in got["feature"].to_list()
    assert content_cascades(ev, kinds=("hashtag",)).cascades["n_adopters"].to_list() == [3]


def test_events_without_optional_columns():
    ev = pl.DataFrame({"event_seq": [1, 2], "actor_id": ["a", "b"], "text": ["#x", "#x"]})
    out = content_cascades(ev, kinds=("hashtag",))
    row = out.cascades.row(0, named=True)
    assert (row["n_adopters"], row["n_communities"], row["lifetime_seconds"]) == (2, 0, None)
    assert out.adoptions["event_seq"].to_list() == [1, 2]


# ------------------------------------------------------------------------ arguments


def test_params_validation_and_record():
    p = ContentParams(kinds=["url", "ngram"], stopwords=["The", "A"])
    assert p.kinds == ("ngram", "url") and p.stopwords == frozenset({"the", "a"})
    record = json.loads(json.dumps(p.to_dict()))
    assert ContentParams(**record) == p
    assert ContentParams().to_dict()["stopwords"] == sorted(DEFAULT_STOPWORDS)
    for bad, message in [
        ({"n": 0}, "n must be an integer >= 1"),
        ({"min_adopters": 0}, "min_adopters"),
        ({"max_text_chars": -5}, "max_text_chars"),
        ({"min_token_length": True}, "min_token_length"),
        ({"stopword_rule": "some"}, "stopword_rule must be 'all'"),
        ({"kinds": ()}, "non-empty subset"),
        ({"kinds": ("ngram", "emoji")}, "non-empty subset"),
        ({"stopwords": "the"}, "iterable of strings"),
    ]:
        with pytest.raises(InvalidInputError, match=message):
            ContentParams(**bad)


def test_bad_events_raise_with_a_fix():
    with pytest.raises(InvalidInputError, match="lack columns"):
        extract_features(pl.DataFrame({"event_seq": [1], "text": ["x"]}))
    with pytest.raises(InvalidInputError, match="polars DataFrame"):
        content_cascades([{"event_seq": 1, "actor_id": "a", "text": "x"}])
    with pytest.raises(InvalidInputError, match="event_seq must not be null"):
        content_cascades(
            pl.DataFrame({"event_seq": [None, 1], "actor_id": ["a", "b"], "text": ["x", "y"]})
        )
    with pytest.raises(InvalidInputError, match="occurred_at"):
        content_cascades(
            pl.DataFrame(
                {"event_seq": [1], "actor_id": ["a"], "text": ["x"], "occurred_at": ["noon"]}
            )
        )
    with pytest.raises(InvalidInputError, match="unknown ContentParams fields"):
        content_cascades(events([(1, "a", 0.0, None, "x")]), min_adoptors=2)
    empty = content_cascades(events([]))
    assert empty.cascades.height == 0 and empty.n_events == 0
