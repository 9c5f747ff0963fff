"""The allauth peer (issue 8): what a Django team would otherwise ship for sign-up.

A fresh ``startproject`` plus django-allauth's documented minimum: username + email +
password, email verification off, allauth's defaults otherwise (its rate limits stay on; the
load tool gives every simulated client its own X-Forwarded-For address, as for the portal).
Passwords are hashed with Django's default, PBKDF2-SHA256 (1,000,000 iterations in 5.2).
Production-like: DEBUG off, PostgreSQL with persistent connections (the benchmark database,
schema ``allauth_peer``), gunicorn with as many workers as the portal.
"""

import os
from urllib.parse import urlparse

DEBUG = False
SECRET_KEY = "bench-peer-only-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]
ROOT_URLCONF = "urls"
WSGI_APPLICATION = "wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

_db = urlparse(os.environ["PEER_DATABASE_URL"])
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _db.path.lstrip("/"),
        "USER": _db.username or "postgres",
        "HOST": _db.hostname or "127.0.0.1",
        "PORT": _db.port or 5432,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"options": "-c search_path=allauth_peer"},
    }
}
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ALLAUTH_TRUSTED_PROXY_COUNT = 1
LOGIN_REDIRECT_URL = "/done/"
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The second peer of issue 16 hashes as the portal does (bench/run.py passes the portal's own
# Argon2id parameters): the comparison then measures the engineering, not the hash.
if os.environ.get("PEER_ARGON2_MEMORY_KIB"):
    PASSWORD_HASHERS = ["hashers.PortalParamsArgon2PasswordHasher"]
