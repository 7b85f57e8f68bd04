# Lantai: the two commands (make run, make test) and the set-up they share (make install).
# Every target installs what is missing and skips what is already there.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.lantai-installed
export LANTAI_DATA_DIR ?= ./var
# Test processes (pytest-xdist): one per core; a test file stays in one process (its fixtures are shared).
TEST_PROCESSES ?= auto

.PHONY: install run test lint lock bench clean help

help:
	@echo "make run      install what is missing, load the samples, serve http://127.0.0.1:8000 with a worker"
	@echo "make test     install what is missing (test services and browser too) and run the whole suite"
	@echo "make install  the set-up alone"
	@echo "make lint     ruff and mypy"
	@echo "make lock     re-resolve requirements.lock from pyproject.toml"
	@echo "make bench    run the benchmarks in bench/"

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock scripts/install-system.sh
	bash scripts/install-system.sh runtime
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { bash scripts/install-system.sh python && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==0.13.8"
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

run: install
	$(BIN)/lantai serve --ingest-samples samples --demo-accounts --host 127.0.0.1 --port 8000

test: install
	bash scripts/install-system.sh test
	bash scripts/ensure-services.sh
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) --dist loadfile $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check archive cli portal indexer ocr config collection lifecycle preservation tests bench
	$(BIN)/mypy archive cli portal indexer ocr config collection lifecycle preservation

lock:
	@test -x $(BIN)/uv || { $(PYTHON) -m venv $(VENV) && $(BIN)/python -m pip install --quiet "uv==0.13.8"; }
	$(BIN)/uv pip compile --quiet --python-version 3.11 --extra dev pyproject.toml -o requirements.lock

bench: install
	bash scripts/install-system.sh test  # the benchmarks draw their pages with Noto CJK fonts
	for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache
