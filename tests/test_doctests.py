"""The docstring examples of every module of the netdyn distribution, run by installed name.

Not ``pytest --doctest-modules``: the folders ``analytics/``, ``flows/``, ``ingest/`` and
``sim/`` install as ``netdyn.analytics`` … through the package-dir mapping of pyproject.toml,
and pytest imports a collected file by its path (``analytics.power_law``), which makes a
second copy of the module beside ``netdyn.analytics.power_law``. Here every module is
imported by the name it is installed under, and its examples are run with
:mod:`doctest`'s default options (exact output).

A module passes when no example fails and every ``>>>`` line of its source was run (no
example hidden where doctest cannot find it, none skipped).
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import pkgutil
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: Top-level names of the repository's folders; importable only as ``netdyn.<name>``.
MAPPED_FOLDERS = ("analytics", "flows", "ingest", "sim", "sql")


def distribution_packages() -> list[str]:
    """The packages of the distribution, as ``[tool.setuptools] packages`` lists them."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return list(config["tool"]["setuptools"]["packages"])


def package_contents(package: str) -> list[pkgutil.ModuleInfo]:
    """The modules and subpackages directly inside ``package`` (not importing them)."""
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.submodule_search_locations is not None, package
    return list(pkgutil.iter_modules(spec.submodule_search_locations, f"{package}."))


def is_code(package: str) -> bool:
    """Whether ``package`` has an ``__init__.py`` (not a folder of data such as sql/schema)."""
    spec = importlib.util.find_spec(package)
    return spec is not None and spec.origin not in (None, "namespace")


def distribution_modules() -> list[str]:
    """Every module of the distribution by its installed name, packages included."""
    names = set()
    for package in filter(is_code, distribution_packages()):
        names.add(package)
        names.update(info.name for info in package_contents(package))
    return sorted(names)


def example_lines(module) -> int:
    """Lines of the module's source that start an example (``>>>``)."""
    source = Path(module.__file__).read_text(encoding="utf-8")
    return sum(1 for line in source.splitlines() if line.lstrip().startswith(">>>"))


def test_every_subpackage_is_a_distribution_package():
    listed = set(distribution_packages())
    for package in listed:
        for info in package_contents(package):
            assert not info.ispkg or info.name in listed, (
                f"{info.name} is a package folder that pyproject.toml does not install"
            )


@pytest.mark.parametrize("name", distribution_modules())
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    # the same file must not also be loaded under its folder's name (analytics.power_law)
    copies = [
        other
        for other, loaded in list(sys.modules.items())
        if other != name and getattr(loaded, "__file__", None) == module.__file__
    ]
    assert not copies, f"{name} is loaded a second time as {copies}"
    assert not [m for m in sys.modules if m.partition(".")[0] in MAPPED_FOLDERS]

    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(verbose=False, optionflags=0)
    report: list[str] = []
    for test in finder.find(module, name):
        runner.run(test, out=report.append)
    failed, attempted = runner.summarize(verbose=False)
    assert failed == 0, "".join(report)
    n_lines = example_lines(module)
    assert attempted == n_lines, (
        f"{name}: {attempted} examples ran but its source has {n_lines} '>>>' lines "
        "(an example is skipped or where doctest does not look)"
    )
