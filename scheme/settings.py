"""Settings for the portal, read from environment variables.

Every variable has an embedded default that runs the demo on one machine: SQLite and files
under ``var/``, Celery on kombu's filesystem transport, e-mail printed to the console.
Production sets ``DJANGO_DEBUG=0`` and the variables listed in the README.
"""

import datetime
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

env = environ.Env()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.str("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for local use).")
    SECRET_KEY = "local-development-only-key-not-for-production-use-7f3a9c1e5b"
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "scheme.apps.SchemeConfig",
    "organisations.apps.OrganisationsConfig",
    "grants.apps.GrantsConfig",
    "mentoring.apps.MentoringConfig",
    "courses.apps.CoursesConfig",
    "reports.apps.ReportsConfig",
    # After the domain apps only so that its demo data loads after theirs (load_demo).
    "scheme.announcements.apps.AnnouncementsConfig",
    "scheme.conversations.apps.ConversationsConfig",  # likewise
    "scheme.records.apps.RecordsConfig",  # likewise
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_prometheus",
    "health_check",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "scheme.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "scheme.middleware.PermissionsPolicyMiddleware",
    "scheme.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "scheme.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "scheme.middleware.IdleSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "scheme.urls"
WSGI_APPLICATION = "scheme.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "scheme.context_processors.portal",
            ],
        },
    },
]
# Django's standard widgets, labels and error lists written in Python (scheme/form_html.py).
FORM_RENDERER = "scheme.form_html.FormRenderer"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0))
# QuerySet.iterator() (a form's choices, the exports) reads its rows in one go instead of through
# a server-side cursor: three round trips fewer for every select on a page, and it works behind
# a transaction-pooling PgBouncer, as managed PostgreSQL often runs (the exports' rows at 10 000
# organisations are a few MB).
DATABASES["default"].setdefault(
    "DISABLE_SERVER_SIDE_CURSORS", not env.bool("DATABASE_SERVER_SIDE_CURSORS", default=False)
)
# PostgreSQL plans a statement the portal sends often once per connection and keeps the plan
# (server-side binding with psycopg's prepared statements): planning the pages' joins cost
# more than running them. Behind a transaction-pooling PgBouncer this needs PgBouncer 1.21 or
# newer with max_prepared_statements set; DATABASE_PREPARED_STATEMENTS=0 turns it off.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DATABASE_PREPARED_STATEMENTS", default=True
):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Files under var/ by default, so the web server and the worker share one cache; Redis in
# production.
CACHES = {"default": env.cache("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Redis briefly down must not fail every page (scheme/cache.py); and it must not hang them.
    CACHES["default"]["BACKEND"] = "scheme.cache.ResilientRedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update(
        socket_connect_timeout=0.5, socket_timeout=0.5
    )

AUTH_USER_MODEL = "scheme.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Caseworkers and admins confirm each login with a code from an authenticator app (TOTP).
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=True)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Tilskuddsportalen")

# Login throttling (django-axes with scheme.auth.LoginThrottle): failed logins within an hour
# of the last one, counted on the e-mail address as login reads it (any case). Reaching a
# limit locks until an hour after the last failure; a new password lifts an account's locks.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_LIMITS = {
    "account_and_client": AXES_FAILURE_LIMIT,  # one address from one client
    "account": env.int("LOGIN_FAILURE_LIMIT_PER_ACCOUNT", default=20),  # from any client
    "client": env.int("LOGIN_FAILURE_LIMIT_PER_CLIENT", default=30),  # over any addresses
}
AXES_HANDLER = "scheme.auth.LoginThrottle"
AXES_LOCKOUT_PARAMETERS = "scheme.auth.lockout_parameters"
AXES_USERNAME_CALLABLE = "scheme.auth.login_username"
AXES_LOCKOUT_CALLABLE = "scheme.auth.locked_out"
AXES_COOLOFF_TIME = datetime.timedelta(hours=1)
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True  # only the account's failures from that client (scheme.auth)
# Behind N reverse proxies the visitor's address is the N-th last X-Forwarded-For entry; one
# when DJANGO_BEHIND_PROXY says there is a proxy, or the limit per client would count every
# visitor as the proxy.
PROXY_COUNT = env.int(
    "AXES_PROXY_COUNT", default=1 if env.bool("DJANGO_BEHIND_PROXY", default=False) else 0
)
AXES_CLIENT_IP_CALLABLE = "scheme.middleware.client_ip"

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian Bokmål")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["scheme.formats"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.str("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "static"))
# Private files (uploads and generated reports) use the "private" storage (scheme.storage):
# folders under MEDIA_ROOT, or an S3-compatible object store when S3_BUCKET is set. They are
# only served by views that check access.
MEDIA_ROOT = env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media"))
S3_BUCKET = env.str("S3_BUCKET", default="")
PRIVATE_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if S3_BUCKET:
    PRIVATE_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            # Empty: boto3's own chain (AWS_* variables, an instance role).
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            # "path" suits MinIO and most S3-compatible stores; AWS also takes "virtual".
            "addressing_style": env.str("S3_ADDRESSING_STYLE", default="path"),
            "signature_version": "s3v4",
            # Empty for buckets whose ACLs are switched off (the bucket itself is private).
            "default_acl": env.str("S3_ACL", default="private") or None,
            # Never a public URL: every URL is signed and valid this many seconds.
            "querystring_auth": True,
            "querystring_expire": env.int("S3_SIGNED_URL_SECONDS", default=60),
            # Names are random (scheme.storage.PrivatePath): no look-up for a free name.
            "file_overwrite": True,
        },
    }
