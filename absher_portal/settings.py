"""Settings of the portal: one module, every difference between machines comes from the environment.

Defaults are safe for a developer's laptop (SQLite, local-memory cache, SMS printed to the
console). Production sets ``DJANGO_DEBUG=0`` and real values; see README.md, "Configuration".
"""

import base64
import ipaddress
import logging
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str(
    "SECRET_KEY",
    default="dev-only-insecure-key-do-not-use-in-production-0123456789abcdef",
)
if not DEBUG and SECRET_KEY.startswith("dev-only-"):
    raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_DEBUG is off.")
# Earlier keys, comma-separated, still accepted (sessions, reset links, signed cookies) while
# a rotation settles: docs/runbooks/secret-key.md (decision 301).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

# The key of the one-time codes' HMAC (accounts/otp.py), apart from SECRET_KEY so that either
# can be rotated alone (decision 302); earlier keys in OTP_HMAC_KEY_FALLBACKS still verify the
# codes they made (five minutes' worth). Without it (development, browser tests, benchmarks)
# SECRET_KEY and its fallbacks key the HMAC, as before.
OTP_HMAC_KEY = env.str("OTP_HMAC_KEY", default="")
OTP_HMAC_KEY_FALLBACKS = env.list("OTP_HMAC_KEY_FALLBACKS", default=[])
if not DEBUG and not OTP_HMAC_KEY and not env.bool("ALLOW_TEST_MODES", default=False):
    raise ImproperlyConfigured(
        "OTP_HMAC_KEY must be set when DJANGO_DEBUG is off: one-time codes are hashed with it."
    )

# Keys of the authenticator apps' secrets and the recovery codes' HMAC (authenticator/crypto.py,
# decision 241): 32 random bytes each, URL-safe base64, comma-separated; the first encrypts,
# every one decrypts (rotation). Never in the database, so a dump alone mints no code. Without
# them (development, browser tests and benchmarks only) a key is derived from SECRET_KEY.
FACTOR_SECRET_KEYS = [key.strip() for key in env.list("FACTOR_SECRET_KEYS", default=[])]
for _factor_key in FACTOR_SECRET_KEYS:
    try:
        _factor_key_ok = (
            len(base64.b64decode(_factor_key.encode("ascii"), altchars=b"-_", validate=True)) == 32
        )
    except (ValueError, UnicodeEncodeError):
        _factor_key_ok = False
    if not _factor_key_ok:
        raise ImproperlyConfigured(
            "Each FACTOR_SECRET_KEYS entry must be 32 random bytes in URL-safe base64 "
            "(44 characters); see README, 'Configuration'."
        )
