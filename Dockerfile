# The portal's image: one image for the web server (gunicorn), the Celery worker and Celery beat.
# Build:  docker compose build        (or: docker build -t imdi-portal .)
# See docs/deploy.md for running it.
FROM python:3.11-slim-bookworm

# PYTHONPATH: the source tree in /app is what runs, because settings find templates/, static/
# and locale/ beside the packages (BASE_DIR); /app therefore comes before site-packages.
# PORTAL_VAR_DIR: writable state (uploads, generated reports, the beat schedule) lives in /app/var,
# the volume shared by web and worker. Collected static files belong to the image, outside it.
# WEB_CONCURRENCY: gunicorn's default number of worker processes (override at run time).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=scheme.settings \
    PORTAL_VAR_DIR=/app/var \
    DJANGO_MEDIA_ROOT=/app/var/media \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    WEB_CONCURRENCY=3

# Debian packages: gettext (msgfmt) for compilemessages below; Pango, HarfBuzz and the DejaVu
# fonts (æøå) that WeasyPrint loads at run time to render the PDF reports.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        gettext \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# A fixed, unprivileged user. It owns only /app/var; the code stays read-only to it.
RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin portal

WORKDIR /app

# Dependencies first, read from pyproject.toml (runtime only, no dev extras), so this layer is
# rebuilt only when pyproject.toml changes, not on every code change.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# Install the project itself (its dependencies are already there), compile the translations,
# collect static files and byte-compile. The secret key here is a throwaway that exists only for
# this step; PORTAL_VAR_DIR points at a scratch folder so nothing is left in /app/var.
RUN pip install --no-deps . \
    && rm -rf build ./*.egg-info \
    && mkdir -p locale \
    && DJANGO_DEBUG=0 \
       DJANGO_SECRET_KEY=build-only-throwaway-key-not-used-at-run-time \
       EMAIL_URL=smtp://build.invalid:25 \
       PORTAL_VAR_DIR=/tmp/build-var \
       sh -c 'python manage.py compilemessages -v 0 && python manage.py collectstatic --noinput -v 0' \
    && rm -rf /tmp/build-var \
    && python -m compileall -q /app \
    && mkdir -p /app/var/media \
    && chown -R portal:portal /app/var

USER portal

EXPOSE 8000

# Alive: /health/live answers 200 (scheme/health.py; docker-compose.yml asks /health/ready).
# The request uses the first DJANGO_ALLOWED_HOSTS entry as Host so that Django does not log
# a DisallowedHost error for every probe.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import http.client, os, sys; host = os.environ.get('DJANGO_ALLOWED_HOSTS', 'localhost').split(',')[0].strip().lstrip('.').replace('*', '') or 'localhost'; c = http.client.HTTPConnection('127.0.0.1', 8000, timeout=8); c.request('GET', '/health/live', headers={'Host': host}); sys.exit(c.getresponse().status != 200)"]

CMD ["gunicorn", "scheme.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--worker-tmp-dir", "/dev/shm", \
     "--timeout", "60", \
     "--graceful-timeout", "30", \
     "--max-requests", "1000", \
     "--max-requests-jitter", "100"]
# No gunicorn access log: it would write query strings (searches by name); the portal logs each
# request itself, without them (scheme/logs.py).
