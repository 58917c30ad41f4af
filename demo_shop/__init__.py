"""The demo shop: an ordinary Django shop that installs ecom_ai like any customer would."""

from .celery import app as celery_app

__all__ = ("celery_app",)
