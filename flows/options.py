"""The analysis options: one validated, frozen object for every command and flow that analyses.

:class:`AnalysisOptions` holds every parameter that decides an analysis's results, each with
its default and its description written once, here. The flows (``analyze``, ``pipeline``,
``compare``, ``scheduled``) and :func:`netdyn.flows.serve.serve` take it whole; the command
line builds it from options it declares from these fields (:mod:`netdyn.cli.common`); the
README's option table is :func:`markdown_table`. :meth:`AnalysisOptions.to_parameters` is what
``runs.parameters`` records and what ``netdyn compare`` compares to reuse an analysis.

The database path, the report folder and the worker count (``n_jobs``: results do not depend
on it) are not analysis options; :func:`check_n_jobs` checks the worker count.

This module imports nothing heavy (pydantic only; the window and content parsers are imported
when an object is validated), so the command line can declare its options from it at start-up.
"""

from __future__ import annotations

from typing import Any, Final

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    model_validator,
)
from pydantic_core import PydanticCustomError

from netdyn.core.errors import InvalidInputError

__all__ = [
    "AnalysisOptions",
    "DEFAULT_ANALYSIS",
    "check_n_jobs",
    "cli_flag",
    "markdown_table",
    "minimum",
]


#: The smallest role-fit sample other than 0: enough actors for every k the roles try (2..8)
#: to get clusters of more than a handful of actors.
MIN_ROLE_FIT_ACTORS = 100


def cli_flag(name: str) -> str:
    """The command-line spelling of an option: ``cp_nulls`` -> ``--cp-nulls``.

    Examples
    --------
    >>> cli_flag("mesoscale_window")
    '--mesoscale-window'
    """
    return "--" + name.replace("_", "-")


