"""Content cascades: the same n-gram, URL, hashtag or code block adopted by different actors.

A *content cascade* is the set of actors who use one piece of content — a word n-gram, a URL,
a hashtag or a fenced code block — in the text of their events, ordered in time. Each actor's
first use is an *adoption*; later uses by the same actor are counted as uses, not adoptions.
This is the meme / phrase-cluster view of diffusion (Leskovec, Backstrom & Kleinberg 2009),
applied to hashtags as in Romero, Meeder & Kleinberg (2011), and to MoltBook agents' n-grams
and shared code ("skills") as in the Molt Dynamics study [3]. Unlike the public Molt Dynamics
code, which keeps only the 10,000 largest cascades, nothing here is truncated.

Feature extraction (:func:`extract_features`)
----------------------------------------------
The text of each event is cut to :attr:`ContentParams.max_text_chars` characters, then:

* ``code`` — fenced blocks: text between two triple backticks, or between two ``~~~``
  (shortest match, possibly on one line; an unclosed fence is not a block). The fences are
  removed, then an info string (a first line such as ``python`` made of ``[\\w+#.-]`` and
  spaces) is dropped, whitespace runs become one space and the ends are stripped; an empty
  block is no feature. ``feature`` is ``"sha256:<64 hex digits>"`` of the UTF-8 of that
  normalised code, ``preview`` its first :data:`PREVIEW_CHARS` characters. Single-backtick
  inline code and HTML ``<code>`` are not blocks (too short to identify shared code; HTML is
  rare in Markdown posts).
* ``url`` — ``http://`` or ``https://`` (any case) followed by characters other than
  whitespace, ``<>"'`()[]{}|\\^`` and the backtick, taken from the whole text (code blocks
  included); trailing ``.,;:!?*_~`` is stripped and the scheme and host are lowercased (path,
  query and fragment keep their case). A URL without a host is dropped. ``www.`` links without
  a scheme are not URLs here.
* ``hashtag`` — ``#`` followed by word characters, not preceded by a word character, ``&``
  (HTML entities), ``#`` or ``/``, containing at least one letter (``#1`` is not a hashtag),
  lowercased, ``feature = "#tag"``.
* ``ngram`` — tokens are runs of letters and digits, joined inside a word by ``'`` or ``_``
  (``don't``, ``snake_case``; ``’`` counts as ``'``), lowercased; n-grams are ``n``
  consecutive tokens joined by one space (scripts written without spaces, such as Chinese,
  give one token per run of characters). An n-gram is dropped when it contains a token
  shorter than ``min_token_length`` characters, and — with ``stopword_rule="all"`` (the
  default) — when *all* its tokens are stopwords, or — with ``stopword_rule="any"`` — when
  *any* is. The default keeps phrases such as "the dark forest" but drops "and of the".

Hashtags and n-grams are taken from the *prose*: the text with code blocks and URLs replaced
by a space, so that ``#include`` in code or ``https com`` is not a phrase. A feature is
counted once per event however often the event repeats it. Text is data: it is matched by
regular expressions (Rust ``regex``: linear time, no backtracking) and never evaluated. NUL
bytes are ordinary non-word characters.

Cascades (:func:`content_cascades`)
-----------------------------------
* Time: ``occurred_at`` (as epoch seconds) when present, otherwise ``seconds_since_root``
  (both conventions as in :mod:`netdyn.analytics.cascades`). Absolute and relative times are not
  comparable, so pass events of one kind of source at a time. Events are ordered by time
  (missing times last), ties broken by ``event_seq``; when no event has a time, the order is
  ``event_seq`` and all times in the output are null.
* Events without ``actor_id`` are left out of cascades (no one to adopt).
* ``cascade_id`` is the first 16 hex digits of the SHA-256 of ``f"{feature_kind}:{feature}"``
  — stable across runs, data sets and library versions.
* A cascade is kept when it has at least ``min_adopters`` distinct actors.

References
----------
.. [1] Leskovec, J., Backstrom, L., & Kleinberg, J. (2009). Meme-tracking and the dynamics of
   the news cycle. *Proc. 15th ACM SIGKDD*, 497–506.
.. [2] Romero, D. M., Meeder, B., & Kleinberg, J. (2011). Differences in the mechanics of
   information diffusion across topics: idioms, political hashtags, and complex contagion
   on Twitter. *Proc. 20th WWW*, 695–704.
.. [3] Molt Dynamics: emergent social phenomena in autonomous AI agent populations — a study
   of the MoltBook agent network (arXiv preprint, 2026); its public code identifies n-gram
   ("meme") and code-block ("skill") cascades by distinct adopters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import polars as pl

from netdyn.core.errors import InvalidInputError

__all__ = [
    "FEATURE_KINDS",
    "DEFAULT_STOPWORDS",
    "PREVIEW_CHARS",
    "ContentParams",
    "ContentCascades",
    "extract_features",
    "content_cascades",
]

#: Kinds of content a cascade can be made of.
FEATURE_KINDS: tuple[str, ...] = ("ngram", "url", "hashtag", "code")

#: Characters of a code block (or of a long feature) kept in ``preview``.
PREVIEW_CHARS: int = 80

_STOPWORD_TEXT = """
    a about above after again against all am an and any are aren't as at be because been before
    being below between both but by can can't cannot could couldn't did didn't do does doesn't
    doing don't down during each few for from further had hadn't has hasn't have haven't having
    he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm
    i've if in into is isn't it it's its itself just let's me more most mustn't my myself no
    nor not now of off on once only or other ought our ours ourselves out over own same shan't
    she she'd she'll she's should shouldn't so some such than that that's the their theirs them
    themselves then there there's these they they'd they'll they're they've this those through
    to too under until up very was wasn't we we'd we'll we're we've were weren't what what's
    when when's where where's which while who who's whom why why's will with won't would
    wouldn't you you'd you'll you're you've your yours yourself yourselves also get got like s
    t re ve ll d m
