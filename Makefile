# JointEx developer entry points. `make demo` and `make test` are the README's quick start.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python

.PHONY: demo test check lint format bench clean web FORCE

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Re-install only when the project's metadata changes; the install is editable, so code edits need none.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

# The web pages' front-end packages (Leaflet, milsymbol, world-atlas, topojson-client), pinned in
# package-lock.json and served by JointEx itself: `npm ci` again when the lock file changes or
# node_modules has gone (FORCE). A wheel install has no node_modules: run `make web` in a checkout
# and point JOINTEX_WEB_ASSETS at its node_modules.
WEB_STALE := $(if $(wildcard node_modules/.package-lock.json),,FORCE)
$(VENV)/.installed-web: package-lock.json $(WEB_STALE) | $(PY)
	npm ci --no-audit --no-fund
	touch $@

web: $(VENV)/.installed-web

# Browser tests drive Debian's Chromium through Playwright (no browser download). Install it when
# missing and we may (root with apt); otherwise the browser tests skip and say why.
/usr/bin/chromium:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "note: /usr/bin/chromium missing and cannot install it: browser tests will skip"; fi

FORCE:

demo: $(VENV)/.installed $(VENV)/.installed-web
	$(BIN)/jointex demo

check: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src

test: check $(VENV)/.installed-web /usr/bin/chromium
	$(BIN)/pytest -q

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

bench: $(VENV)/.installed-test
	$(PY) benchmarks/bench_sim.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis node_modules test-artifacts
