# Shopfloor: `make run` to try it, `make test` to check it. See README.md.
PYTHON ?= python3
VENV   := .venv
LABVENV := .venv-lab
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
PYTEST_ARGS ?=
TEST_WORKERS ?= 2
BENCH_ARGS ?=
LAB_SEEDS ?= 20

.PHONY: run preview test test-db setup setup-dev system-deps system-deps-test lint vendor clean bench-curriculum bench-lab bench-plcsim bench-workspace bench-workspace-browser bench-mastery bench-credentials bench-verify-page bench-load

## run: set everything up, migrate, load the curriculum and demo data, serve on http://127.0.0.1:5000
run: export SHOPFLOOR_PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask curriculum sync
	$(BIN)/flask labs build
	SHOPFLOOR_DEV_MODE=true $(BIN)/flask seed-demo
	@echo "\nShopfloor is starting on http://$(HOST):$(PORT)  (Ctrl+C stops it)\n"
	SHOPFLOOR_DEV_MODE=true $(BIN)/flask run --host $(HOST) --port $(PORT)

## preview: serve curricula/ and labs/ with live reload and problems shown inline, as you edit
## them (flask curriculum preview, on http://127.0.0.1:5001; open the link it prints)
preview: setup
	SHOPFLOOR_DEV_MODE=true $(BIN)/flask curriculum preview --host $(HOST)

## test: set up the test tools (Chromium included), lint, and run the whole suite on SQLite:
## browser and kernel tests one at a time, beside the others on $(TEST_WORKERS) processes; with
## TEST_DATABASE_URL set, the tests that use a database again on PostgreSQL; then the shipped
## labs on two seeds (scripts/test.sh)
test: setup-dev
	TEST_WORKERS=$(TEST_WORKERS) PYTEST_ARGS="$(PYTEST_ARGS)" scripts/test.sh

## test-db: the tests that use a database, browser and kernel tests aside (CI runs them again
## on PostgreSQL); tests/conftest.py selects them by the fixtures they use
test-db: setup-dev
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not e2e and not kernel" --database-only $(PYTEST_ARGS)

## lint: ruff over the code base
lint: setup-dev
	$(BIN)/ruff check app plcsim tests migrations wsgi.py benchmarks
	$(BIN)/ruff format --check app plcsim tests wsgi.py benchmarks

## bench-cli: start-up of the `flask` command (flask --help) against `import flask`
.PHONY: bench-cli
bench-cli: setup
	$(BIN)/python benchmarks/cli_startup.py $(BENCH_ARGS)

## check-labs: the labs' robustness pass on learner seeds 1 to LAB_SEEDS (20): on every seed each
## lab's reference earns full marks, its learner version zero, and each of its pitfalls loses
## points (labs/README.md, "Pitfalls"); CI runs 2 seeds (tests/sandbox/test_shipped_labs.py)
.PHONY: check-labs
check-labs: setup
	SHOPFLOOR_DEV_MODE=true $(BIN)/flask labs check --seeds $(LAB_SEEDS)

# Bytecode compiled ahead (only stale files are rewritten): the `flask` command and every
# process start without compiling the app, also where PYTHONDONTWRITEBYTECODE is set.
setup: system-deps $(VENV)/.installed-runtime $(LABVENV)/.installed
	@$(BIN)/python -m compileall -q app plcsim wsgi.py
setup-dev: system-deps-test $(VENV)/.installed-dev $(LABVENV)/.installed
	@$(BIN)/python -m compileall -q app plcsim wsgi.py

system-deps:
	@scripts/system-deps.sh

system-deps-test:
	@scripts/system-deps.sh --test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs are pinned by constraints.txt, so every machine gets the same versions.
$(VENV)/.installed-runtime: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@ $(VENV)/.installed-runtime

## bench-curriculum: validate, sync and render a generated 500-lesson curriculum
bench-curriculum: setup-dev
	$(BIN)/python benchmarks/curriculum.py

# The Python that learners' lab kernels run (numpy, pandas, ...), kept apart from the app's.
$(LABVENV)/.installed: requirements-lab.txt
	test -x $(LABVENV)/bin/python || $(PYTHON) -m venv $(LABVENV)
	$(LABVENV)/bin/python -m pip install --quiet --upgrade pip
	$(LABVENV)/bin/python -m pip install --quiet -r requirements-lab.txt
	touch $@

## bench-lab: cold unsandboxed vs cold sandboxed vs pool-warm grading of a 10-cell lab
bench-lab: setup-dev
	$(BIN)/python benchmarks/lab_engine.py

## bench-plcsim: simulate an 8-hour shift and export its historian
bench-plcsim: setup-dev
	$(LABVENV)/bin/python benchmarks/plcsim_shift.py

## bench-workspace: 20 learners at once running cells in their own kernels and submitting
bench-workspace: setup-dev
	$(BIN)/python benchmarks/lab_workspace.py

## bench-workspace-browser: one learner's warm cell round trip in Chromium, click to output
bench-workspace-browser: setup-dev
	$(BIN)/python benchmarks/workspace_browser.py

## vendor: refresh app/static/vendor from the npm packages pinned in package.json
vendor:
	scripts/vendor-assets.sh

clean:
	rm -rf $(VENV) $(LABVENV) node_modules tests/artifacts *.egg-info

## bench-mastery: competency map, 30-learner heatmap and CSV exports on 10,000 apprentices and 1,000,000 evidence records (SQLite and PostgreSQL)
bench-mastery: setup-dev
	$(BIN)/python benchmarks/mastery.py $(BENCH_ARGS)

## bench-credentials: issue and verify 1,000 OB 3.0 credentials: p50/p95 sign and verify, cold and warm, against an eddsa-jcs-2022 floor
bench-credentials: setup-dev
	$(BIN)/python benchmarks/credentials.py $(BENCH_ARGS)

## bench-verify-page: the employer's verification page: p50/p95 of POST /api/verify and a 1,000-row CSV list end to end, against calling the verifier directly
bench-verify-page: setup-dev
	$(BIN)/python benchmarks/verify_page.py $(BENCH_ARGS)

## bench-program: the state program dashboard on a generated 10,000-apprentice program (SQLite and PostgreSQL), p50/p95 against a trivial signed-in page; the 30-learner gradebook and roster import preview too, once their pages exist
.PHONY: bench-program
bench-program: setup-dev
	$(BIN)/python benchmarks/bench_program.py $(BENCH_ARGS)

## bench-roster: a 10,000-row roster import (read, preview, confirm, re-run) in rows per second, against csv.reader alone
.PHONY: bench-roster
bench-roster: setup-dev
	$(BIN)/python benchmarks/bench_roster.py $(BENCH_ARGS)

## bench-grading: Submit → graded on a shipped lab with the reference computed ahead, beside the run, and first, against the learner's notebook run alone
.PHONY: bench-grading
bench-grading: setup-dev
	$(BIN)/python benchmarks/grading_turnaround.py $(BENCH_ARGS)

## bench-load: Locust on loopback: 200 learners reading lessons, 40 running cells, 50 submitting within a minute, embedded and distributed side by side (latency, errors, cell round trip, grading turnaround and throughput; lesson page and dashboard req/s against a hello-world); BENCH_ARGS=--quick for a small run
bench-load: setup-dev
	$(BIN)/python benchmarks/load.py $(BENCH_ARGS)

## run-distributed: PostgreSQL + Redis + gunicorn + 2 Celery grading workers + beat on this machine (see docs/operations.md)
.PHONY: run-distributed
run-distributed: setup
	scripts/run-distributed.sh
