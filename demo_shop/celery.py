"""The shop's Celery application; ecom_ai's tasks are found through autodiscovery."""

from __future__ import annotations

import os

from celery import Celery

from ecom_ai.workers import configure_celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_shop.settings")

app = Celery("demo_shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
configure_celery(app)  # ecom_ai's queue routes and its periodic sweep
