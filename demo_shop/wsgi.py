"""WSGI entry point (HTTP only; the chat needs ASGI)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_shop.settings")
application = get_wsgi_application()

from ecom_ai.services.warmup import start_warmup  # noqa: E402

start_warmup()  # encoder and search index loaded before the first search, in a background thread
