# Rendezvous — the two commands: `make run` and `make test` (plus `make bench`).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres

.PHONY: run test bench lint db demo assets postgres redis chromium node wrk clean

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
	RENDEZVOUS_BASE_URL=http://$(HOST):$(PORT) $(BIN)/rendezvous demo

## the widget bundle: brython.js, the packaged widget, its CSS (hashed, gzipped)
assets: $(VENV)/.installed
	$(BIN)/rendezvous build-assets

## make run: install, migrate the SQLite database under instance/, load the demo, serve, and
## send mail with `rendezvous worker` beside the server (.eml files under instance/mail/).
## The demo host's sample agenda is served by this server on $(HOST), so calendar URLs on
## this machine are let through (RENDEZVOUS_CALENDAR_ALLOW_PRIVATE_HOSTS; SPEC §5).
run: assets demo
	@echo "Serving on http://$(HOST):$(PORT)/ with the outbox worker beside it (Ctrl-C stops both)"
	@export RENDEZVOUS_BASE_URL=http://$(HOST):$(PORT) RENDEZVOUS_CALENDAR_ALLOW_PRIVATE_HOSTS=1; \
		$(BIN)/rendezvous worker & worker=$$!; \
		trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
		$(BIN)/rendezvous serve --bind $(HOST):$(PORT)

## make test: install test dependencies, make sure PostgreSQL is up, run everything on both databases.
test: $(VENV)/.installed-test postgres redis chromium node assets
	$(BIN)/ruff check .
	npm test --silent
	$(BIN)/python -m pytest -n 2 --dist loadgroup --durations=15

postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start || \
		{ echo "PostgreSQL is not running and could not be started"; exit 1; }
	@for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; \
		echo "PostgreSQL did not come up"; exit 1

## Redis for the shared rate-limit counters' tests (DEVELOPERS.md); it keeps nothing on disk.
redis:
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || \
		redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
			--dir /var/lib/redis --logfile /var/log/redis/ci.log || \
		{ echo "Redis is not running and could not be started"; exit 1; }
	@for i in 1 2 3 4 5 6 7 8 9 10; do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && exit 0; sleep 1; done; \
		echo "Redis did not come up"; exit 1

## Debian's Chromium for the browser tests (Playwright drives it; never `playwright install`).
chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	@test -x /usr/bin/chromium || { echo "Chromium is missing: apt-get install chromium"; exit 1; }

## node packages for the loader's tests and the browser tests (axe-core)
node: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

## Debian's wrk, the load generator of the GET slots benchmark (bench_slots_load.py)
wrk:
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	@command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }

## make bench: one JSON line per figure (name, median, unit).
bench: $(VENV)/.installed-test postgres redis chromium node assets wrk
	@for script in tests/benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done

lint: $(VENV)/.installed-test
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) *.egg-info instance