"""

#: A common English stopword list (function words, auxiliaries and their contractions).
DEFAULT_STOPWORDS: frozenset[str] = frozenset(_STOPWORD_TEXT.split())

_REQUIRED = ("event_seq", "actor_id", "text")
_OPTIONAL = {
    "occurred_at": pl.Datetime("us", "UTC"),
    "seconds_since_root": pl.Float64(),
    "community": pl.String(),
}
_CODE_RE = r"(?s)```.*?```|~~~.*?~~~"
_INFO_STRING_RE = r"^[\w+#.\-]*[ \t]*\n"
_URL_RE = r"(?i)https?://[^\s<>\"'\x60()\[\]{}|\\^]+"
_URL_PARTS_RE = r"^(?i)(https?://)([^/?#]*)(.*)$"
_URL_TRAILING = ".,;:!?*_~"
_HASHTAG_RE = r"(?:^|[^\w&#/])#\w+"
_TOKEN_RE = r"[^\W_]+(?:['_][^\W_]+)*"
_LETTER_RE = r"[^\W\d_]"

_KIND_CODE: dict[str, int] = {kind: i for i, kind in enumerate(FEATURE_KINDS)}
_SEED = 0x6E65_7464_796E_0001
_MAX_BUCKET_BITS = 27

_ADOPTION_SCHEMA: dict[str, pl.DataType] = {
    "cascade_id": pl.String(),
    "feature_kind": pl.String(),
    "feature": pl.String(),
    "actor_id": pl.String(),
    "adopted_at": pl.Datetime("us", "UTC"),
    "adopted_seconds": pl.Float64(),
    "event_seq": pl.Int64(),
    "adoption_rank": pl.Int64(),
}
_CASCADE_SCHEMA: dict[str, pl.DataType] = {
    "cascade_id": pl.String(),
    "feature_kind": pl.String(),
    "feature": pl.String(),
    "preview": pl.String(),
    "n_adopters": pl.Int64(),
    "n_uses": pl.Int64(),
    "n_communities": pl.Int64(),
    "first_at": pl.Datetime("us", "UTC"),
    "last_at": pl.Datetime("us", "UTC"),
    "lifetime_seconds": pl.Float64(),
    "time_to_50pct_seconds": pl.Float64(),
    "time_to_90pct_seconds": pl.Float64(),
}
_FEATURE_SCHEMA: dict[str, pl.DataType] = {
    "event_seq": pl.Int64(),
    "actor_id": pl.String(),
    "community": pl.String(),
    "occurred_at": pl.Datetime("us", "UTC"),
    "seconds_since_root": pl.Float64(),
    "feature_kind": pl.String(),
    "feature": pl.String(),
    "preview": pl.String(),
}


@dataclass(frozen=True)
class ContentParams:
    """What counts as a piece of content and as a cascade (validated on construction).

    Attributes
    ----------
    n : int
        Words per n-gram (>= 1; default 3).
    min_token_length : int
        N-grams containing a token shorter than this many characters are dropped (>= 1;
        default 1, i.e. none).
    stopwords : frozenset of str
        Lowercase stopwords (default :data:`DEFAULT_STOPWORDS`; any iterable of str is
        accepted and lowercased).
    stopword_rule : {"all", "any"}
        Drop n-grams made *only* of stopwords ("all", default) or containing *any* stopword.
    min_adopters : int
        Distinct actors a cascade needs to be reported (>= 1; default 2).
    kinds : tuple of str
        Feature kinds to extract, a non-empty subset of :data:`FEATURE_KINDS` (default all).
    max_text_chars : int
        Characters of each text that are read; the rest is ignored (>= 1; default 100,000).
        Guards against multi-megabyte fields.
    """

    n: int = 3
    min_token_length: int = 1
    stopwords: frozenset[str] = field(default=DEFAULT_STOPWORDS)
    stopword_rule: str = "all"
    min_adopters: int = 2
    kinds: tuple[str, ...] = FEATURE_KINDS
    max_text_chars: int = 100_000

    def __post_init__(self) -> None:
        for name in ("n", "min_token_length", "min_adopters", "max_text_chars"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidInputError(f"{name} must be an integer >= 1; got {value!r}")
        if self.stopword_rule not in ("all", "any"):
            raise InvalidInputError(
                f"stopword_rule must be 'all' (drop n-grams made only of stopwords) or 'any' "
                f"(drop n-grams containing one); got {self.stopword_rule!r}"
            )
        if isinstance(self.stopwords, str) or not all(isinstance(w, str) for w in self.stopwords):
            raise InvalidInputError(
                "stopwords must be an iterable of strings, e.g. frozenset({'the', 'a'})"
            )
        object.__setattr__(self, "stopwords", frozenset(w.lower() for w in self.stopwords))
        kinds = (self.kinds,) if isinstance(self.kinds, str) else tuple(self.kinds)
        unknown = sorted(set(kinds) - set(FEATURE_KINDS))
        if not kinds or unknown:
            raise InvalidInputError(
                f"kinds must be a non-empty subset of {list(FEATURE_KINDS)}; got {list(kinds)}"
            )
        object.__setattr__(self, "kinds", tuple(k for k in FEATURE_KINDS if k in kinds))

    def to_dict(self) -> dict[str, Any]:
        """The parameters as plain JSON-ready values (stopwords sorted), for run records."""
        return {
            "n": self.n,
            "min_token_length": self.min_token_length,
            "stopwords": sorted(self.stopwords),
            "stopword_rule": self.stopword_rule,
            "min_adopters": self.min_adopters,
            "kinds": list(self.kinds),
            "max_text_chars": self.max_text_chars,
        }


@dataclass(frozen=True)
class ContentCascades:
    """The content cascades of an event set.

    Attributes
    ----------
    adoptions : polars.DataFrame
        One row per (cascade, actor): the actor's first use. Columns ``cascade_id``,
        ``feature_kind``, ``feature``, ``actor_id``, ``adopted_at`` (UTC; null for sources
        with relative times only), ``adopted_seconds`` (the time used for ordering: epoch
        seconds, or ``seconds_since_root``; null without time), ``event_seq``,
        ``adoption_rank`` (1 = first adopter). Sorted by the cascades' order, then rank. Feeds
        exposure analyses as ``contagion_id = cascade_id``.
    cascades : polars.DataFrame
        One row per cascade with ``n_adopters >= min_adopters``: ``cascade_id``,
        ``feature_kind``, ``feature``, ``preview``, ``n_adopters``, ``n_uses`` (events using
        it), ``n_communities`` (distinct non-null communities of those events), ``first_at``
        and ``last_at`` (first and last adoption, UTC), ``lifetime_seconds`` (last minus first
        adoption), ``time_to_50pct_seconds`` and ``time_to_90pct_seconds`` (from the first
        adoption to the adoption of rank ``ceil(0.5 N)`` / ``ceil(0.9 N)``, N = n_adopters).
        Sorted by ``n_adopters`` descending, then ``cascade_id``.
    params : ContentParams
        The parameters used.
    n_events : int
        Events with an actor and non-empty text that were scanned.
    """

    adoptions: pl.DataFrame
    cascades: pl.DataFrame
    params: ContentParams
    n_events: int


def _prepare(events: pl.DataFrame, max_text_chars: int) -> pl.DataFrame:
    """Events with the columns extraction needs, text cut to size, one ``_row`` per event."""
    if not isinstance(events, pl.DataFrame):
        raise InvalidInputError(
            f"events must be a polars DataFrame of canonical events; got {type(events).__name__}"
        )
    missing = [c for c in _REQUIRED if c not in events.columns]
    if missing:
        raise InvalidInputError(
            f"events lack columns {missing}; "
            "pass canonical events (netdyn.store.eventlog.read_events)"
        )
    if events["event_seq"].null_count():
        raise InvalidInputError("event_seq must not be null; it orders events and breaks ties")
    text = events["text"]
    if text.dtype == pl.Binary:
        text = _decode_binary(text)
    try:
        frame = events.select(
            pl.col("event_seq").cast(pl.Int64),
            pl.col("actor_id").cast(pl.String),
            *(
                pl.col(c).cast(dtype) if c in events.columns else pl.lit(None, dtype).alias(c)
                for c, dtype in _OPTIONAL.items()
            ),
        ).with_columns(text=text.cast(pl.String).str.slice(0, max_text_chars))
    except pl.exceptions.PolarsError as e:
        raise InvalidInputError(
            "events have columns of unusable types: event_seq must be an integer, occurred_at "
            f"a Datetime, seconds_since_root a number, text a string ({e})"
        ) from e
    return frame.with_row_index("_row")


def _decode_binary(text: pl.Series) -> pl.Series:
    """UTF-8 text of a Binary column; invalid bytes become U+FFFD (slow path, rare input)."""
    try:
        return text.cast(pl.String)
    except pl.exceptions.PolarsError:
        values = [None if b is None else b.decode("utf-8", "replace") for b in text.to_list()]
        return pl.Series(text.name, values, dtype=pl.String)


def _sha256_hex(values: pl.Series) -> pl.Series:
    """SHA-256 (64 lowercase hex digits) of each value's UTF-8, in order, computed by DuckDB."""
    frame = pl.DataFrame({"i": pl.int_range(values.len(), eager=True), "value": values})
    with duckdb.connect() as con:
        con.register("sha256_input", frame)
        hashed = con.sql("select sha256(value) as sha256 from sha256_input order by i").pl()
    return hashed.to_series().cast(pl.String)


