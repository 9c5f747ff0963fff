# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-runtime-role e2e serve worker collectstatic install install-dev migrate messages makemessages fonts lint bandit format check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Compiled catalogues are committed; recompile when gettext is there so edits to .po show.
messages: install
	@if command -v msgfmt >/dev/null 2>&1; then \
		$(BIN)/python manage.py compilemessages --ignore=$(VENV) -v 0; \
	else echo "msgfmt not found: using the committed .mo files"; fi

makemessages: install
	$(BIN)/python manage.py makemessages -l ar -l en --ignore=$(VENV) --ignore=staticfiles --no-obsolete

## Migrations, the release step: as DATABASE_MIGRATION_URL's role (the schema's owner; default
## DATABASE_URL's), one machine at a time (a PostgreSQL advisory lock), then DATABASE_URL's
## runtime role is granted its tables (README "Database roles", decision 131).
migrate: install
	$(BIN)/python manage.py migrate_locked -v 0

## The portal on http://127.0.0.1:8000 (SQLite, SMS printed to this console).
run: install messages migrate
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## Production: gunicorn (WEB_CONCURRENCY workers, default one per core) with WhiteNoise; set
## DJANGO_DEBUG=0, SECRET_KEY, DATABASE_URL, REDIS_URL, ... (README, "Production").
## It migrates only as a role that owns the schema (DATABASE_MIGRATION_URL, or a single-role
## DATABASE_URL); given the runtime role alone it waits for the release step (`make migrate`).
## gunicorn never gets DATABASE_MIGRATION_URL.
serve: install messages collectstatic
	$(BIN)/python manage.py migrate_locked --wait -v 0
	env -u DATABASE_MIGRATION_URL $(BIN)/gunicorn -c gunicorn.conf.py

## Production: the task worker (SMS after commit), any number of them beside the web processes.
## It waits until the schema is migrated (by `make serve` or the release step), never migrates.
worker: install
	@until out=$$($(BIN)/python manage.py migrate --check 2>&1); do \
		echo "worker: waiting for migrations: $$(echo "$$out" | tail -n 1)"; sleep 2; done
	env -u DATABASE_MIGRATION_URL $(BIN)/python manage.py db_worker --queue-name '*' --no-reload

collectstatic: install
	$(BIN)/python manage.py collectstatic --no-input -v 0

## The whole test suite.
test: install-dev
	$(BIN)/python -m pytest

## Production behaviour under the runtime role (PostgreSQL): with DATABASE_URL naming the runtime
## role and DATABASE_MIGRATION_URL the owner (allowed to create databases), the owner makes and
## migrates the test database and every test then runs as the runtime role (.ci/run does this).
RUNTIME_ROLE_TESTS := tests/test_database_roles.py tests/test_registration_wizard.py \
	tests/test_otp.py tests/test_signin.py tests/test_account_pages.py tests/test_sessions.py \
	tests/test_password_reset.py tests/test_activation_api.py tests/test_worker.py \
	tests/test_notices.py tests/test_expiry.py tests/test_admin.py \
	tests/test_twilio_status_callback.py tests/test_sms_delivery_records.py \
	tests/test_bank_commands.py tests/test_session_list.py tests/test_session_suspension.py
test-runtime-role: install-dev
	@test -n "$$DATABASE_MIGRATION_URL" || { echo "set DATABASE_MIGRATION_URL (the owner)"; exit 2; }
	$(BIN)/python -m pytest $(RUNTIME_ROLE_TESTS)

## Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium; `apt-get install
## chromium`, never `playwright install`) against a production-like gunicorn it starts itself.
## E2E_SCREENSHOT_DIR=docs/screenshots writes the screenshots into the repository.
e2e: install-dev
	$(BIN)/python -m pytest tests/e2e -m e2e

## Benchmarks (issue 8; README "Benchmarks"): the production set-up on loopback (gunicorn, one
## worker per core, PostgreSQL, Redis, db_worker) driven by locust, beside references measured in
## the same run. Needs PostgreSQL on 127.0.0.1:5432 (user postgres) and Redis on 6379; writes
## docs/bench/results.{json,png}. BENCH_DB, BENCH_DB_LARGE, BENCH_REDIS_URL, BENCH_LARGE override;
## the servers get free ports unless BENCH_PORT pins them.
.PHONY: bench bench-smoke bench-install bench-runs bench-farm bench-concurrency bench-profile
$(VENV)/.installed-bench: bench/requirements.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r bench/requirements.txt
	touch $@

bench/peers/.venv/.installed: bench/peers/requirements.txt
	$(PYTHON) -m venv bench/peers/.venv
	bench/peers/.venv/bin/pip install --quiet -r bench/peers/requirements.txt
	touch $@

bench-install: $(VENV)/.installed-bench bench/peers/.venv/.installed

## The whole suite: about 15 minutes, plus seeding a million accounts the first time.
bench: bench-install
	$(BIN)/python -m bench.run

## The same code path, seconds per phase and a few thousand accounts (CI keeps it from rotting).
bench-smoke: bench-install
	$(BIN)/python -m bench.run --smoke

## Three full runs, each kept in docs/bench/runs/, then their median as docs/bench/results.json
## and .png: the README's figures (issue 16 asks for the median of at least three).
RUNS ?= 3
bench-runs: bench-install
	mkdir -p docs/bench/runs
	for n in $$(seq 1 $(RUNS)); do $(BIN)/python -m bench.run && \
		cp docs/bench/results.json docs/bench/runs/results-$$n.json || exit 1; done
	$(BIN)/python -m bench.median results docs/bench/runs/results-*.json

## Two gunicorns behind the portal's nginx, through PgBouncer, against one gunicorn straight
## to PostgreSQL, on the bank API in the same run (issue 16 item 5; docs/bench/farm.json).
bench-farm: bench-install
	$(BIN)/python -m bench.farm

## Which gunicorn model (sync 1/2/4 per core, gthread 2/4/8 threads) serves registrations and
## bank confirmations best, measured in one run (issue 16; docs/bench/concurrency.json).
bench-concurrency: bench-install
	$(BIN)/python -m bench.concurrency

## Flame graphs (py-spy) of one phase under load: PHASE=register|bank LABEL=before|after
## writes docs/bench/flame-$(PHASE)-$(LABEL).svg (issue 16).
PHASE ?= register
LABEL ?= now
bench-profile: bench-install
	$(BIN)/python -m bench.profile $(PHASE) $(LABEL)

## The web font (static/fonts/, committed): cut again from the npm package by fontTools. Needs
## npm and the network; `make run`, `make test` and CI never run it (decision 141).
fonts: install-dev
	$(BIN)/python tools/build_fonts.py

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bandit: install-dev
	$(BIN)/bandit -q -r accounts activation absher_portal authenticator passkeys security housekeeping -c pyproject.toml

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache
