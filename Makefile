# warta — two commands on a fresh machine (Python ≥ 3.11):
#   make demo   install warta and crawl the bundled sample web into archive.db (offline)
#   make test   install warta with its test tools and run ruff + the whole test suite
#   make test-postgres   the same with the PostgreSQL variants, as CI runs it
# `make crawl` crawls every configured real site (needs the internet).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# Two pytest-xdist workers (CI has 2 cores): much of the suite waits on crawl processes, brokers
# and servers. --dist loadscope keeps each module in one worker, so a module's shared crawl is
# made once. `make test PYTEST_ARGS=` runs it in one process.
PYTEST_ARGS ?= -n 2 --dist loadscope

.PHONY: install install-test demo crawl test test-postgres lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

demo: install
	$(BIN)/warta db upgrade
	$(BIN)/warta demo

crawl: install
	$(BIN)/warta db upgrade
	$(BIN)/warta crawl

lint: install-test
	$(BIN)/ruff check .

test: install-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# The same as CI: the suite with its PostgreSQL (and, if redis-server is installed, cluster)
# variants, against a throwaway PostgreSQL cluster on 127.0.0.1 (needs PostgreSQL installed).
test-postgres: install-test
	.ci/with-services $(MAKE) test

bench: install-test
	$(BIN)/python bench/realpages_f1.py
	$(BIN)/python bench/tagging_eval.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