# A download is streamed through the portal, which works wherever the portal reaches the store;
# with S3_REDIRECT_DOWNLOADS=1 the browser is sent to a signed URL instead (the store must
# then answer browsers at S3_ENDPOINT_URL), which spares the web workers the bytes.
PRIVATE_DOWNLOAD_REDIRECT = bool(S3_BUCKET) and env.bool("S3_REDIRECT_DOWNLOADS", default=False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": PRIVATE_STORAGE,
    "staticfiles": {
        "BACKEND": env.str(
            "DJANGO_STATIC_STORAGE",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The fields of a form besides its file; the longest forms (a few texts of 20 000 characters)
# stay well below it. A body larger than one upload plus this is refused before it is read
# (scheme.middleware.RequestSizeLimitMiddleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
if not DEBUG and EMAIL_CONFIG["EMAIL_BACKEND"].endswith(".console.EmailBackend"):
    raise ImproperlyConfigured(
        "Set EMAIL_URL to a real mail server (smtp+tls://...); the console backend prints "
        "e-mails with password links to the log."
    )
# Password-reset e-mails per address and per client, in a window (scheme.auth).
PASSWORD_RESET_LIMITS = {
    "address": env.int("PASSWORD_RESET_LIMIT_PER_ADDRESS", default=3),
    "client": env.int("PASSWORD_RESET_LIMIT_PER_CLIENT", default=10),
}
PASSWORD_RESET_WINDOW_SECONDS = 60 * 60
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Tilskuddsportalen <portal@imdi.example>"
)
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# Named on the privacy and accessibility statements (scheme/privacy.py).
PRIVACY_CONTROLLER = env.str(
    "PRIVACY_CONTROLLER", default="Integrerings- og mangfoldsdirektoratet (IMDi)"
)
PRIVACY_CONTACT_EMAIL = env.str("PRIVACY_CONTACT_EMAIL", default="post@imdi.no")
PRIVACY_DPO_EMAIL = env.str("PRIVACY_DPO_EMAIL", default="personvernombud@imdi.no")
PRIVACY_PROCESSORS = env.list("PRIVACY_PROCESSORS", default=[])
ACCESSIBILITY_CONTACT_EMAIL = env.str("ACCESSIBILITY_CONTACT_EMAIL", default="post@imdi.no")

FILTERS_EMPTY_CHOICE_LABEL = _("All")

# The Brønnøysund registers' open API (no authentication). Off switch and a short timeout:
# a slow or absent register never blocks the user.
BRREG_ENABLED = env.bool("BRREG_ENABLED", default=True)
BRREG_API_URL = env.str("BRREG_API_URL", default="https://data.brreg.no/enhetsregisteret/api")
BRREG_TIMEOUT = env.float("BRREG_TIMEOUT", default=3.0)

# ID-porten: logging in over OpenID Connect (scheme/signin/idporten.py). Off by default, so
# that the demo needs nothing outside. The client is registered in Digdir's self-service
# portal with the redirect, post-logout and front-channel logout URIs below (empty: the
# portal's own address, PORTAL_BASE_URL, and the path).
IDPORTEN_ENABLED = env.bool("IDPORTEN_ENABLED", default=False)
IDPORTEN_DISCOVERY_URL = env.str(
    "IDPORTEN_DISCOVERY_URL", default="https://idporten.no/.well-known/openid-configuration"
)
IDPORTEN_CLIENT_ID = env.str("IDPORTEN_CLIENT_ID", default="")
IDPORTEN_CLIENT_SECRET = env.str("IDPORTEN_CLIENT_SECRET", default="")
IDPORTEN_SCOPES = env.str("IDPORTEN_SCOPES", default="openid profile")
IDPORTEN_ACR_VALUES = env.str("IDPORTEN_ACR_VALUES", default="idporten-loa-substantial")
IDPORTEN_REDIRECT_URI = env.str("IDPORTEN_REDIRECT_URI", default="")
IDPORTEN_POST_LOGOUT_REDIRECT_URI = env.str("IDPORTEN_POST_LOGOUT_REDIRECT_URI", default="")
IDPORTEN_TIMEOUT = env.float("IDPORTEN_TIMEOUT", default=5.0)
# Seconds the ID token's times may be off, for clocks that differ a little.
IDPORTEN_CLOCK_SKEW = env.int("IDPORTEN_CLOCK_SKEW", default=60)
# The key of the national identity number's keyed hash (HMAC-SHA256). Empty: derived from
# DJANGO_SECRET_KEY, which then must never change, or every link to ID-porten is lost.
IDPORTEN_PID_KEY = env.str("IDPORTEN_PID_KEY", default="")
if IDPORTEN_ENABLED and not (IDPORTEN_CLIENT_ID and IDPORTEN_CLIENT_SECRET):
    raise ImproperlyConfigured(
        "IDPORTEN_ENABLED=1 needs IDPORTEN_CLIENT_ID and IDPORTEN_CLIENT_SECRET."
    )
# E-mails with a link to confirm an address (signing up, or giving one after the first
# ID-porten login): per address and asked for by one client, in an hour.
SIGN_UP_LIMITS = {
    "address": env.int("SIGN_UP_LIMIT_PER_ADDRESS", default=3),
    "client": env.int("SIGN_UP_LIMIT_PER_CLIENT", default=10),
}
SIGN_UP_WINDOW_SECONDS = 60 * 60

# Celery: Redis in production and CI; kombu's filesystem transport as the embedded default.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_RESULT_BACKEND = env.str(
    "CELERY_RESULT_BACKEND",
    default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else None,
)
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        "polling_interval": 0.2,
    }
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "report-job-sweep": {"task": "reports.tasks.sweep_report_jobs", "schedule": 60.0},
    "grant-report-reminders": {
        "task": "grants.tasks.send_report_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    "event-reminders": {
        "task": "courses.tasks.send_event_reminders",
        "schedule": crontab(hour=9, minute=0),
    },
    # Every retention rule of scheme/retention.py (orphaned uploads among them).
    "retention": {
        "task": "scheme.tasks.apply_retention_rules",
        "schedule": crontab(hour=3, minute=0),
    },
    # Announcements scheduled for later are told to their audience when their time comes.
    "announcements-due": {
        "task": "scheme.announcements.tasks.announce_due_announcements",
        "schedule": 300.0,
    },
    "weekly-digest": {
        "task": "scheme.announcements.tasks.send_weekly_digests",
        "schedule": crontab(day_of_week="mon", hour=7, minute=0),
    },
    "mentoring-behind-reminders": {
        "task": "mentoring.tasks.send_behind_reminders",
        "schedule": crontab(day_of_week="mon", hour=8, minute=0),
    },
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Report jobs on a queue of their own, for a worker of their own (one at a time, restarted when
# it has grown): a long report never holds up e-mails and reminders, which go to the default
# queue with everything else (the sweep of report jobs too, so that it runs while one builds).
# One worker may take both: celery -A scheme worker -Q default,reports (make run does).
CELERY_TASK_DEFAULT_QUEUE = "default"
REPORTS_QUEUE = "reports"
CELERY_TASK_ROUTES = {"reports.tasks.build_report": {"queue": REPORTS_QUEUE}}
CELERY_IMPORTS = ["scheme.health"]  # the worker heartbeat's task
CELERY_BEAT_SCHEDULE["worker-heartbeat"] = {
    "task": "scheme.health.record_worker_heartbeat",
    "schedule": 60.0,
}

# Operations (README, "Operations"): /health/ready fails when no worker has taken the
# heartbeat for this long; /metrics answers only a scraper with this bearer token (404 when
# it is empty); a worker serves its own metrics on this port when set.
WORKER_HEARTBEAT_MAX_AGE = env.int("WORKER_HEARTBEAT_MAX_AGE", default=5 * 60)
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
CELERY_METRICS_PORT = env.int("CELERY_METRICS_PORT", default=0)

# Security headers. Production (DEBUG off) gets secure cookies, HTTPS redirect and HSTS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
# A session ends when the browser closes, and after this long without a request
# (scheme.middleware.IdleSessionMiddleware): caseworkers and admins, who reach every case,
# sooner than others.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_IDLE_MINUTES_STAFF = env.int("SESSION_IDLE_MINUTES_STAFF", default=60)
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=240)
# The stored session outlives the longest idle limit by an hour, so that the login page can
# still say why the person was logged out.
SESSION_COOKIE_AGE = 60 * (max(SESSION_IDLE_MINUTES_STAFF, SESSION_IDLE_MINUTES) + 60)
# Browser features the portal never uses, all switched off (scheme.middleware); each is one
# Chromium recognises, so the browser logs no warning.
PERMISSIONS_POLICY_OFF = [
    "accelerometer",
    "autoplay",
    "browsing-topics",
    "camera",
    "display-capture",
    "encrypted-media",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
]
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # Probes and the scraper ask over plain HTTP inside the deployment's network.
    SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env.bool("DJANGO_BEHIND_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
if IDPORTEN_ENABLED:
    # Logging out posts a form whose answer sends the browser on to ID-porten's end-session
    # address; browsers hold such redirects to form-action too.
    _idporten = urlsplit(IDPORTEN_DISCOVERY_URL)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(
        f"{_idporten.scheme}://{_idporten.netloc}"
    )

# Logs (scheme/logs.py): JSON lines in production, plain text with DJANGO_DEBUG=1; each record
# has the request id, and the request log says who asked by user id only.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("LOG_FORMAT is plain or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "scheme.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "scheme.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # The filesystem broker has no host name; kombu warns about it on every connection.
        "kombu.connection": {
            "level": "ERROR" if CELERY_BROKER_URL == "filesystem://" else "WARNING"
        },
    },
}