def _code_features(frame: pl.DataFrame) -> pl.DataFrame:
    blocks = (
        frame.select("_row", code=pl.col("text").str.extract_all(_CODE_RE))
        .explode("code")
        .drop_nulls("code")
        .with_columns(
            pl.col("code")
            .str.slice(3, pl.col("code").str.len_chars() - 6)
            .str.replace(_INFO_STRING_RE, "")
            .str.replace_all(r"\s+", " ")
            .str.strip_chars()
        )
        .filter(pl.col("code").str.len_chars() > 0)
    )
    return blocks.with_columns(sha256=_sha256_hex(blocks["code"])).select(
        "_row",
        _k=pl.lit(_KIND_CODE["code"], pl.Int8),
        feature=pl.lit("sha256:") + pl.col("sha256"),
        preview=pl.col("code").str.slice(0, PREVIEW_CHARS),
    )


def _url_features(frame: pl.DataFrame) -> pl.DataFrame:
    urls = (
        frame.select("_row", url=pl.col("text").str.extract_all(_URL_RE))
        .explode("url")
        .drop_nulls("url")
        .with_columns(pl.col("url").str.strip_chars_end(_URL_TRAILING))
    )
    return (
        urls.with_columns(_parts=pl.col("url").str.extract_groups(_URL_PARTS_RE))
        .unnest("_parts")
        .filter(pl.col("2").str.len_chars() > 0)
        .select(
            "_row",
            _k=pl.lit(_KIND_CODE["url"], pl.Int8),
            feature=pl.concat_str(
                pl.col("1").str.to_lowercase(), pl.col("2").str.to_lowercase(), pl.col("3")
            ),
            preview=pl.lit(None, pl.String),
        )
    )