if not DEBUG and not FACTOR_SECRET_KEYS and not env.bool("ALLOW_TEST_MODES", default=False):
    raise ImproperlyConfigured(
        "FACTOR_SECRET_KEYS must be set when DJANGO_DEBUG is off: authenticator app secrets "
        "are encrypted with it."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

PUBLIC_ORIGIN = env.str("PUBLIC_ORIGIN", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # Django's admin, entered only through the portal's sign-in (accounts/staff/site.py).
    "accounts.staff.apps.PortalAdminConfig",
    "sms",
    # Before django.contrib.auth: accounts' ``changepassword`` replaces auth's (it records the
    # change and tells the person, through accounts.passwords).
    "accounts",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "formtools",
    "captcha",
    "django_tasks",
    # django_tasks_db, with a translated name and admin columns (accounts/staff/task_results.py).
    "accounts.staff.task_results.TasksConfig",
    "csp",
    "activation",
    "pages",
    # The security page (/account/security/) and the ways to sign in beside the password.
    "security",
    # Passkeys (WebAuthn): listed on the security page, a sign-in with nothing to type.
    "passkeys",
    # The authenticator app (TOTP) and recovery codes: sign-in's second step beside the SMS code.
    "authenticator",
    # ``manage.py housekeeping``: deletes rows that have served their purpose (issue 17).
    "housekeeping",
]

MIDDLEWARE = [
    # Outermost: each request's time per URL name, for /metrics (absher_portal/metrics.py).
    "absher_portal.metrics_middleware.RequestLatencyMiddleware",
    "absher_portal.request_id.RequestIdMiddleware",
    # A database or Redis outage anywhere below becomes a translated 503, not a 500.
    "absher_portal.outages.ServiceUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files straight from the web process, compressed and cached forever (hashed names).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # A body over REQUEST_BODY_MAX_BYTES (or of undeclared length): a translated 413, unread.
    "absher_portal.body_limits.RequestBodyLimitMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.sessions.AbsoluteSessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The records of signed-in sessions: last activity (once a minute), cycled keys, and a
    # sign-in that raced a suspension (security/sessions/middleware.py).
    "security.sessions.middleware.SessionActivityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "absher_portal.urls"
# Widget templates are found like page templates, so templates/ can override them (the captcha);
# plain <input> widgets are written without the template engine (absher_portal/form_rendering.py;
# worth 46 % on the identity page against the session-write view, decision 96).
FORM_RENDERER = "absher_portal.form_rendering.InputShortcutRenderer"
WSGI_APPLICATION = "absher_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The site's own templates, then each journey's (accounts/<journey>/templates/):
        # a page's view, form and template live in one folder. These come before every app's
        # templates (the admin's too): keep journey templates under accounts/ names.
        "DIRS": [BASE_DIR / "templates", *sorted(BASE_DIR.glob("accounts/*/templates"))],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Data -----------------------------------------------------------------------------------
# DATABASE_URL is what the web processes and task workers connect with: in production a role
# that may read and write rows but not wipe the history nor change the schema. Migrations run
# as DATABASE_MIGRATION_URL's role, the schema's owner (``manage.py migrate_locked``, the release
# step), which then grants the runtime role its privileges (absher_portal/database_roles.py,
# decision 131). Without it, one role does both: SQLite development and single-role set-ups.
# (Lower-case names are not settings: the URLs, passwords included, stay out of diffsettings.)
_database_url = env.str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": env.db_url_config(_database_url)}
MIGRATION_DATABASE = env.db_url_config(env.str("DATABASE_MIGRATION_URL", default=_database_url))
if MIGRATION_DATABASE["ENGINE"] != DATABASES["default"]["ENGINE"]:
    raise ImproperlyConfigured(
        "DATABASE_MIGRATION_URL must name the same kind of database as DATABASE_URL."
    )
# Production keeps each worker's connection open between requests (checked before reuse).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0 if DEBUG else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind PgBouncer in transaction pooling (design.md §16): a server connection is this
# process's for one transaction only, so no cursor may outlive it. The portal keeps no other
# session state on a connection (advisory locks are transaction-scoped); migrations, which do
# (a session advisory lock, SET lock_timeout), run through DATABASE_MIGRATION_URL, directly.
DATABASE_TRANSACTION_POOLING = env.bool("DATABASE_TRANSACTION_POOLING", default=False)
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_TRANSACTION_POOLING
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Development only. IMMEDIATE transactions take the write lock up front and wait for it
    # (up to "timeout" seconds) instead of failing with "database is locked" mid-transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="portal"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    if not DEBUG and not env.bool("ALLOW_TEST_MODES", default=False):
        # Each process would keep its own sessions cache and its own rate-limit counts.
        raise ImproperlyConfigured(
            "REDIS_URL must be set when DJANGO_DEBUG is off: sessions and rate limits must be "
            "shared by every web process."
        )

# --- Accounts and passwords ------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameBackend"]
# Usernames are unique case-insensitively among accounts that hold them (a conditional
# constraint in accounts.models), not by a plain unique column; the backend above looks them
# up that way. See docs/decisions.md.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]

PASSWORD_HASHERS = [
    "accounts.hashers.PortalArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# OWASP's recommended Argon2id parameters (memory in KiB): see design.md §4.
ARGON2_MEMORY_COST_KIB = env.int("ARGON2_MEMORY_COST_KIB", default=19 * 1024)
ARGON2_TIME_COST = env.int("ARGON2_TIME_COST", default=2)
ARGON2_PARALLELISM = env.int("ARGON2_PARALLELISM", default=1)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "accounts.password_validation.AllowedCharactersValidator"},
    {
        "NAME": "accounts.password_validation.LengthValidator",
        "OPTIONS": {"min_length": 8, "max_length": 64},
    },
    {"NAME": "accounts.password_validation.CharacterClassesValidator"},
    {
        "NAME": "accounts.password_validation.UsernameOverlapValidator",
        "OPTIONS": {"max_shared_run": 4},
    },
    {"NAME": "accounts.password_validation.RepeatedRunValidator", "OPTIONS": {"run": 4}},
    {"NAME": "accounts.password_validation.SequentialRunValidator", "OPTIONS": {"run": 4}},
    {
        "NAME": "accounts.password_validation.CharacterFrequencyValidator",
        "OPTIONS": {"max_count": 4},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LOGIN_URL = "accounts:login"
LOGOUT_REDIRECT_URL = "accounts:home"
PENDING_TTL_DAYS = env.int("PENDING_TTL_DAYS", default=30)

# --- Sign-in throttling (issue 5) -------------------------------------------------------------
LOGIN_FAILURES_BEFORE_CAPTCHA = env.int("LOGIN_FAILURES_BEFORE_CAPTCHA", default=3)
LOGIN_LOCKOUT_FAILURES = env.int("LOGIN_LOCKOUT_FAILURES", default=5)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=15 * 60)
# A browser that signed in to an account keeps its own lockout for it this long (decision 105).
SIGNIN_DEVICE_DAYS = env.int("SIGNIN_DEVICE_DAYS", default=180)
# The admin opens only for staff whose session passed a passkey or an authenticator app, not
# SMS alone (accounts/staff/site.py, decision 268). Off in development, where staff have none.
STAFF_REQUIRE_STRONG_FACTOR = env.bool("STAFF_REQUIRE_STRONG_FACTOR", default=not DEBUG)
LOGIN_ATTEMPTS_PER_IP = env.int("LOGIN_ATTEMPTS_PER_IP", default=100)  # per hour
PASSWORD_RESET_REQUESTS_PER_IP = env.int("PASSWORD_RESET_REQUESTS_PER_IP", default=30)  # per hour
# Passkeys: sign-in requests per address (the login page asks for one on arrival, for autofill)
# and requests to add one per account, per hour.
PASSKEY_SIGN_IN_REQUESTS_PER_IP = env.int("PASSKEY_SIGN_IN_REQUESTS_PER_IP", default=300)
PASSKEY_ADD_REQUESTS_PER_ACCOUNT = env.int("PASSKEY_ADD_REQUESTS_PER_ACCOUNT", default=30)
# Every reset request (and resend) takes at least this long, matched or not (decision 46).
PASSWORD_RESET_MIN_SECONDS = env.float("PASSWORD_RESET_MIN_SECONDS", default=1.5)

# --- One-time codes (design.md §5) --------------------------------------------------------------
OTP_TTL_SECONDS = env.int("OTP_TTL_SECONDS", default=300)
OTP_MAX_ATTEMPTS = env.int("OTP_MAX_ATTEMPTS", default=5)
OTP_MAX_FAILURES = env.int("OTP_MAX_FAILURES", default=10)
OTP_RESEND_COOLDOWN_SECONDS = env.int("OTP_RESEND_COOLDOWN_SECONDS", default=60)
OTP_LIMIT_PER_MOBILE = env.int("OTP_LIMIT_PER_MOBILE", default=5)
OTP_LIMIT_PER_ID = env.int("OTP_LIMIT_PER_ID", default=5)
OTP_LIMIT_PER_IP = env.int("OTP_LIMIT_PER_IP", default=100)
# Reset codes per (ID number, mobile) pair per hour, decoys alike (decision 100).
OTP_LIMIT_PER_RESET_PAIR = env.int("OTP_LIMIT_PER_RESET_PAIR", default=5)
# Identity-step posts (each looks an ID number up) per client address per hour.
REGISTRATION_CHECKS_PER_IP = env.int("REGISTRATION_CHECKS_PER_IP", default=100)
# The cache holding every throttle's counters (accounts/limits.py): Redis in production.
LIMITS_CACHE = "default"
# How many proxies of ours (load balancer, ingress) sit in front of gunicorn: per-address limits
# then key on the address the outermost one saw (absher_portal/client_ip.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Only connections from these networks may speak for the client (X-Forwarded-For, X-Request-ID).
TRUSTED_PROXY_NETWORKS = env.list(
    "TRUSTED_PROXY_NETWORKS",
    default=["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
)

# --- Metrics (/metrics, absher_portal/metrics_endpoint.py; README "Metrics") ----------------------
# Who may read /metrics without the token: these networks (CIDR), the client's address taken
# strictly (an X-Forwarded-For only through TRUSTED_PROXY_*). Loopback only by default.
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"])
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"METRICS_ALLOWED_NETWORKS: {_network!r} is not a network (CIDR, e.g. 10.0.5.0/24)."
        ) from None
# A bearer token that also opens /metrics from anywhere (Authorization: Bearer ...); empty: none.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 32 characters (or empty: no token).")

# --- Request bodies (decision 99) ---------------------------------------------------------------
# The portal's forms are short and take no files: a larger body gets 413 before it is read.
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", default=1024 * 1024)

# --- Bank activation API (design.md §8) ---------------------------------------------------------
BANK_API_MAX_BODY_BYTES = 16 * 1024
BANK_SIGNATURE_MAX_AGE_SECONDS = env.int("BANK_SIGNATURE_MAX_AGE_SECONDS", default=300)
BANK_SIGNATURE_CLOCK_SKEW_SECONDS = env.int("BANK_SIGNATURE_CLOCK_SKEW_SECONDS", default=5)

# --- SMS and email ---------------------------------------------------------------------------
SMS_BACKEND = env.str("SMS_BACKEND", default="console")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(BASE_DIR / "sms.jsonl"))
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM = env.str("TWILIO_FROM", default="")
TWILIO_MESSAGING_SERVICE_SID = env.str("TWILIO_MESSAGING_SERVICE_SID", default="")
TWILIO_TIMEOUT_SECONDS = env.float("TWILIO_TIMEOUT_SECONDS", default=10.0)
# Notification SMS (activation, password changed) the provider refused are tried again after
# each of these waits, then given up: 6 attempts over about 2 h 43 min.
SMS_RETRY_DELAYS_SECONDS = env.list(
    "SMS_RETRY_DELAYS_SECONDS", cast=int, default=[30, 120, 600, 1800, 7200]
)

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="no-reply@portal.example.sa")
# A mail relay that hangs must not hold a worker (and a notice's claim) for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT_SECONDS", default=15)

