"""Settings for the school billing system: one module, driven by environment variables.

Every variable is documented in `.env.example` and in the README.
"""

import json
import logging
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.email import email_settings_from_url
from config.env import env_bool, env_int, env_list, env_str
from config.logging import build_logging_config, configure_structlog

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (or in .env; `make run` writes one), "
            "or set DEBUG=true for a throwaway development key."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # The admin site with the collections dashboard and role-scoped back-office pages.
    "backoffice.apps.BackofficeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "simple_history",
    "corsheaders",
    "axes",
    "core",
    "users",
    "schools",
    "families",
    "students",
    "billing",
    "fees",
    "accounting",
    "reports",
    "ai_agent",
    "reminders",
    "banking",
    "cfdi",
    "backoffice",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything that can answer (whitenoise, common): preflights get their CORS headers.
    "corsheaders.middleware.CorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.SessionMiddleware",  # these three: browser pages only (core/middleware.py)
    "core.middleware.LocaleMiddleware",  # the API: Accept-Language or English; the admin: Spanish
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "core.middleware.AuthenticationMiddleware",
    "core.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns an admin login refused by django-axes into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "users.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Paths answer with and without a trailing slash through their own patterns; no redirects.
APPEND_SLASH = False

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so two payment transactions cannot both read
    # the old balance: SQLite's stand-in for select_for_update.
    _db.setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    _db["CONN_MAX_AGE"] = 0
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _statement_timeout_ms = env_int("DB_STATEMENT_TIMEOUT_MS", 30_000)
    _db.setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": env_int("DB_CONNECT_TIMEOUT", 5),
            "options": f"-c statement_timeout={_statement_timeout_ms} -c timezone=UTC",
        }
    )

# Read replicas (core/replicas.py): lag-tolerant reads (lists, statements, reports) go to a
# streaming replica, everything else and a user's reads after their own write to the primary.
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS", [])
DATABASE_REPLICA_STICKY_SECONDS = env_int("DATABASE_REPLICA_STICKY_SECONDS", 300)
DATABASE_REPLICA_MAX_LAG_SECONDS = env_int("DATABASE_REPLICA_MAX_LAG_SECONDS", 30)
DATABASE_REPLICA_RETRY_SECONDS = env_int("DATABASE_REPLICA_RETRY_SECONDS", 5)
if DATABASE_REPLICA_URLS:
    if _db["ENGINE"] != "django.db.backends.postgresql" or not env_str("REDIS_URL"):
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URLS needs PostgreSQL (DATABASE_URL) and a shared cache (REDIS_URL): "
            "every app server must see a user's last write to keep their reads fresh."
        )
    for _number, _url in enumerate(DATABASE_REPLICA_URLS, start=1):
        _replica = dj_database_url.parse(_url, conn_max_age=_db["CONN_MAX_AGE"])
        # The router's own probe checks the connection before a request's first replica read.
        _replica["CONN_HEALTH_CHECKS"] = False
        _replica["OPTIONS"] = {**_db["OPTIONS"], "connect_timeout": env_int("DB_REPLICA_CONNECT_TIMEOUT", 2)}
        _replica["TEST"] = {"MIRROR": "default"}
        DATABASES[f"replica{_number}"] = _replica
    DATABASE_ROUTERS = ["core.replicas.ReplicaRouter"]
    MIDDLEWARE.append("core.replicas.ReplicaMiddleware")

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                # A Redis outage degrades to database reads (logged), never to a 500.
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "core.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CACHE_TTL = env_int("CACHE_TTL", 300)
# `manage.py purge_expired` forgets Idempotency-Keys older than this (a retry comes within minutes).
IDEMPOTENCY_RETENTION_DAYS = env_int("IDEMPOTENCY_RETENTION_DAYS", 7)

