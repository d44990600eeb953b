# The two commands: `make run` (the portal with demo data) and `make test` (the whole suite).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint format messages install worker clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

# Compiled translations are build output, made from locale/*/LC_MESSAGES/django.po
# (without the project's settings, which want a secret key outside debug mode).
messages: install
	env -u DJANGO_SETTINGS_MODULE $(BIN)/django-admin compilemessages --ignore '.venv' -v 0

run: export DJANGO_DEBUG ?= 1
run: export TWO_FACTOR_REQUIRED ?= 0
run: messages
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py load_demo
	@echo "Starting a Celery worker and the web server on http://127.0.0.1:8000 (Ctrl-C stops both)."
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/celery -A scheme worker -B -Q default,reports --loglevel=warning --concurrency=1 & worker=$$!; \
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# The OpenID Connect provider the ID-porten tests start, installed from its lock file; without
# npm its tests skip (and fail under REQUIRE_SERVICES=1).
OIDC_PROVIDER := tests/oidc_provider
$(OIDC_PROVIDER)/node_modules/.installed: $(OIDC_PROVIDER)/package-lock.json
	if command -v npm >/dev/null; then \
	  cd $(OIDC_PROVIDER) && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	fi

test: messages lint $(OIDC_PROVIDER)/node_modules/.installed
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker: install
	$(BIN)/celery -A scheme worker -B -Q default,reports --loglevel=info

clean:
	rm -rf var .pytest_cache