# Development runs tasks in the request (after commit); production hands them to `make worker`.
TASKS_BACKEND = env.str("TASKS_BACKEND", default="immediate" if DEBUG else "database")
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
    "dummy": "django_tasks.backends.dummy.DummyBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {sorted(_TASK_BACKENDS)}.")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND]}}

# --- Housekeeping (issue 17; ``manage.py housekeeping``, housekeeping/) -------------------------
# How long rows that have served their purpose are kept before the nightly run deletes them.
# Expired sessions and captchas go as soon as they expire; audit history is never deleted.
OTP_RETENTION_DAYS = env.int("OTP_RETENTION_DAYS", default=7)
SMS_DELIVERY_RETENTION_DAYS = env.int("SMS_DELIVERY_RETENTION_DAYS", default=180)
TASK_RESULT_RETENTION_DAYS = env.int("TASK_RESULT_RETENTION_DAYS", default=30)
# One run deletes this many rows per transaction and stops after this long; the next continues.
HOUSEKEEPING_BATCH_SIZE = env.int("HOUSEKEEPING_BATCH_SIZE", default=1000)
HOUSEKEEPING_MAX_SECONDS = env.int("HOUSEKEEPING_MAX_SECONDS", default=300)

# --- The service, who runs it and how to reach them (footer, contact, help, error pages) -------
# Read by pages/service.py; each name in both languages. The defaults are placeholders for
# development: a deployment sets its own (README "Configuration").
SERVICE_NAME = {
    "en": env.str("SERVICE_NAME_EN", default="Absher portal"),
    "ar": env.str("SERVICE_NAME_AR", default="بوابة أبشر"),
}
OPERATOR_NAME = {
    "en": env.str("OPERATOR_NAME_EN", default="Digital Services Agency (example)"),
    "ar": env.str("OPERATOR_NAME_AR", default="وكالة الخدمات الرقمية (مثال)"),
}
SUPPORT_PHONE = env.str("SUPPORT_PHONE", default="+966 11 000 0000")
SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", default="support@portal.example.sa")
SUPPORT_HOURS = {
    "en": env.str("SUPPORT_HOURS_EN", default="Sunday to Thursday, 8am to 8pm (Riyadh time)"),
    "ar": env.str(
        "SUPPORT_HOURS_AR",
        # No-break spaces keep each hour with its «صباحًا» / «مساءً» on one line.
        default="من الأحد إلى الخميس، من الساعة 8\u00a0صباحًا إلى 8\u00a0مساءً (بتوقيت الرياض)",
    ),
}