# --- Background jobs (Celery, config/celery.py) ----------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL or None
# No broker: every task runs inline in the caller's process (make run, the tests).
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# Results are not kept unless a backend is named (the end-to-end worker test names one).
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = not CELERY_RESULT_BACKEND
# A task is acknowledged when it has run, so a worker that dies mid-task hands it to another;
# safe because every task is idempotent. One task at a time per worker process for long jobs.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Remote control (`celery inspect ping`, the compose health check) on by default.
CELERY_WORKER_ENABLE_REMOTE_CONTROL = env_bool("CELERY_WORKER_ENABLE_REMOTE_CONTROL", True)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# --- Auth -----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # django-axes first: refuses an admin login after too many failures, before checking the password.
    "core.auth_backends.AdminBruteForceGuard",
    "django.contrib.auth.backends.ModelBackend",
]
# Admin brute-force guard: 5 failures for one username from one IP lock that pair for 15 minutes.
# The API's login has its own throttle (THROTTLE_LOGIN); axes watches the admin login only.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_ONLY_ADMIN_SITE = True
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    # The 1,000 most common passwords of Django's list: the full list refuses "secret123", the
    # password of the seed README's register example, which must work verbatim.
    {"NAME": "users.password_validation.TopCommonPasswordValidator", "OPTIONS": {"top": 1000}},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCESS_TOKEN_EXPIRE_MINUTES = env_int("ACCESS_TOKEN_EXPIRE_MINUTES", 30)
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("REFRESH_TOKEN_EXPIRE_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "SIGNING_KEY": env_str("JWT_SIGNING_KEY") or SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # simplejwt's, with the user read through one prepared statement (core/authentication.py).
        "core.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.StandardPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        # A bad ?search= (NUL, over 200 characters) is a 400 naming `search`.
        "core.filters.StrictSearchFilter",
        # Unknown ?ordering= fields are a 400 instead of being silently ignored.
        "core.filters.StrictOrderingFilter",
    ],
    # Money-exact JSON: amounts leave as 500.00 and arrive as Decimal, never as floats.
    "DEFAULT_PARSER_CLASSES": ["core.renderers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["core.renderers.JSONRenderer"],
    # Adds the error responses (400/401/403/404/415/429) each operation can answer.
    "DEFAULT_SCHEMA_CLASS": "core.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.exceptions.api_exception_handler",
    # No OPTIONS metadata: the OpenAPI schema describes the API. OPTIONS answers 405 in the error
    # shape (CORS preflights are answered earlier, by corsheaders).
    "DEFAULT_METADATA_CLASS": None,
    # DRF's anon/user limits, counted in one cache round trip (core/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": [
        "core.throttling.AnonRateThrottle",
        "core.throttling.UserRateThrottle",
    ],
    # Proxies in front of the app whose X-Forwarded-For entries are trusted for the client IP
    # (throttling). 0: use the socket address, so a client cannot pick its own throttle bucket.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("THROTTLE_ANON", "60/min"),
        "user": env_str("THROTTLE_USER", "6000/min"),
        "login": env_str("THROTTLE_LOGIN", "10/min"),
        # Per user on /api/v1/ai/ (OpenAI calls cost money and seconds).
        "ai": env_str("THROTTLE_AI", "30/min"),
    },
    "COERCE_DECIMAL_TO_STRING": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "School Billing API",
    "DESCRIPTION": "Schools, students, invoices, payments, statements and collection reports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True},
    # One name per choice set shared by several fields of the AI agent's answers.
    "ENUM_NAME_OVERRIDES": {
        "RiskLevelEnum": "ai_agent.api.serializers.LEVELS",
        "AISourceEnum": "ai_agent.api.serializers.SOURCES",
        "ConceptKindEnum": "fees.services.CHARGEABLE_KINDS",
        # Two `status` choice sets: invoices keep the name they always had.
        "StatusEnum": "billing.models.InvoiceStatus",
        "BankLineStatusEnum": "banking.models.BankLineStatus",
        # Two `role` choice sets: memberships keep theirs; a chat turn's role is the assistant's own.
        "RoleEnum": "users.models.Role",
        "ChatRoleEnum": ["user", "assistant", "system"],
        "FeeConceptKindEnum": "billing.concepts.ConceptKind",
        "DiscountKindEnum": "fees.models.DiscountKind",
        # CFDI choice sets named apart from the other `kind`, `reason` and `status` sets; reversals'
        # reason keeps the name it had.
        "ReasonEnum": "billing.models.ReversalReason",
        "CfdiKindEnum": "cfdi.models.DocumentKind",
        "CfdiStatusEnum": "cfdi.models.DocumentStatus",
        "CfdiCancelReasonEnum": "cfdi.models.CancelReason",
        "CfdiPaymentMethodEnum": "cfdi.models.PaymentMethodCode",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.strip_trailing_slashes",
    ],
}

# --- Email and text messages (reminders) -----------------------------------------------------
# EMAIL_URL (config/email.py) or Django's usual EMAIL_* variables; the console backend by default.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
if env_str("EMAIL_URL"):
    globals().update(email_settings_from_url(env_str("EMAIL_URL")))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Cobranza <cobranza@localhost>")
