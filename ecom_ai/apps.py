"""App config: registers system checks and the product signal handlers."""

from __future__ import annotations

from django.apps import AppConfig


class EcomAIConfig(AppConfig):
    name = "ecom_ai"
    verbose_name = "ecom_ai"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the checks)
        from .signals import connect_product_signals

        connect_product_signals()
        from .services import tuning  # noqa: F401  (per-request tuning memo signals)