def _hashtag_features(prose: pl.DataFrame) -> pl.DataFrame:
    return (
        prose.select("_row", tag=pl.col("prose").str.extract_all(_HASHTAG_RE))
        .explode("tag")
        .drop_nulls("tag")
        .with_columns(pl.col("tag").str.extract(r"#(\w+)$", 1))
        .filter(pl.col("tag").str.contains(_LETTER_RE))
        .select(
            "_row",
            _k=pl.lit(_KIND_CODE["hashtag"], pl.Int8),
            feature=pl.lit("#") + pl.col("tag"),
            preview=pl.lit(None, pl.String),
        )
    )


def _ngram_features(prose: pl.DataFrame, params: ContentParams) -> pl.DataFrame:
    n = params.n
    tokens = (
        prose.select("_row", tok=pl.col("prose").str.extract_all(_TOKEN_RE))
        .explode("tok")
        .drop_nulls("tok")
    )
    # exploded tokens of one event are contiguous, so a window of n rows that starts and ends
    # in the same event is an n-gram of consecutive tokens of that event
    stop = pl.col("tok").is_in(sorted(params.stopwords)).cast(pl.Int32)
    short = (pl.col("tok").str.len_chars() < params.min_token_length).cast(pl.Int32)
    n_stop = pl.sum_horizontal([stop.shift(-k) for k in range(n)])
    n_short = pl.sum_horizontal([short.shift(-k) for k in range(n)])
    stop_ok = n_stop < n if params.stopword_rule == "all" else n_stop == 0
    return (
        tokens.select(
            "_row",
            _k=pl.lit(_KIND_CODE["ngram"], pl.Int8),
            feature=pl.concat_str([pl.col("tok").shift(-k) for k in range(n)], separator=" "),
            preview=pl.lit(None, pl.String),
            _keep=(pl.col("_row").shift(-(n - 1)) == pl.col("_row")) & stop_ok & (n_short == 0),
        )
        .filter(pl.col("_keep"))
        .drop("_keep")
    )