# SMS and WhatsApp: a class with `send(message) -> provider id` (reminders/channels.py explains the
# interface a real provider's adapter implements); the console backend prints them.
SMS_BACKEND = env_str("SMS_BACKEND", "reminders.channels.ConsoleTextBackend")
WHATSAPP_BACKEND = env_str("WHATSAPP_BACKEND", "reminders.channels.ConsoleTextBackend")

# --- CFDI (cfdi/pac.py) ----------------------------------------------------------------------
# The PAC that stamps and cancels: "swsapien", "satcfdi:<module.Class>" (any satcfdi PAC class, built
# with CFDI_PAC_OPTIONS), "fake" (cfdi/fake_pac.py: stamps that are not SAT's, for demos) or empty
# (none: documents wait as DRAFT). Its credentials come from the environment, never the database.
CFDI_PAC = env_str("CFDI_PAC", "")
CFDI_PAC_URL = env_str("CFDI_PAC_URL", "")  # empty: the PAC's own host for CFDI_PAC_TEST
CFDI_PAC_TEST = env_bool("CFDI_PAC_TEST", True)  # the PAC's test environment (no fiscal effect)
CFDI_PAC_TOKEN = env_str("CFDI_PAC_TOKEN", "")
CFDI_PAC_USER = env_str("CFDI_PAC_USER", "")
CFDI_PAC_PASSWORD = env_str("CFDI_PAC_PASSWORD", "")
CFDI_PAC_TIMEOUT = env_int("CFDI_PAC_TIMEOUT", 20)  # seconds per PAC request
try:
    CFDI_PAC_OPTIONS = json.loads(env_str("CFDI_PAC_OPTIONS", "") or "{}")
except ValueError:
    raise ImproperlyConfigured("CFDI_PAC_OPTIONS must be a JSON object") from None
# A DRAFT becomes FAILED after this many attempts the PAC did not answer.
CFDI_STAMP_MAX_ATTEMPTS = env_int("CFDI_STAMP_MAX_ATTEMPTS", 6)
# The environment variable a new fiscal profile reads its CSD key's password from (a profile may
# name another one: one school, one variable).
CFDI_CSD_PASSWORD_ENV = env_str("CFDI_CSD_PASSWORD_ENV", "CFDI_CSD_PASSWORD")

# --- i18n, time -----------------------------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "es")
LANGUAGES = [("es", "Español"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "America/Mexico_City")
CELERY_TIMEZONE = TIME_ZONE  # the beat schedule's hours are local school hours
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Security (production defaults; DEBUG relaxes nothing that matters for data) -----------
# X-Forwarded-Proto says "this request came over HTTPS" only when a proxy we run sets it; without
# one in front, any client could send it (and defeat SECURE_SSL_REDIRECT, Secure cookies' intent).
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Preload commits the whole domain, subdomains included, to HTTPS in browsers for good: the
# operator opts in (SECURE_HSTS_PRELOAD=true). Until then check --deploy's reminder is silenced.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# CORS is closed: no browser origin may call the API unless listed here (comma-separated).
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", [])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_HEADERS = ["accept", "authorization", "content-type", "idempotency-key", "x-request-id"]
CORS_EXPOSE_HEADERS = ["retry-after", "x-request-id"]
# History (the audit trail) is append-only: the admin shows it and never reverts to a version.
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- AI agent -------------------------------------------------------------------------------
OPENAI_API_KEY = env_str("OPENAI_API_KEY") or None
OPENAI_BASE_URL = env_str("OPENAI_BASE_URL") or None
OPENAI_MODEL = env_str("OPENAI_MODEL", "gpt-4o")
OPENAI_TIMEOUT_SECONDS = env_int("OPENAI_TIMEOUT_SECONDS", 20)
# OpenAI calls that may wait at once, per process and per user; past either, the rules answer.
AI_MAX_WAITING_PER_PROCESS = env_int("AI_MAX_WAITING_PER_PROCESS", 2)
AI_MAX_WAITING_PER_USER = env_int("AI_MAX_WAITING_PER_USER", 1)

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = build_logging_config(LOG_LEVEL)
configure_structlog()
DJANGO_STRUCTLOG_CELERY_ENABLED = False
# One line per request, rendered once: `request_finished` (method, path, status, user, ip,
# request id) is the access log; `request_started` only at DEBUG. The client IP is the peer
# address the audit trail records (core/audit.py), not ipware's guess from client headers.
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = logging.DEBUG
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False
