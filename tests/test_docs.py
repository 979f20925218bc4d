"""docs/tables.md documents exactly the tables a fresh database has.

A new database (``netdyn.store.db.connect`` applies every ``sql/schema`` migration) is compared
with the markdown: every base table and every column is documented with its DuckDB type and
a meaning, nothing documented is missing from the database, and each table's documented key
is its primary key. Views (``stg_*``, ``mart_*``) are documented in docs/sql.md instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from netdyn.store.db import connect

TABLES_MD = Path(__file__).resolve().parents[1] / "docs" / "tables.md"

_SECTION = re.compile(r"^### `(\w+)`\s*$", re.M)
_ROW = re.compile(r"^\| `(\w+)` \| ([A-Z][A-Z ]*(?:\[\])?) \| (.+?) \|\s*$")
_KEY_SPAN = re.compile(r"`(\(?[a-z_][a-z0-9_, ]*\)?)`")
#: Short spellings the document uses for DuckDB's type names.
_TYPE_ALIASES = {"TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE"}


def parse_tables(text: str) -> dict[str, dict]:
    """The documented tables: name -> grain and key lines, and (column, type, meaning) rows."""
    starts = [(m.group(1), m.start(), m.end()) for m in _SECTION.finditer(text)]
    tables: dict[str, dict] = {}
    for i, (name, _, body_start) in enumerate(starts):
        end = starts[i + 1][1] if i + 1 < len(starts) else len(text)
        body = text[body_start:end].split("\n## ")[0]  # stop at the next chapter
        assert name not in tables, f"table {name} is documented twice"
        grain = re.search(r"^\*\*Grain:\*\* (.+)$", body, re.M)
        key = re.search(r"^\*\*Key:\*\* (.+)$", body, re.M)
        columns = [
            (m.group(1), _TYPE_ALIASES.get(m.group(2), m.group(2)), m.group(3).strip())
            for line in body.splitlines()
            if (m := _ROW.match(line))
        ]
        tables[name] = {
            "grain": grain.group(1) if grain else None,
            "key": key.group(1) if key else None,
            "columns": columns,
        }
    return tables


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """Base tables of a freshly migrated database: name -> [(column, type)], and the
    primary keys: name -> [column]."""
    con = connect(tmp_path_factory.mktemp("docs") / "fresh.duckdb")
    try:
        tables = [
            r[0]
            for r in con.execute(
                """
                select table_name from information_schema.tables
                where table_type = 'BASE TABLE' and table_schema = 'main'
                  and table_name not like 'stg\\_%' escape '\\'
                  and table_name not like 'mart\\_%' escape '\\'
                order by table_name
                """
            ).fetchall()
        ]
        columns = {
            t: con.execute(
                """
                select column_name, data_type from information_schema.columns
                where table_name = ? and table_schema = 'main' order by ordinal_position
                """,
                [t],
            ).fetchall()
            for t in tables
        }
        keys = dict(
            con.execute(
                "select table_name, constraint_column_names from duckdb_constraints() "
                "where constraint_type = 'PRIMARY KEY'"
            ).fetchall()
        )
    finally:
        con.close()
    return columns, keys


@pytest.fixture(scope="module")
def documented():
    return parse_tables(TABLES_MD.read_text(encoding="utf-8"))


def test_parser_reads_a_known_section():
    text = (
        "## Chapter\n\n### `t`\n\n**Grain:** one row per thing.\n**Key:** `(a, b)`.\n\n"
        "| column | type | meaning |\n|---|---|---|\n| `a` | BIGINT | Count of x. |\n"
        "| `b` | TIMESTAMPTZ | When (UTC). |\n| `c` | VARCHAR[] | Labels. |\n\n## Next\n\ntext\n"
    )
    assert parse_tables(text) == {
        "t": {
            "grain": "one row per thing.",
            "key": "`(a, b)`.",
            "columns": [
                ("a", "BIGINT", "Count of x."),
                ("b", "TIMESTAMP WITH TIME ZONE", "When (UTC)."),
                ("c", "VARCHAR[]", "Labels."),
            ],
        }
    }


def test_every_table_is_documented_and_nothing_else(database, documented):
    columns, _ = database
    assert len(columns) >= 37  # the 37 tables of migrations 001-009
    missing = sorted(set(columns) - set(documented))
    extra = sorted(set(documented) - set(columns))
    assert not missing, f"tables missing from docs/tables.md: {missing}"
    assert not extra, f"docs/tables.md documents tables the database lacks: {extra}"


def test_every_column_is_documented_with_its_type(database, documented):
    columns, _ = database
    problems = []
    for table, actual in columns.items():
        doc = [(name, kind) for name, kind, _ in documented[table]["columns"]]
        if doc != actual:
            missing = [c for c in actual if c not in doc]
            extra = [c for c in doc if c not in actual]
            problems.append(f"{table}: missing {missing}, documented but absent {extra}")
    assert not problems, "docs/tables.md is out of date:\n" + "\n".join(problems)


def test_every_table_states_grain_key_and_meanings(database, documented):
    _, keys = database
    for table, doc in documented.items():
        assert doc["grain"] and doc["grain"].startswith("one row per"), table
        assert doc["key"], f"{table}: no **Key:** line"
        spans = _KEY_SPAN.findall(doc["key"])
        assert spans, f"{table}: the key names no columns"
        names = {c for c, _, _ in doc["columns"]}
        first = [c.strip() for c in spans[0].strip("()").split(",")]
        assert set(first) <= names, f"{table}: key {first} names unknown columns"
        if table in keys:
            assert first == list(keys[table]), f"{table}: documented key {first}, PK {keys[table]}"
        for column, _, meaning in doc["columns"]:
            assert len(meaning.split()) >= 2, f"{table}.{column} has no meaning"


def test_units_are_stated_for_durations_and_times(documented):
    for table, doc in documented.items():
        for column, kind, meaning in doc["columns"]:
            if column.endswith("_seconds"):
                assert kind == "DOUBLE" and "second" in meaning.lower(), (table, column)
            if kind == "TIMESTAMP WITH TIME ZONE":
                assert "UTC" in meaning, (table, column)


_DOCUMENTS = [
    Path(__file__).resolve().parents[1] / "README.md",
    *sorted((Path(__file__).resolve().parents[1] / "docs").glob("*.md")),
]
_DOTTED = re.compile(r"`(netdyn(?:\.[A-Za-z_][A-Za-z0-9_]*)+)(?:\(\))?`")
_FILES = {"duckdb", "wal", "html", "json", "toml", "sql"}
_PATH = re.compile(r"`((?:analytics|flows|ingest|sim|netdyn|sql|tests|benchmarks)/[\w./-]*)`")


def _resolves(dotted: str) -> bool:
    import importlib

    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for attr in parts[i:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


@pytest.mark.parametrize("document", _DOCUMENTS, ids=lambda p: p.name)
def test_every_module_and_function_the_docs_name_exists(document):
    """A module moved or renamed must be renamed in the README and docs/ too."""
    text = document.read_text(encoding="utf-8")
    # file names such as `netdyn.duckdb` are not modules
    names = sorted({n for n in _DOTTED.findall(text) if n.rsplit(".", 1)[-1] not in _FILES})
    missing = [name for name in names if not _resolves(name)]
    assert missing == [], f"{document.name} names what does not exist: {missing}"


@pytest.mark.parametrize("document", _DOCUMENTS, ids=lambda p: p.name)
def test_every_path_the_docs_name_exists(document):
    root = Path(__file__).resolve().parents[1]
    text = document.read_text(encoding="utf-8")
    paths = sorted({p.rstrip("/.") for p in _PATH.findall(text) if "<" not in p and "*" not in p})
    missing = [p for p in paths if not (root / p).exists()]
    assert missing == [], f"{document.name} names paths that do not exist: {missing}"
