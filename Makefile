# 零直排 (zdz): `make run` starts everything on embedded defaults; `make test` runs the checks and tests.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install system-deps proto lint format buf-lint unit integration e2e bench clean

$(STAMP): requirements.txt constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	$(PY) scripts/link_paths.py
	@touch $(STAMP)

install: $(STAMP)

system-deps:
	@bash scripts/system_deps.sh

proto: $(STAMP)
	@$(PY) scripts/gen_protos.py

run: proto
	@$(PY) -m zdz_local.run

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

test: proto lint buf-lint system-deps
	$(VENV)/bin/pytest -q

bench: proto
	@$(PY) -m bench

clean:
	rm -rf gen .pytest_cache .ruff_cache
