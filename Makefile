# The two commands: `make run` (serve on SQLite with demo data) and `make test` (the whole suite).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# Tests never need a real secret; production refuses to start without one.
TEST_ENV := SECRET_KEY=$${SECRET_KEY:-test-only-secret-key-$$$$-not-for-production}

.PHONY: run test install install-dev env migrate demo serve lint clean

$(VENV)/.installed: requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# First run only: a .env with a generated SECRET_KEY, for serving locally over plain HTTP.
.env:
	@$(PYTHON) -c "import secrets; print('\n'.join(['# Written by make run on first start. See .env.example for every variable.', 'SECRET_KEY=' + secrets.token_urlsafe(50), 'DEBUG=false', '# Local HTTP: cookies cannot be Secure-only and HSTS would pin https.', 'SESSION_COOKIE_SECURE=false', 'CSRF_COOKIE_SECURE=false', 'SECURE_HSTS_SECONDS=0', '# CFDI: the fake PAC (stamps without fiscal value) and the CSD keys\' password.', 'CFDI_PAC=fake', 'CFDI_CSD_PASSWORD=' + secrets.token_urlsafe(16)]))" > .env
	@echo "Wrote .env with a generated SECRET_KEY"

env: .env

migrate: install env
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed --if-empty --schools 3 --students-per-school 25 --months 8 --seed 2026
	$(PY) manage.py demo_users --demo

run: demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "Serving on http://$(HOST):$(PORT)  (admin: /admin/  API docs: /docs  health: /health)"
	$(VENV)/bin/gunicorn config.wsgi:application --bind $(HOST):$(PORT) --graceful-timeout 10

test: install-dev
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

# Benchmark at school-network scale (bench/README.md): make bench [SIZE=tiny|small|large].
# Needs PostgreSQL (BENCH_PG, default postgresql://postgres@127.0.0.1:5432) and wrk (installed here).
SIZE ?= small
.PHONY: bench
bench: install
	@command -v wrk >/dev/null 2>&1 || { echo "installing wrk"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }
	$(PY) -m bench.run --size $(SIZE) $(BENCH_ARGS)
	$(PY) -m bench.fee_runs --size $(SIZE)

# Live fault and HTTP-concurrency tests (docs/operations.md): gunicorn with 4 workers on a private
# PostgreSQL cluster and Redis on spare ports (needs PostgreSQL's server binaries and redis-server).
.PHONY: faults fuzz
faults: install-dev
	$(TEST_ENV) $(PY) -m pytest tests/hardening/live -m faults $(PYTEST_ARGS)

# The schemathesis run of `make test`, longer: more examples per operation plus the coverage phase
# (boundary values of every parameter, undocumented methods).
FUZZ_EXAMPLES ?= 100
FUZZ_COVERAGE ?= 1
fuzz: install-dev
	$(TEST_ENV) FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_COVERAGE=$(FUZZ_COVERAGE) $(PY) -m pytest tests/fuzz $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

# The deployment targets (deploy/aws, deploy/k8s): cfn-lint, kubernetes-validate and checkov, from
# their own venv (.venv-deploy, pins in deploy/requirements.txt). README, "Deploying".
.PHONY: deploy-lint
deploy-lint:
	PYTHON=$(PYTHON) deploy/lint

# Spanish catalogue: collect the strings, fill them from locale/translate_es.py, compile the .mo
# (committed, so serving never needs gettext). Needs gettext: apt-get install gettext.
.PHONY: messages
messages: install
	DEBUG=true SECRET_KEY=messages $(PY) manage.py makemessages -l es --no-location --ignore=".venv/*" \
		--ignore="bench/*" --ignore="tests/*" --ignore="staticfiles/*" --ignore="artifacts/*"
	$(PY) locale/translate_es.py

# What `make run`, the tests and the linters leave behind: static files, the SQLite test databases
# (one per test process, in /tmp), hypothesis' examples, the browser tests' screenshots, caches.
clean:
	rm -rf $(VENV) staticfiles artifacts .hypothesis .import_linter_cache .ruff_cache
	rm -f /tmp/billing-test-*.sqlite3* /tmp/h9-settings-probe.sqlite3*
