# Two commands for a fresh machine: `make demo` and `make test`.
# Both create .venv and install the pinned dependencies on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint bench bench-workspace bench-spark fuzz kill-bench calibrate clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Headless Chromium for the report's XSS tests (tests/test_output_safety.py): the distribution's
# package, never a browser download. Stamped only once it is there, so a machine without apt
# retries quietly and those tests skip with a reason.
CHROMIUM_STAMP := $(VENV)/.chromium

$(CHROMIUM_STAMP): $(STAMP)
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends chromium >/dev/null; } >/dev/null 2>&1 || true
	@if command -v chromium >/dev/null 2>&1; then touch $@; \
		else echo "chromium not installed: the browser tests will skip"; fi

# Java 17 for PySpark (tests/test_spark.py): the distribution's headless JRE, stamped like Chromium;
# without it those tests skip with a reason. PySpark itself is in requirements.lock.
JAVA_STAMP := $(VENV)/.java

$(JAVA_STAMP): $(STAMP)
	@command -v java >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null; } >/dev/null 2>&1 || true
	@if command -v java >/dev/null 2>&1; then touch $@; \
		else echo "java not installed: the Spark tests will skip"; fi

demo: $(STAMP)
	$(BIN)/rashomon demo

test: $(STAMP) $(CHROMIUM_STAMP) $(JAVA_STAMP)
	$(BIN)/python -m pytest

# Everything but the tests marked slow (real embedding model, whole pipeline, headless browser).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check rashomon tests bench
	$(BIN)/ruff format --check rashomon tests bench
	$(BIN)/python -m mypy rashomon

bench: $(STAMP)
	$(BIN)/python bench/bench_analyze.py

# Workspace scaling (BENCHMARKS.md "Workspace scaling"): builds 1k/5k/20k real-text articles and
# times ingest, re-ingest, show, export and report at each size. Hours with today's code; keep the
# workspace with KEEP=DIR and re-measure later with `python bench/bench_workspace.py --reuse DIR`.
WS_SIZES ?= 1000 5000 20000
bench-workspace: $(STAMP)
	$(BIN)/python bench/bench_workspace.py --sizes $(WS_SIZES) --full-report $(if $(KEEP),--keep $(KEEP)) \
		--json bench/results/workspace.json

# Spark throughput (BENCHMARKS.md "Spark"): N real-text articles through local[1] and local[2].
SPARK_N ?= 10000
bench-spark: $(STAMP) $(JAVA_STAMP)
	$(BIN)/python bench/bench_spark.py --articles $(SPARK_N)

# Reliability benches (RELIABILITY.md): fuzz every parser, kill ingest/watch at random points.
fuzz: $(STAMP)
	$(BIN)/python bench/fuzz.py --inputs 100000

kill-bench: $(STAMP)
	$(BIN)/python bench/bench_kill.py --trials 50

calibrate: $(STAMP)
	$(BIN)/python bench/calibrate_similarity.py

clean:
	rm -rf $(VENV) rashomon-demo
