# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
PACKAGES := jianguan rules scheduler simulations web
PYTEST_ARGS ?=
# Property tests draw the same cases on every run (tests/random_budget.py): chance never
# decides a build. `make fuzz` draws fresh ones with a large budget and prints the counts.
export HYPOTHESIS_PROFILE ?= ci
# Debian packages beside Python (`make system-deps`, as root; .ci/run installs the same):
# pango and harfbuzz's subsetter for WeasyPrint's PDFs, Noto CJK fonts (embedded in them),
# poppler-utils (pdftotext, pdffonts) for the PDF tests, PostgreSQL and Chromium for the
# backend and browser tests. Without them those tests skip, unless JIANGUAN_REQUIRE_PDF /
# JIANGUAN_REQUIRE_PG / JIANGUAN_REQUIRE_BROWSER is set.
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk \
	poppler-utils postgresql chromium

.PHONY: demo test lint typecheck install install-dev bench fuzz clean system-deps

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert (3, 11) <= sys.version_info[:2] < (3, 13), "Python 3.11 or 3.12 is required (durable_rules)"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

install: $(STAMP)
install-dev: $(DEV_STAMP)

demo: $(STAMP)
	$(BIN)/jianguan demo

lint: $(DEV_STAMP)
	$(BIN)/ruff check $(PACKAGES) tests benchmarks
	$(BIN)/ruff format --check $(PACKAGES) tests benchmarks
	@# Medium and high findings fail the build; each accepted one has a `# nosec BXXX` with its
	@# reason beside it and a line in docs/security.md.
	$(BIN)/bandit -q -r $(PACKAGES) --severity-level medium

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

PEERS_STAMP := $(VENV)/.installed-peers

# The peers a bureau could pick instead (GoRules ZEN, Timefold) for benchmarks/*_peers.py;
# Timefold also needs a JDK 17+ (Debian: openjdk-17-jdk-headless), or plan_peers says why not.
$(PEERS_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[peers]'
	touch $(STAMP) $@

# Every script in benchmarks/ (modules named _*.py are helpers, not scripts).
bench: $(PEERS_STAMP)
	@for script in benchmarks/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# The large random budget: a failure here is a finding (keep it as an @example), not a red build.
fuzz: $(DEV_STAMP)
	$(BIN)/python benchmarks/random_budget.py --sweep

system-deps:
	apt-get install -y $(APT_PACKAGES)

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