def _feature_uses(frame: pl.DataFrame, params: ContentParams) -> pl.DataFrame:
    """Every occurrence of every feature (repeats kept): ``_row, _k, feature, preview``.

    Sorted by ``_row``, then kind (the order of :data:`FEATURE_KINDS`), then position.
    """
    frame = frame.filter(pl.col("text").is_not_null() & (pl.col("text") != ""))
    parts = []
    if "ngram" in params.kinds or "hashtag" in params.kinds:
        prose = frame.select(
            "_row",
            prose=pl.col("text")
            .str.replace_all(_CODE_RE, " ")
            .str.replace_all(_URL_RE, " ")
            .str.to_lowercase()
            .str.replace_all("\u2019", "'", literal=True),
        )
        if "ngram" in params.kinds:
            parts.append(_ngram_features(prose, params))
    if "url" in params.kinds:
        parts.append(_url_features(frame))
    if "hashtag" in params.kinds:
        parts.append(_hashtag_features(prose))
    if "code" in params.kinds:
        parts.append(_code_features(frame))
    schema = {"_row": pl.UInt32(), "_k": pl.Int8(), "feature": pl.String(), "preview": pl.String()}
    uses = pl.concat([p.cast(schema) for p in parts], how="vertical")
    return uses.sort("_row", maintain_order=True) if len(parts) > 1 else uses


def _hashed_keys(uses: pl.DataFrame) -> np.ndarray:
    """A 64-bit hash of (kind, feature); ties are checked by string comparison afterwards."""
    return (
        uses.select(pl.col("feature").hash(_SEED) ^ pl.col("_k").cast(pl.UInt64))
        .to_series()
        .to_numpy()
    )


def _exact_keys(uses: pl.DataFrame) -> np.ndarray:
    """Dense ranks of (kind, feature): exact but a string sort (used after a hash collision)."""
    return (
        uses.select(pl.struct("_k", "feature").rank("dense").cast(pl.UInt64)).to_series().to_numpy()
    )


