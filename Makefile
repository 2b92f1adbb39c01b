# Balancer: `make run` serves the dashboard on a bundled sample; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: install run test test-unit test-app test-browser lint bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

run: install
	$(VENV)/bin/streamlit run app.py --server.port $(PORT)

test: install
	$(PY) -m pytest -q tests

test-unit: install
	$(PY) -m pytest -q tests/unit

test-app: install
	$(PY) -m pytest -q tests/app

test-browser: install
	$(PY) -m pytest -q tests/browser

lint: install
	$(VENV)/bin/ruff check balancer ui pages app.py tests benchmarks
	$(VENV)/bin/mypy

bench: install
	$(PY) benchmarks/bench_export.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
