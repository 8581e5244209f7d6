"""Settings for the whole project, read from environment variables only.

The variables are listed in docs/operations.md. With none set, the project runs for local
development against the embedded PostgreSQL server.
"""

import os
import secrets
import sys
import zoneinfo
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from cjo_site.embedded_db import embedded_database_settings
from cjo_site.env import env_bool, env_choice, env_int, env_list, env_str, env_url
from cjo_site.log_config import logging_config, private_file

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"

DEBUG = env_bool("DEBUG", False)


# How to make a key, quoted in the errors below (the key itself is never printed).
_MAKE_A_KEY = "SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')"


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        if not DEBUG and len(key) < 50:
            raise ImproperlyConfigured(f"SECRET_KEY must be at least 50 characters long: set e.g. {_MAKE_A_KEY}")
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            f"SECRET_KEY must be set when DEBUG is off: set e.g. {_MAKE_A_KEY} (or DEBUG=1 for local development)"
        )
    # Development only: a random key kept in the git-ignored data folder, so sessions survive
    # restarts without any secret living in the repository.
    key_file = DATA_DIR / "dev-secret-key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
# Former keys (comma-separated) while a new one takes over: what they signed (unsubscribe and
# tracking links in sent messages, sessions) stays valid; new signatures use SECRET_KEY.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_q",
    "axes",
    "journeys",
    "canvas",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "journeys.input.RejectUnusableURLMiddleware",
    "journeys.input.RequireContentLengthMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Governance: who, from where and through which interface, for the audit log.
    "journeys.governance.middleware.AuditContextMiddleware",
    # Answers a locked-out sign-in (django-axes) with the lockout page.
    "axes.middleware.AxesMiddleware",
    # Last: its connection check runs just before the view, and it sees the view's exceptions first.
    "journeys.db_unavailable.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "cjo_site.urls"
WSGI_APPLICATION = "cjo_site.wsgi.application"
ASGI_APPLICATION = "cjo_site.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "canvas.context_processors.header",
            ],
        },
    },
]

# --- Database: PostgreSQL only (SKIP LOCKED, partial indexes, unnest and JSONB are used on purpose).
DATABASE_URL = env_url(
    "DATABASE_URL", schemes=("postgres", "postgresql", "postgis"), example="postgres://user:password@host:5432/name"
)
if DATABASE_URL:
    _default_db = dj_database_url.parse(DATABASE_URL, engine="django.db.backends.postgresql")
else:
    _default_db = embedded_database_settings(DATA_DIR / "postgres")
# ASGI runs sync views on short-lived executor threads, where persistent per-thread
# connections leak; a process-wide pool is Django's answer (see docs/decisions.md). The
# worker cluster is the exception: django-q2 forks its workers after start-up, and children
# must not share a pool their parent opened, so workers keep one connection each. So do the
# engine and delivery loops and serve's supervisor: one thread each, reconnecting at once after
# a database restart rather than at the pool's next (backed-off) attempt.
_KEEPS_ONE_CONNECTION = len(sys.argv) > 1 and sys.argv[1] in ("qcluster", "engine", "deliver", "serve")
if env_bool("DATABASE_POOL", not _KEEPS_ONE_CONNECTION):
    _default_db["CONN_MAX_AGE"] = 0
    # With a pool this makes Django pass psycopg_pool's check_connection: a connection that a
    # database restart broke is replaced before a request gets it, not after it fails one.
    _default_db["CONN_HEALTH_CHECKS"] = True
    _default_db.setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env_int("DATABASE_POOL_SIZE", 10, minimum=1),
        "timeout": 10,
        # The pool retries a failed connection with a doubling back-off (1, 2, 4 s...) for this
        # long, then gives up and reconnects on the next request. Short, so after an outage the
        # server is back in use within about two seconds, not after the back-off has grown.
        "reconnect_timeout": 2,
    }
else:
    _default_db["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60, minimum=0)
    _default_db["CONN_HEALTH_CHECKS"] = True
# Lets two test runs share one server (e.g. a developer's and an editor's) without clashing.
if env_str("TEST_DATABASE_NAME"):
    _default_db["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME")}