# --- Captcha (django-simple-captcha reads these at import) -----------------------------------
CAPTCHA_CHALLENGE_FUNCT = "captcha.helpers.math_challenge"
CAPTCHA_MATH_CHALLENGE_OPERATOR = "x"
CAPTCHA_NOISE_FUNCTIONS = ("captcha.helpers.noise_dots",)
CAPTCHA_FONT_SIZE = 32
CAPTCHA_TIMEOUT = 10  # minutes
CAPTCHA_TEST_MODE = env.bool("CAPTCHA_TEST_MODE", default=False)
# The captcha as sound (accounts/audio_captcha, decision 172): espeak-ng speaks the calculation
# in the page's language. Without it (`make run` on a bare laptop) the page says audio is
# unavailable. Recordings made per client address per hour (replays come from the cache).
CAPTCHA_ESPEAK_PATH = env.str("CAPTCHA_ESPEAK_PATH", default="espeak-ng")
CAPTCHA_AUDIO_TIMEOUT_SECONDS = env.float("CAPTCHA_AUDIO_TIMEOUT_SECONDS", default=5.0)
CAPTCHA_AUDIO_PER_IP = env.int("CAPTCHA_AUDIO_PER_IP", default=300)

# --- Test modes must never reach production by accident (design.md §11) -------------------------
# The SMS backend is checked by sms.apps.SmsConfig.ready(), once it can be resolved
# to its class (an alias or a dotted path naming a development backend is caught either way).
ALLOW_TEST_MODES = env.bool("ALLOW_TEST_MODES", default=False)
if not DEBUG and CAPTCHA_TEST_MODE:
    if not ALLOW_TEST_MODES:
        raise ImproperlyConfigured(
            "Refusing to start with DJANGO_DEBUG off and CAPTCHA_TEST_MODE=1; set "
            "ALLOW_TEST_MODES=1 only for browser tests and benchmarks."
        )
    logging.getLogger("absher_portal").warning(
        "ALLOW_TEST_MODES is set: running with CAPTCHA_TEST_MODE=1. Never do this in production."
    )

