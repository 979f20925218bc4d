# netdyn: the two set-up commands of the README are `make run` and `make test`.
# Both create ./.venv on first use and install netdyn with pinned dependencies.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: install run test lint format clean wheel-check

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## The main job on the embedded default: simulate ~100,000 events, analyse, write a report.
run: $(STAMP)
	$(BIN)/netdyn run

## Lint, format check, and the whole test suite (what CI runs), one worker per core
## (pytest-xdist; a file's tests stay together, so its module fixtures are built once).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n auto --dist loadfile

## Build the wheel, install it in a fresh virtualenv outside the checkout, run `netdyn run`.
wheel-check: $(STAMP)
	bash .ci/wheel-check

lint: $(STAMP)
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) reports netdyn.duckdb netdyn.duckdb.wal netdyn.duckdb.watch-hashes.json .pytest_cache .ruff_cache