def _sorted_runs(
    uses: pl.DataFrame,
    columns: dict[str, np.ndarray],
    *,
    before: tuple[str, ...] = (),
    after: tuple[str, ...] = (),
    hashed: np.ndarray | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Order of ``uses`` by ``before``, the feature, ``after``, then position (a stable sort).

    Returns the order, the sorted ``columns``, and ``same``: whether sorted row j has the same
    ``before`` values and (kind, feature) as row j - 1. The feature is keyed by a 64-bit
    hash; every tie is checked by comparing the strings, and if two different features share
    a hash, the sort is redone with exact keys, so results never depend on hash luck.
    ``hashed`` is the result of :func:`_hashed_keys` when already computed.
    """
    for make_keys in (_hashed_keys, _exact_keys):
        key = hashed if hashed is not None else make_keys(uses)
        hashed = None
        keyed = pl.DataFrame({**columns, "_key": key}).with_row_index("_order")
        keyed = keyed.sort([*before, "_key", *after, "_order"])
        order = keyed["_order"].to_numpy()
        srt = {name: keyed[name].to_numpy() for name in columns}
        same = np.ones(order.size, dtype=bool)
        same[0:1] = False
        for values in (*(srt[name] for name in before), keyed["_key"].to_numpy()):
            same[1:] &= values[1:] == values[:-1]
        del keyed
        pos = np.flatnonzero(same)
        if pos.size == 0:
            return order, srt, same
        here, prev = pl.Series(order[pos]), pl.Series(order[pos - 1])
        clash = (uses["feature"].gather(here) != uses["feature"].gather(prev)) | (
            uses["_k"].gather(here) != uses["_k"].gather(prev)
        )
        if not clash.any():
            return order, srt, same
    raise AssertionError("exact keys cannot collide")  # pragma: no cover


def _may_cascade(key: np.ndarray, min_adopters: int) -> np.ndarray:
    """Uses whose feature may have ``min_adopters`` actors (a superset; exact results follow).

    A one-row count-min sketch: all uses of a feature fall in the same bucket, so a bucket
    count below ``min_adopters`` proves the feature has fewer uses — hence fewer actors —
    than needed. Most one-off n-grams are dropped here, before the sort.
    """
    if min_adopters <= 1 or key.size == 0:
        return np.ones(key.size, dtype=bool)
    bits = min(_MAX_BUCKET_BITS, max(10, int(key.size).bit_length() + 1))
    bucket = (key >> np.uint64(64 - bits)).astype(np.intp)  # the hash's top bits
    return np.bincount(bucket, minlength=1 << bits)[bucket] >= min_adopters


def extract_features(events: pl.DataFrame, params: ContentParams | None = None) -> pl.DataFrame:
    """Every n-gram, URL, hashtag and code block of every event's text.

    Parameters
    ----------
    events : polars.DataFrame
        Canonical events, one row per event, any order: ``event_seq`` (not null),
        ``actor_id`` and ``text`` are required; ``occurred_at``, ``seconds_since_root`` and
        ``community`` are carried along when present (null otherwise). ``text`` may be String
        or Binary (invalid UTF-8 is replaced by U+FFFD); null or empty text has no features.
    params : ContentParams, optional
        What to extract (default ``ContentParams()``).

    Returns
    -------
    polars.DataFrame
        One row per (event, distinct feature), in the events' order, then kind (ngram, url,
        hashtag, code), then first occurrence in the text: ``event_seq``, ``actor_id``,
        ``community``, ``occurred_at``, ``seconds_since_root``, ``feature_kind``, ``feature``
        (normalised as in the module notes), ``preview`` (the first :data:`PREVIEW_CHARS`
        characters of a code block's normalised text; null for other kinds, whose
        ``feature`` is readable).

    Raises
    ------
    InvalidInputError
        If ``events`` is not a polars DataFrame, lacks a required column or has a null
        ``event_seq``.

    Notes
    -----
    Vectorised: regex extraction into list columns, one explode, n-grams built by shifting
    the exploded tokens (a window is kept when its first and last token belong to the same
    event), repeats within an event removed by a sort on (event, 64-bit feature hash) whose
    ties are verified by string comparison. Code blocks are hashed with DuckDB's ``sha256``.
    Memory is about 150 bytes per (event, feature) row; for very large logs call it on
    batches of events.

    References
    ----------
    Leskovec, Backstrom & Kleinberg (2009), KDD; Romero, Meeder & Kleinberg (2011), WWW.

    Examples
    --------
    >>> ev = pl.DataFrame({"event_seq": [1], "actor_id": ["a"],
    ...                    "text": ["The dark forest #Theory https://X.org/p."]})
    >>> out = extract_features(ev, ContentParams(n=2))
    >>> out.filter(pl.col("feature_kind") == "ngram")["feature"].to_list()
    ['the dark', 'dark forest', 'forest theory']
    >>> out.filter(pl.col("feature_kind") != "ngram")["feature"].to_list()
    ['https://x.org/p', '#theory']
    """
    params = ContentParams() if params is None else params
    frame = _prepare(events, params.max_text_chars)
    uses = _feature_uses(frame, params)
    if uses.height:
        row = uses["_row"].to_numpy()
        order, _srt, same = _sorted_runs(uses, {"_row": row}, before=("_row",))
        keep = np.ones(uses.height, dtype=bool)
        keep[order[same]] = False
        uses = uses.filter(pl.Series(keep))
    rows = uses["_row"]
    carried = [c for c in _FEATURE_SCHEMA if c in frame.columns]
    return (
        frame.select(pl.col(carried).gather(rows))
        .with_columns(
            feature_kind=pl.Series(FEATURE_KINDS, dtype=pl.String).gather(uses["_k"]),
            feature=uses["feature"],
            preview=uses["preview"],
        )
        .select(list(_FEATURE_SCHEMA))
        .cast(_FEATURE_SCHEMA)
    )


def _empty_result(params: ContentParams, n_events: int) -> ContentCascades:
    return ContentCascades(
        adoptions=pl.DataFrame(schema=_ADOPTION_SCHEMA),
        cascades=pl.DataFrame(schema=_CASCADE_SCHEMA),
        params=params,
        n_events=n_events,
    )


def _seconds(values: np.ndarray) -> pl.Series:
    return pl.Series(values.astype(np.float64), dtype=pl.Float64, nan_to_null=True)


def content_cascades(
    events: pl.DataFrame, params: ContentParams | None = None, **overrides: Any
) -> ContentCascades:
    """Find every content cascade of an event set and measure it.

    Parameters
    ----------
    events : polars.DataFrame
        Canonical events, as for :func:`extract_features`; events without ``actor_id`` are
        ignored.
    params : ContentParams, optional
        Extraction and filter parameters (default ``ContentParams()``).
    **overrides
        Fields of :class:`ContentParams` to change, e.g. ``min_adopters=5``.

    Returns
    -------
    ContentCascades
        ``adoptions`` (one row per cascade and adopting actor) and ``cascades`` (one row per
        cascade with at least ``min_adopters`` distinct actors), described there. Empty
        frames with the full schemas when no cascade qualifies.

    Raises
    ------
    InvalidInputError
        For bad events (see :func:`extract_features`) or bad parameters.

    Notes
    -----
    Events are ordered by time (``occurred_at`` as epoch seconds, else
    ``seconds_since_root``; missing times last), ties broken by ``event_seq``; an actor's
    adoption is its first use in that order. ``time_to_50pct_seconds`` is the time from the
    first adoption to the adoption of rank ``ceil(N/2)``, so 0 for N = 2; likewise 90 %.
    Times are null when the events have none.

    Uses of features that cannot reach ``min_adopters`` are first dropped with a count-min
    sketch over a 64-bit feature hash (a superset is kept: most one-off n-grams go). The rest
    are sorted once by (feature, actor, time rank); first uses, adopter and use counts are
    then run-length computations (no Python loop over rows or cascades). Hash ties are
    verified by string comparison, with an exact fallback, so the result is exact. Nothing
    is truncated: unlike the public Molt Dynamics code (10,000 largest cascades), every
    cascade is kept.

    References
    ----------
    Leskovec, Backstrom & Kleinberg (2009), KDD; Romero, Meeder & Kleinberg (2011), WWW;
    Molt Dynamics (MoltBook, arXiv preprint 2026).

    Examples
    --------
    >>> ev = pl.DataFrame({"event_seq": [1, 2, 3], "actor_id": ["a", "b", "a"],
    ...                    "text": ["#molt now", "so #MOLT", "#molt again"]})
    >>> out = content_cascades(ev, kinds=("hashtag",))
    >>> out.cascades[["feature", "n_adopters", "n_uses"]].rows()
    [('#molt', 2, 3)]
    >>> out.adoptions[["actor_id", "event_seq", "adoption_rank"]].rows()
    [('a', 1, 1), ('b', 2, 2)]
    """
    params = ContentParams() if params is None else params
    if overrides:
        unknown = sorted(set(overrides) - set(params.to_dict()))
        if unknown:
            raise InvalidInputError(
                f"unknown ContentParams fields {unknown}; use {sorted(params.to_dict())}"
            )
        params = ContentParams(**{**params.__dict__, **overrides})
    frame = _prepare(events, params.max_text_chars)
    time_seconds = pl.coalesce(
        pl.col("occurred_at").dt.epoch("us").cast(pl.Float64) / 1e6, pl.col("seconds_since_root")
    )
    # renumber events in time order: a smaller _row is an earlier event
    frame = (
        frame.drop("_row")
        .filter(pl.col("actor_id").is_not_null())
        .with_columns(_t=time_seconds)
        .sort(["_t", "event_seq"], nulls_last=True, maintain_order=True)
        .with_row_index("_row")
        .with_columns(
            _a=pl.col("actor_id").rank("dense").cast(pl.Int64),
            _c=pl.col("community").rank("dense").cast(pl.Int64),
        )
    )
    n_events = frame.filter(pl.col("text").is_not_null() & (pl.col("text") != "")).height
    uses = _feature_uses(frame, params)
    if uses.height == 0:
        return _empty_result(params, n_events)

    key = _hashed_keys(uses)
    maybe = _may_cascade(key, params.min_adopters)
    if not maybe.all():
        uses, key = uses.filter(pl.Series(maybe)), key[maybe]
    del maybe
    if uses.height == 0:
        return _empty_result(params, n_events)

    # one sort of the remaining uses by (feature, actor, time rank); runs give the rest
    row = uses["_row"].to_numpy().astype(np.int64)
    actor = frame["_a"].to_numpy()[row]
    order, srt, same_feature = _sorted_runs(
        uses, {"_row": row, "_a": actor}, after=("_a", "_row"), hashed=key
    )
    del key, row, actor
    same_actor = same_feature.copy()
    same_actor[1:] &= srt["_a"][1:] == srt["_a"][:-1]
    same_event = same_actor.copy()
    same_event[1:] &= srt["_row"][1:] == srt["_row"][:-1]
    starts = np.flatnonzero(~same_feature)
    run = np.cumsum(~same_feature) - 1
    n_adopters = np.add.reduceat((~same_actor).astype(np.int64), starts)
    n_uses = np.add.reduceat((~same_event).astype(np.int64), starts)
    kept = np.flatnonzero(n_adopters >= params.min_adopters)
    if kept.size == 0:
        return _empty_result(params, n_events)
    is_kept = np.zeros(starts.size, dtype=bool)
    is_kept[kept] = True
    cascade_of_run = np.full(starts.size, -1, dtype=np.int64)
    cascade_of_run[kept] = np.arange(kept.size)

    # adoptions: first use per (feature, actor) in surviving runs, ranked by time within run
    first = ~same_actor & is_kept[run]
    a_cascade = cascade_of_run[run[first]]
    a_row = srt["_row"][first]
    # no ties: an actor adopts a feature once, so (cascade, event) is unique
    by_time = pl.Series(a_cascade * np.int64(frame.height) + a_row).arg_sort().to_numpy()
    a_cascade, a_row = a_cascade[by_time], a_row[by_time]
    del by_time
    size = n_adopters[kept]
    a_start = np.concatenate(([0], np.cumsum(size)[:-1]))
    rank = np.arange(a_row.size) - np.repeat(a_start, size) + 1

    t = frame["_t"].to_numpy().astype(np.float64)[a_row]
    at_first, at_last = a_start, a_start + size - 1
    at_50 = a_start + (size + 1) // 2 - 1
    at_90 = a_start + (9 * size + 9) // 10 - 1
    occurred = frame["occurred_at"]

    # n_communities: distinct non-null communities among the uses of each surviving run
    in_kept = is_kept[run]
    communities = (
        pl.DataFrame(
            {
                "_j": cascade_of_run[run[in_kept]],
                "_c": frame["_c"].gather(pl.Series(srt["_row"][in_kept])),
            }
        )
        .drop_nulls()
        .unique()
        .group_by("_j")
        .agg(n=pl.len())
    )
    n_communities = np.zeros(kept.size, dtype=np.int64)
    n_communities[communities["_j"].to_numpy()] = communities["n"].to_numpy()

    rep = pl.Series(order[starts[kept]])
    kinds = pl.Series(FEATURE_KINDS, dtype=pl.String).gather(uses["_k"].gather(rep))
    features = uses["feature"].gather(rep)
    ids = _sha256_hex(kinds + ":" + features).str.slice(0, 16)
    cascades = pl.DataFrame(
        {
            "cascade_id": ids,
            "feature_kind": kinds,
            "feature": features,
            "preview": uses["preview"].gather(rep),
            "n_adopters": size,
            "n_uses": n_uses[kept],
            "n_communities": n_communities,
            "first_at": occurred.gather(pl.Series(a_row[at_first])),
            "last_at": occurred.gather(pl.Series(a_row[at_last])),
            "lifetime_seconds": _seconds(t[at_last] - t[at_first]),
            "time_to_50pct_seconds": _seconds(t[at_50] - t[at_first]),
            "time_to_90pct_seconds": _seconds(t[at_90] - t[at_first]),
        }
    ).with_columns(
        preview=pl.coalesce("preview", pl.col("feature").str.slice(0, PREVIEW_CHARS)),
        _j=pl.int_range(pl.len(), dtype=pl.Int64),
    )
    cascades = cascades.sort(["n_adopters", "cascade_id"], descending=[True, False])
    position = np.empty(kept.size, dtype=np.int64)
    position[cascades["_j"].to_numpy()] = np.arange(kept.size)
    # cascades' order, then rank (already the order within a cascade)
    out = np.argsort(position[a_cascade], kind="stable")
    j, rows = pl.Series(a_cascade[out]), pl.Series(a_row[out])
    adoptions = pl.DataFrame(
        {
            "cascade_id": ids.gather(j),
            "feature_kind": kinds.gather(j),
            "feature": features.gather(j),
            "actor_id": frame["actor_id"].gather(rows),
            "adopted_at": occurred.gather(rows),
            "adopted_seconds": _seconds(t[out]),
            "event_seq": frame["event_seq"].gather(rows),
            "adoption_rank": rank[out],
        }
    )
    return ContentCascades(
        adoptions=adoptions.cast(_ADOPTION_SCHEMA),
        cascades=cascades.drop("_j").cast(_CASCADE_SCHEMA),
        params=params,
        n_events=n_events,
    )
