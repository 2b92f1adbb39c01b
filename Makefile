# Balancer: `make run` serves the dashboard on a bundled sample; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: install chromium java postgres run test test-fast test-unit test-app test-browser lint bench bench-quick bench-spark load container-test clean lock

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-spark.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

# The browser tests drive Debian's Chromium (Playwright's own browser download does not work here).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "installing Debian's chromium for the browser tests"; \
		SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO="sudo"; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

# The Spark engine's tests start Spark on local[2]; Spark needs Java 17 or newer.
java:
	@if ! command -v java >/dev/null 2>&1 && [ -z "$$JAVA_HOME" ]; then \
		echo "installing Debian's OpenJDK 17 for the Spark engine's tests"; \
		SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO="sudo"; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	fi

# The run store's tests start a throwaway PostgreSQL server with Debian's initdb and pg_ctl
# (tests/unit/postgres.py); without them those tests fail unless BALANCER_SKIP_POSTGRES=1.
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then \
		echo "installing Debian's PostgreSQL for the run store's tests"; \
		SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO="sudo"; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; \
	fi

# The upload limit is one number for Streamlit and the library: BALANCER_MAX_UPLOAD_MB (MB).
BALANCER_MAX_UPLOAD_MB ?= 500
export BALANCER_MAX_UPLOAD_MB

# `make run` listens on this machine only; `make run ADDRESS=0.0.0.0` serves every interface.
ADDRESS ?= 127.0.0.1

run: install
	$(VENV)/bin/streamlit run serve.py --server.address $(ADDRESS) --server.port $(PORT) --server.maxUploadSize $(BALANCER_MAX_UPLOAD_MB)

test: install chromium java postgres
	$(PY) -m pytest -q tests

# The fast lane, about 2 minutes: every library and dashboard test not marked slow (no Spark, so no
# Java; no browser). `make test` still runs everything.
test-fast: install postgres
	$(PY) -m pytest -q -m "not slow" tests/unit tests/app

test-unit: install java postgres
	$(PY) -m pytest -q tests/unit

test-app: install
	$(PY) -m pytest -q tests/app

test-browser: install chromium
	$(PY) -m pytest -q tests/browser

lint: install
	$(VENV)/bin/ruff check balancer balancer_command.py ui pages app.py serve.py tests benchmarks scripts
	$(VENV)/bin/mypy

# Every benchmark at full size, each writing its section of benchmarks/RESULTS.md: about 3 hours
# here (the neighbour-based samplers on five tables are most of it). Run nothing beside it.
bench: install
	$(PY) benchmarks/bench_export.py
	$(PY) benchmarks/bench_compare.py
	$(PY) benchmarks/bench_neighbours.py --write
	$(PY) benchmarks/bench_memory.py --timeout 600 --write
	$(PY) benchmarks/imblearn_suite.py --write
	$(PY) benchmarks/bench_job.py

# The same at small sizes (minutes), to see that every benchmark runs; it writes nothing.
bench-quick: install
	$(PY) benchmarks/bench_compare.py --quick --no-write
	$(PY) benchmarks/bench_neighbours.py --quick
	$(PY) benchmarks/bench_memory.py --quick

# Not part of `make bench` (about 15 minutes, 3 GB of disk): 20,000,000 x 20 rows of Parquet balanced
# with --engine spark on local[2] and a 1 GB driver, against the local engine.
bench-spark: install java
	$(PY) benchmarks/bench_spark.py

# Not part of `make test`: 6 concurrent browser sessions for 3 minutes, then 100 sequential ones.
load: install chromium
	$(PY) benchmarks/load_test.py

# Not part of `make test`: builds the image with podman + runc on a locally built base (as root), runs
# it read-only with every capability dropped, and checks it (scripts/container_test.sh).
container-test: install chromium
	bash scripts/container_test.sh

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# The hashed locks the Docker image installs from, for its Python (3.11 on Linux): requirements.lock
# from requirements.txt, requirements-build.lock for pip and setuptools. Rerun after changing
# requirements.txt: pins that still fit are kept; `make lock UPGRADE=1` takes the newest of everything
# not pinned in requirements.txt. Needs uv in the virtualenv (requirements-dev.txt).
LOCK := $(VENV)/bin/uv pip compile --quiet --generate-hashes --python-version 3.11 \
	--python-platform x86_64-unknown-linux-gnu --no-emit-index-url --no-emit-find-links \
	--custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)

lock: install
	@test -x $(VENV)/bin/uv || { echo "uv is not in $(VENV): add it to requirements-dev.txt" >&2; exit 1; }
	$(LOCK) requirements.txt -o requirements.lock
	printf 'pip\nsetuptools>=68\n' | $(LOCK) - -o requirements-build.lock
