# Rendezvous — the two commands: `make run` and `make test` (plus `make bench`).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres

.PHONY: run test bench lint db demo postgres clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

db: $(VENV)/.installed
	$(BIN)/rendezvous init-db

demo: db
	$(BIN)/rendezvous demo

## make run: install, migrate the SQLite database under instance/, load the demo, serve.
run: demo
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl-C stops)"
	RENDEZVOUS_BASE_URL=http://$(HOST):$(PORT) $(BIN)/rendezvous serve --bind $(HOST):$(PORT)

## make test: install test dependencies, make sure PostgreSQL is up, run everything on both databases.
test: $(VENV)/.installed-test postgres
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --dist loadgroup

postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start || \
		{ echo "PostgreSQL is not running and could not be started"; exit 1; }
	@for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; \
		echo "PostgreSQL did not come up"; exit 1

## make bench: one JSON line per figure (name, median, unit).
bench: $(VENV)/.installed-test postgres
	@for script in tests/benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done

lint: $(VENV)/.installed-test
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) *.egg-info instance