DATABASES = {"default": _default_db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channels: Redis when REDIS_URL is set, so workers and every web process share one layer.
REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss", "unix"), example="redis://host:6379/0")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Background workers (django-q2), brokered through PostgreSQL.
Q_CLUSTER = {
    "name": "cjo",
    "orm": "default",
    # Scheduled and one-off jobs only: the engine and delivery loops are processes of their own.
    "workers": env_int("Q_WORKERS", 3, minimum=2),
    "timeout": 300,
    "retry": 360,
    "max_attempts": 3,
    "catch_up": False,
    # `serve` restarts the whole cluster when one of its processes disappears (a worker killed
    # holding the task queue's lock stalls it for good), so workers are not recycled routinely.
    "recycle": 100_000,
    "label": "Worker queue",
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# --- Sign-in throttling (django-axes), on the login page and Django admin's. Failures are counted
# per user name and address together, so guessing one account's password is slowed down without
# letting anyone lock a colleague out from elsewhere; a success clears the count. The address is
# REMOTE_ADDR, as in the audit log (X-Forwarded-For is whatever the client says).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True


def _remote_address(request):
    return request.META.get("REMOTE_ADDR")


AXES_CLIENT_IP_CALLABLE = _remote_address
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Successful sign-ins are not kept: the audit log says who did what, and this table would only grow.
AXES_DISABLE_ACCESS_LOG = True

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files: Django admin's and the built canvas (frontend/dist), served by WhiteNoise.
# With DEBUG off, pages link to the hashed names listed in STATIC_ROOT/staticfiles.json, which
# `manage.py collectstatic` writes (`make setup` runs it; see docs/operations.md). With DEBUG on,
# pages link to the plain names and WhiteNoise finds the files where they are.
STATIC_URL = "/static/"
# A relative path is taken from the checkout, whatever directory the command runs in.
STATIC_ROOT = BASE_DIR / env_str("STATIC_ROOT", "staticfiles")
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
STATICFILES_DIRS = [FRONTEND_DIST] if FRONTEND_DIST.exists() else []
# collectstatic always writes the hashed copies and their manifest, even with DEBUG on, so one
# collection serves both modes and switching DEBUG off never finds a collection without them.
_COLLECTING_STATIC = len(sys.argv) > 1 and sys.argv[1] == "collectstatic"
_STATICFILES_BACKEND = (
    "django.contrib.staticfiles.storage.StaticFilesStorage"
    if DEBUG and not _COLLECTING_STATIC
    else "whitenoise.storage.CompressedManifestStaticFilesStorage"
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": _STATICFILES_BACKEND},
}

REST_FRAMEWORK = {
    # Tokens (Authorization: Token ...) for integrations, per user and so per role; sessions for
    # the browser. Token first: DRF answers 401 with its challenge, where a session would say 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "journeys.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "journeys.api.pagination.LimitOffsetWithCeiling",
    # JSON only, through the checks every entry point shares (journeys/input.py).
    "DEFAULT_PARSER_CLASSES": ["journeys.input.StrictJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "PAGE_SIZE": 50,
}
# API tokens (django-rest-knox): only a SHA-512 digest and the first 15 characters are stored.
# Integrations run unattended, so a token lasts until it is deleted unless made with an expiry.
REST_KNOX = {"TOKEN_TTL": None, "AUTH_HEADER_PREFIX": "Token"}
SPECTACULAR_SETTINGS = {
    "TITLE": "Customer journey orchestration API",
    "DESCRIPTION": "Journeys, customers and events. Event ingestion (/v1/*) follows the Segment HTTP Tracking API.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its page are for people using the API, who have an account.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from the installed sidecar package, not a CDN's moving "latest".
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Journeys and enrollments both have a `status`; name each set once for every serializer using it.
    "ENUM_NAME_OVERRIDES": {
        "JourneyStatusEnum": "journeys.models.Journey.Status",
        "EnrollmentStatusEnum": "journeys.models.Enrollment.Status",
        "ConsentStateEnum": "journeys.consent_policy.STATES",
        "PrivacyRequestKindEnum": "journeys.models.PrivacyRequest.Kind",
    },
}

# --- Processes
# daphne processes `manage.py web` runs behind one socket; one is CPU-bound near 5,000 events/s.
WEB_PROCESSES = env_int("WEB_PROCESSES", os.cpu_count() or 1, minimum=1)

# --- Engine
# Customers whose timezone is unknown get this one for time windows and quiet hours.
DEFAULT_CUSTOMER_TIMEZONE = env_str("DEFAULT_CUSTOMER_TIMEZONE", "UTC")
if DEFAULT_CUSTOMER_TIMEZONE not in zoneinfo.available_timezones():
    raise ImproperlyConfigured(
        f"DEFAULT_CUSTOMER_TIMEZONE must be an IANA time zone name, got {DEFAULT_CUSTOMER_TIMEZONE!r}: "
        "set e.g. DEFAULT_CUSTOMER_TIMEZONE=Europe/Paris"
    )
# Enrollments one engine transaction advances; larger batches amortise more, hold locks longer.
ENGINE_BATCH_SIZE = env_int("ENGINE_BATCH_SIZE", 1000, minimum=1)
# Engine loops run at once (`manage.py engine` processes; more stand by for a free slot).
ENGINE_LOOPS = env_int("ENGINE_LOOPS", 1, minimum=1)

# --- Event ingestion limits (Segment's own limits are the defaults).
INGEST_MAX_MESSAGE_BYTES = env_int("INGEST_MAX_MESSAGE_BYTES", 32 * 1024, minimum=1024)
INGEST_MAX_REQUEST_BYTES = env_int("INGEST_MAX_REQUEST_BYTES", 500 * 1024, minimum=1024)
# Requests handled at once per process; more are shed with 429 + Retry-After.
INGEST_MAX_CONCURRENCY = env_int("INGEST_MAX_CONCURRENCY", 32, minimum=1)
INGEST_RETRY_AFTER_SECONDS = env_int("INGEST_RETRY_AFTER_SECONDS", 2, minimum=1)

# --- Production hardening; `manage.py check --deploy` is clean with the variables in docs/operations.md.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Event ingestion is called by SDKs over plain HTTP from inside a network too; the redirect
# would turn their POSTs into GETs.
SECURE_REDIRECT_EXEMPT = [r"^v1/"]

# The terminal gets warnings and the product's own one-line INFO messages; LOG_FILE, when set
# (`make run` sets it to .data/logs/journeys.log), gets every line at LOG_LEVEL (docs/operations.md).
LOG_FILE = env_str("LOG_FILE")
if LOG_FILE:
    private_file(LOG_FILE)
LOGGING = logging_config(
    level=env_choice("LOG_LEVEL", "INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR")), log_file=LOG_FILE
)

# --- Delivery (docs/delivery.md). Channels are provider classes; email goes through EMAIL_BACKEND.
# Unset, messages are written to the log (one line each in the terminal, whole in LOG_FILE): nothing
# leaves the machine. A deploy check warns when that is still so with DEBUG off.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "journeys.delivery.outbox.LogEmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Journeys <noreply@localhost>")


def _listening_url() -> str:
    """Where `manage.py serve`/`web` listen (HOST, PORT), as a URL this machine can open."""
    host = env_str("HOST", "127.0.0.1")
    port = env_int("PORT", 8000, minimum=1)
    # A server bound to every interface is reached locally through loopback.
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


# Absolute base of links inside messages (unsubscribe, tracking) and of signed callback URLs, e.g.
# https://journeys.example.com. Unset, it is where the server listens: right for local runs only.
PUBLIC_URL = (
    env_url("PUBLIC_URL", schemes=("http", "https"), example="https://journeys.example.com") or _listening_url()
).rstrip("/")
DELIVERY_PROVIDERS = {
    "email": "journeys.delivery.providers.EmailProvider",
    "sms": {
        "console": "journeys.delivery.providers.ConsoleSmsProvider",
        "twilio": "journeys.delivery.providers.TwilioSmsProvider",
    }[env_choice("SMS_PROVIDER", "console", choices=("console", "twilio"))],
    "webhook": "journeys.delivery.providers.WebhookProvider",
    "in_app": "journeys.delivery.providers.InAppProvider",
}
SMS_API_URL = (
    env_url("SMS_API_URL", schemes=("http", "https"), example="https://api.twilio.com") or "https://api.twilio.com"
)
SMS_ACCOUNT_SID = env_str("SMS_ACCOUNT_SID")
SMS_AUTH_TOKEN = env_str("SMS_AUTH_TOKEN")
SMS_FROM = env_str("SMS_FROM")
SMS_TIMEOUT = env_int("SMS_TIMEOUT", 10, minimum=1)
# Webhooks are signed with this key (HMAC-SHA256). Without it (DEBUG off) webhooks fail rather
# than go out unsigned; in DEBUG a development key stands in.
WEBHOOK_SIGNING_SECRET = env_str("WEBHOOK_SIGNING_SECRET") or ("dev-webhook-signing-secret" if DEBUG else "")
WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 10, minimum=1)
# Hosts, IP addresses or CIDR ranges webhooks may reach although they are private or loopback.
WEBHOOK_ALLOWLIST = env_list("WEBHOOK_ALLOWLIST", [])
# Provider status callbacks authenticate with this token (Authorization: Bearer ...); empty refuses them.
DELIVERY_CALLBACK_TOKEN = env_str("DELIVERY_CALLBACK_TOKEN")
DELIVERY_MAX_ATTEMPTS = env_int("DELIVERY_MAX_ATTEMPTS", 6, minimum=1)
DELIVERY_RETRY_SECONDS = env_int("DELIVERY_RETRY_SECONDS", 30, minimum=1)  # doubled after each failure
DELIVERY_BATCH_SIZE = env_int("DELIVERY_BATCH_SIZE", 200, minimum=1)
DELIVERY_SEND_THREADS = env_int("DELIVERY_SEND_THREADS", 8, minimum=1)
# Messages per second per channel, across all workers; 0 is unlimited. "email:50,sms:10,webhook:200"
DELIVERY_RATE_LIMITS = env_str("DELIVERY_RATE_LIMITS", "email:50,sms:10,webhook:200")
# Marketing messages per customer per period, across journeys. "email:3/7d,sms:2/1d"; empty for none.
DELIVERY_FREQUENCY_CAPS = env_str("DELIVERY_FREQUENCY_CAPS", "email:3/7d,sms:3/7d")
# Consent policy per channel: opt_in (only subscribed customers get marketing) or opt_out (all but
# the unsubscribed). Listed channels override the defaults email/sms/push opt_in, in_app opt_out.
CONSENT_POLICY = env_str("CONSENT_POLICY", "")
# Local hours in the customer's timezone when marketing messages wait, and the channels they apply to.
DELIVERY_QUIET_HOURS = env_str("DELIVERY_QUIET_HOURS", "21:00-08:00")
DELIVERY_QUIET_HOURS_CHANNELS = env_list("DELIVERY_QUIET_HOURS_CHANNELS", ["sms"])
# How long a worker owns the rows it claimed; after that they are presumed lost and sent again.
DELIVERY_LEASE_SECONDS = env_int("DELIVERY_LEASE_SECONDS", 300, minimum=30)
# With a secret, apps fetching in-app messages also send userHash = hex HMAC-SHA256(secret, userId).
IN_APP_IDENTITY_SECRET = env_str("IN_APP_IDENTITY_SECRET")
# Open pixel and click-tracking links in marketing emails.
EMAIL_TRACKING = env_bool("EMAIL_TRACKING", True)

# Monitoring: new anomaly alerts are POSTed as JSON here (empty: email to Admins only).
ALERT_WEBHOOK_URL = env_url("ALERT_WEBHOOK_URL", schemes=("http", "https"), example="https://hooks.example.com/alerts")

# --- Governance (docs/operations.md): approval before publish and the append-only audit log.
APPROVAL_REQUIRED = env_bool("APPROVAL_REQUIRED", False)
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365, minimum=1)
# The sender address of review emails to Reviewers; empty: notifications stay in the app.
GOVERNANCE_EMAIL = env_str("GOVERNANCE_EMAIL")

# --- Retention (docs/retention.md): the event log, step log, deliveries and hourly counters are
# partitioned by month; a month is dropped whole once all of it is older than its table's days.
# 0 keeps everything. All-time node counters survive as totals.
EVENT_RETENTION_DAYS = env_int("EVENT_RETENTION_DAYS", 400, minimum=0)
STEP_RETENTION_DAYS = env_int("STEP_RETENTION_DAYS", 400, minimum=0)
DELIVERY_RETENTION_DAYS = env_int("DELIVERY_RETENTION_DAYS", 400, minimum=0)
COUNTER_RETENTION_DAYS = env_int("COUNTER_RETENTION_DAYS", 800, minimum=0)
# Months made ahead of need (maintenance runs daily), so a write never waits for one to be
# created. Few: every month, empty or not, is one more index probe for a customer's history.
PARTITIONS_AHEAD_MONTHS = env_int("PARTITIONS_AHEAD_MONTHS", 1, minimum=1)
# How long a message id is remembered per source: a resend within it is stored once.
EVENT_DEDUPE_DAYS = env_int("EVENT_DEDUPE_DAYS", 35, minimum=1)