# --- Sessions and cookies --------------------------------------------------------------------
# Sessions live in the database, read through the cache (Redis in production): any web process
# can serve any request, and losing Redis loses no session (decision 48). Django's own engine,
# public APIs only (decision 92).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Idle limit: activity is recorded at most once a minute, not on every request, so a page that
# changes nothing writes nothing; the store and the cookie keep the session that minute longer
# (accounts/sessions.py, decision 273).
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_ACTIVITY_SECONDS = 60
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS + SESSION_ACTIVITY_SECONDS
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Off only for a production-like server on plain-HTTP loopback (browser tests, benchmarks).
SECURE_COOKIES = env.bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_SAMESITE = "Lax"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[PUBLIC_ORIGIN])
# A calm, translated "reload and try again" page instead of Django's technical one.
CSRF_FAILURE_VIEW = "absher_portal.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Transport security (production: DJANGO_DEBUG=0) -----------------------------------------
# HTTPS is terminated by the load balancer. Set SECURE_PROXY_SSL_HEADER_TRUSTED=1 only when
# the proxy in front always sets X-Forwarded-Proto itself (and strips it from clients);
# otherwise a client could claim HTTPS. See README, "Production".
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load-balancer probes speak plain HTTP
if env.bool("SECURE_PROXY_SSL_HEADER_TRUSTED", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# A strict policy: nothing inline, nothing from elsewhere (django-csp 4). Every script and
# stylesheet is a file under static/; the captcha's picture and recording are served by the
# portal itself.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "media-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}

# --- Languages -------------------------------------------------------------------------------
LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", _("Arabic")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Riyadh"
USE_TZ = True
# Dates in each language's word order (Django has no Arabic DATETIME_FORMAT); the pages, SMS
# and emails add the Hijri date through absher_portal.dates (decision 151).
FORMAT_MODULE_PATH = ["absher_portal.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production serves hashed, pre-compressed files collected by `collectstatic`; development
    # serves the files under static/ as they are.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Logs ----------------------------------------------------------------------------------
# One JSON object per line in production (LOG_FORMAT=json), readable text in development. Every
# line carries the request id; national ID numbers are masked by a filter on the handler, and
# nothing in the portal logs a password or a one-time code (decision 49).
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be 'text' or 'json'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "absher_portal.logs.RequestIdFilter"},
        "redact": {"()": "absher_portal.logs.RedactFilter"},
    },
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "timestamp": False,
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id", "redact"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's default config gives "django" a console handler of its own (unmasked, and
        # a second copy of each line in development): ours replaces it.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # Twilio's HTTP client logs every request's URL and headers at INFO.
        "twilio.http_client": {"level": "WARNING"},
        # runserver's own access log keeps its handler; ours replaces it with the same filters.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