class AnalysisOptions(BaseModel):
    """Every parameter that decides an analysis's results; validated when constructed.

    Parameters
    ----------
    seed : int, default 0
        Root seed of the bootstrap resamples and the null models (each analysis takes its own
        child seed). A command or flow that simulates before it analyses seeds the simulation
        with it too.
    n_bootstrap : int, default 200
        Bootstrap resamples behind each power-law goodness-of-fit p-value and the attachment
        exponent's interval; 0 skips them.
    window : str, default ``"1d"``
        Width of the time windows for the per-window statistics (a duration: ``30m``, ``6h``,
        ``1d``, ``2w``).
    window_step : str, optional
        Step between window starts (sliding windows); None: the width (tumbling windows).
    top_k : int, default 10
        Elite size whose persistence between windows is measured.
    ngram : int, default 3
        Words per n-gram in the content cascades.
    min_adopters : int, default 2
        Distinct actors a piece of content needs to count as a content cascade.
    cp_nulls : int, default 100
        The most configuration-model nulls refitted behind each core-periphery p-value: the
        test is sequential (Besag & Clifford 1991) and stops early when clearly not
        significant; its p-value resolution is ``1 / (cp_nulls + 1)``.
    role_nulls : int, default 10
        The most degree-preserving nulls behind the structural-role silhouette baseline
        (the same sequential test).
    rich_club_nulls : int, default 20
        Degree-preserving randomisations behind the normalised rich-club coefficient.
    mesoscale_nulls : int, default 20
        Degree-preserving nulls per community behind the modular-vs-hierarchical z-scores.
    mesoscale_window : str, default ``"7d"``
        Width of the tumbling windows of the per-window community profiles.
    exposure_max_pairs : int, default 20000000
        Most (adoption, out-edge of the adopter) pairs the exposure analysis counts per
        contagion type; above it, a seeded random sample of whole contagions is analysed
        (:func:`netdyn.analytics.exposure_counts.exposure_analysis`) and the report says so.
        0: count every pair (time grows with adoptions times degrees).
    role_fit_actors : int, default 20000
        Above this many actors, each role clustering (k-means, GMM, for every k) is fitted
        on a seeded uniform sample of this many actors and every actor is then assigned by
        the fitted model (:func:`netdyn.analytics.roles.structural_roles`); the report says
        so. 0: fit on every actor; otherwise at least :data:`MIN_ROLE_FIT_ACTORS`.
    betweenness_exact_max_actors : int, default 2000
        Up to this many actors the betweenness role feature is exact (Brandes 2001,
        O(n m)); above it, it is estimated from ``betweenness_pivots`` sampled source
        vertices (Brandes & Pich 2007, O(pivots m)), for the graph and each null.
    betweenness_pivots : int, default 200
        Source vertices of the sampled betweenness.
    reach_max_targets : int, default 4096
        The mesoscale profiles' global reaching centrality (Mones et al. 2012) costs about
        k²/8 operations for k strongly connected components; above ``reach_max_targets``
        components each actor's reach is estimated from this many uniformly sampled target
        actors (standard error at most ``0.5 / sqrt(reach_max_targets)`` per actor), and the
        report says so. 0: always exact.

    Raises
    ------
    InvalidInputError
        When constructed with a value below its minimum, of the wrong type, an unknown option,
        a window that does not parse or content parameters
        (:class:`netdyn.analytics.content_cascades.ContentParams`) that are refused. The
        message is one line naming the option as the command line spells it, e.g.
        ``--cp-nulls must be at least 0; got -1``.

    Notes
    -----
    The object is a frozen pydantic model, so Prefect validates it as a flow parameter and a
    deployment stores it as JSON (``{"cp_nulls": 20, ...}``; absent fields take their
    defaults). Validation from such a mapping (Prefect, :meth:`model_validate`) raises
    pydantic's ``ValidationError`` carrying the same one-line messages; constructing the
    object directly, or with :meth:`from_mapping` or :meth:`replace`, raises
    :class:`~netdyn.core.errors.InvalidInputError`. ``model_copy(update=...)`` skips
    validation: use :meth:`replace`.

    Each field's description is the command line's help text and the README's option table
    (:func:`markdown_table`); each default and minimum is written only here. Adding an option
    means adding a field here and regenerating that table; the flows and the command line
    pass the object whole.

    Examples
    --------
    >>> options = AnalysisOptions(cp_nulls=20, window="6h")
    >>> options.cp_nulls, options.role_nulls
    (20, 10)
    >>> options.to_parameters()["nulls"]
    {'core_periphery': 20, 'roles': 10, 'rich_club': 20, 'mesoscale': 20}
    >>> AnalysisOptions(top_k=0)
    Traceback (most recent call last):
    ...
    netdyn.core.errors.InvalidInputError: --top-k must be at least 1; got 0
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = Field(
        default=0,
        ge=0,
        description="Seed of the bootstrap and the null models; also of the simulation, "
        "when the command simulates first",
    )
    n_bootstrap: int = Field(
        default=200,
        ge=0,
        description="Bootstrap resamples for each power-law goodness-of-fit p-value and the "
        "attachment-exponent interval (0: skip)",
    )
    window: str = Field(
        default="1d",
        description="Width of the time windows for per-window statistics: 1d, 6h, 30m, 2w",
    )
    window_step: str | None = Field(
        default=None,
        description="Step between window starts (sliding windows); default: the width",
    )
    top_k: int = Field(
        default=10, ge=1, description="Elite size whose persistence between windows is measured"
    )
    ngram: int = Field(default=3, ge=1, description="Words per n-gram in content cascades")
    min_adopters: int = Field(
        default=2,
        ge=1,
        description="Distinct actors a piece of content needs to count as a cascade",
    )
    cp_nulls: int = Field(
        default=100,
        ge=0,
        description="Most configuration-model nulls behind each core-periphery p-value "
        "(a sequential test: stops early when clearly not significant)",
    )
    role_nulls: int = Field(
        default=10,
        ge=1,
        description="Most degree-preserving nulls for the structural-role silhouette baseline "
        "(a sequential test: stops early when clearly not significant)",
    )
    rich_club_nulls: int = Field(
        default=20,
        ge=0,
        description="Degree-preserving randomisations behind the normalised rich-club coefficient",
    )
    mesoscale_nulls: int = Field(
        default=20,
        ge=2,
        description="Nulls per community for the modular-vs-hierarchical z-scores",
    )
    mesoscale_window: str = Field(
        default="7d",
        description="Width of the tumbling windows of the per-window community profiles",
    )
    exposure_max_pairs: int = Field(
        default=20_000_000,
        ge=0,
        description="Most (adoption, exposed neighbour) pairs the exposure analysis counts; "
        "above it a seeded random sample of whole contagions is analysed (0: no limit)",
    )
    role_fit_actors: int = Field(
        default=20_000,
        ge=0,
        description="Above this many actors the role clusters are fitted on a seeded random "
        f"sample of this many and every actor is assigned to one (0: fit on all; else at "
        f"least {MIN_ROLE_FIT_ACTORS})",
    )
    betweenness_exact_max_actors: int = Field(
        default=2_000,
        ge=0,
        description="Above this many actors the role feature betweenness is estimated from "
        "sampled pivots (Brandes & Pich 2007) instead of computed exactly",
    )
    betweenness_pivots: int = Field(
        default=200,
        ge=1,
        description="Pivot vertices of the sampled betweenness",
    )
    reach_max_targets: int = Field(
        default=4_096,
        ge=0,
        description="Above this many strongly connected components, the mesoscale reaching "
        "centrality counts reach to this many sampled actors (0: always exact)",
    )

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as e:
            raise InvalidInputError(_one_line(e)) from None

    @model_validator(mode="wrap")
    @classmethod
    def _validate(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> AnalysisOptions:
        """Field checks (types, minimums), then the windows and the content parameters; every
        failure becomes one error whose message names the command-line option."""
        try:
            options = handler(data)
        except ValidationError as e:
            raise PydanticCustomError(
                "analysis_options", "{message}", {"message": _describe(e)}
            ) from None
        try:
            options.window_spec()
            options.mesoscale_window_spec()
            options.content_params()
            if 0 < options.role_fit_actors < MIN_ROLE_FIT_ACTORS:
                raise InvalidInputError(
                    f"--role-fit-actors must be 0 (fit on every actor) or at least "
                    f"{MIN_ROLE_FIT_ACTORS}; got {options.role_fit_actors}"
                )
        except InvalidInputError as e:
            raise PydanticCustomError(
                "analysis_options", "{message}", {"message": str(e)}
            ) from None
        return options

    @classmethod
    def from_mapping(cls, values: dict[str, Any] | None) -> AnalysisOptions:
        """Options from a mapping of field names to values (absent fields: defaults).

        Raises
        ------
        InvalidInputError
            As the constructor.
        """
        return cls(**(values or {}))

    def replace(self, **changes: Any) -> AnalysisOptions:
        """A copy with ``changes`` applied, validated like a new object.

        Raises
        ------
        InvalidInputError
            As the constructor.
        """
        return type(self)(**{**self.model_dump(), **changes})

    def non_defaults(self) -> dict[str, Any]:
        """The fields whose value differs from the default, by name."""
        return {
            name: value
            for name, value in self.model_dump().items()
            if value != type(self).model_fields[name].default
        }

    # ------------------------------------------------------------------ parsed views

    def window_spec(self) -> Any:
        """:class:`netdyn.analytics.windows.WindowSpec` of ``window`` and ``window_step``.

        Raises
        ------
        InvalidInputError
            If a duration does not parse or the step exceeds the width; the message starts
            with ``--window:`` or ``--window-step:``.
        """
        from netdyn.analytics.windows import WindowSpec

        try:
            return WindowSpec.parse(self.window, self.window_step)
        except InvalidInputError as e:
            flag = "--window-step" if "step" in str(e) else "--window"
            raise InvalidInputError(f"{flag}: {e}") from None

    def mesoscale_window_spec(self) -> Any:
        """:class:`netdyn.analytics.windows.WindowSpec` of ``mesoscale_window`` (tumbling).

        Raises
        ------
        InvalidInputError
            If the duration does not parse; the message starts with ``--mesoscale-window:``.
        """
        from netdyn.analytics.windows import WindowSpec

        try:
            return WindowSpec.parse(self.mesoscale_window)
        except InvalidInputError as e:
            raise InvalidInputError(f"--mesoscale-window: {e}") from None

    def content_params(self) -> Any:
        """:class:`netdyn.analytics.content_cascades.ContentParams` of ``ngram`` and
        ``min_adopters`` (the other content parameters at their defaults).

        Raises
        ------
        InvalidInputError
            If :class:`~netdyn.analytics.content_cascades.ContentParams` refuses them.
        """
        from netdyn.analytics.content_cascades import ContentParams

        try:
            return ContentParams(n=self.ngram, min_adopters=self.min_adopters)
        except InvalidInputError as e:
            raise InvalidInputError(f"--ngram / --min-adopters: {e}") from None

    def to_parameters(self) -> dict[str, Any]:
        """The options as ``runs.parameters`` records them (plain JSON values).

        Two analyses of unchanged events with equal parameters have equal results, so
        ``netdyn compare`` reuses a completed analysis whose parameters equal these
        (:func:`netdyn.flows.compare.reusable_analysis`).

        Returns
        -------
        dict
            ``n_bootstrap``, ``seed``, ``window`` (width, step and kind), ``top_k``,
            ``content`` (the content-cascade parameters; the stopwords as their count),
            ``nulls`` (``core_periphery``, ``roles``, ``rich_club``, ``mesoscale``),
            ``mesoscale_window`` (width, step and kind) and ``approximations`` (the size
            limits above which a documented approximation is used).
        """
        content = self.content_params()
        return {
            "n_bootstrap": self.n_bootstrap,
            "seed": self.seed,
            "window": self.window_spec().to_dict(),
            "top_k": self.top_k,
            "content": {k: v for k, v in content.to_dict().items() if k != "stopwords"}
            | {"stopwords": f"{len(content.stopwords)} words (analytics.content_cascades)"},
            "nulls": {
                "core_periphery": self.cp_nulls,
                "roles": self.role_nulls,
                "rich_club": self.rich_club_nulls,
                "mesoscale": self.mesoscale_nulls,
            },
            "mesoscale_window": self.mesoscale_window_spec().to_dict(),
            "approximations": {
                "exposure_max_pairs": self.exposure_max_pairs,
                "role_fit_actors": self.role_fit_actors,
                "betweenness_exact_max_actors": self.betweenness_exact_max_actors,
                "betweenness_pivots": self.betweenness_pivots,
                "reach_max_targets": self.reach_max_targets,
            },
        }

    def exposure_pair_limit(self) -> int | None:
        """``exposure_max_pairs`` as the analysis takes it: None for 0 (no limit)."""
        return self.exposure_max_pairs or None


#: The default options (every field at its default), built without validating them: validation
#: imports the window and content parsers (polars, igraph), which would cost every command a
#: second at start-up. The tests check ``DEFAULT_ANALYSIS == AnalysisOptions()``.
DEFAULT_ANALYSIS: Final = AnalysisOptions.model_construct()


def minimum(name: str) -> int | None:
    """The smallest value the field ``name`` of :class:`AnalysisOptions` accepts.

    Parameters
    ----------
    name : str
        A field name, e.g. ``"cp_nulls"``.

    Returns
    -------
    int or None
        The minimum (the field's ``ge`` constraint), or None for a field without one.

    Examples
    --------
    >>> minimum("mesoscale_nulls"), minimum("window")
    (2, None)
    """
    for item in AnalysisOptions.model_fields[name].metadata:
        value = getattr(item, "ge", None)
        if value is not None:
            return int(value)
    return None


def _describe(error: ValidationError) -> str:
    """One line for every problem of ``error``, naming each option as the command line does."""
    parts = []
    for item in error.errors(include_url=False):
        loc = item.get("loc") or ()
        name = str(loc[0]) if loc else ""
        kind = item["type"]
        got = item.get("input")
        error = (item.get("ctx") or {}).get("error")
        if kind == "analysis_options":  # already described (a nested validation)
            parts.append(item["msg"])
        elif isinstance(error, InvalidInputError):  # raised by __init__ (pydantic's custom init)
            parts.append(str(error))
        elif kind == "extra_forbidden":
            known = ", ".join(AnalysisOptions.model_fields)
            parts.append(f"unknown analysis option {name!r}; the options are {known}")
        elif not name:
            parts.append(
                f"analysis options must be a mapping of option names to values; got {got!r}"
            )
        elif kind == "greater_than_equal":
            parts.append(f"{cli_flag(name)} must be at least {item['ctx']['ge']}; got {got!r}")
        else:
            parts.append(f"{cli_flag(name)}: {item['msg'].lower()}; got {got!r}")
    return "; ".join(parts)


def _one_line(error: ValidationError) -> str:
    return " ".join(_describe(error).split())


def check_n_jobs(n_jobs: int | None, *, name: str = "n_jobs") -> None:
    """Refuse a worker count other than None, -1 or a positive integer.

    Parameters
    ----------
    n_jobs : int or None
        Worker processes for the null models (None or -1: one per core; 1: in this process).
    name : str, default ``"n_jobs"``
        How the message names it (``--n-jobs`` on the command line).

    Raises
    ------
    InvalidInputError
        If ``n_jobs`` is 0 or below -1 (or not an integer).
    """
    if n_jobs is None or n_jobs == -1:
        return
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
        raise InvalidInputError(f"{name} must be >= 1, or -1 / None for every core; got {n_jobs!r}")


def markdown_table() -> str:
    """The README's table of the analysis options, generated from the fields.

    Returns
    -------
    str
        A markdown table, one row per field: the command-line option, the flow parameter
        (a key of :class:`AnalysisOptions`), the default, the minimum and the description.
    """
    lines = [
        "| option | `AnalysisOptions` field | default | minimum | meaning |",
        "|---|---|---|---|---|",
    ]
    for name, field in AnalysisOptions.model_fields.items():
        default = "none" if field.default is None else f"`{field.default}`"
        lowest = minimum(name)
        lines.append(
            f"| `{cli_flag(name)}` | `{name}` | {default} | "
            f"{'' if lowest is None else lowest} | {field.description} |"
        )
    return "\n".join(lines) + "\n"
