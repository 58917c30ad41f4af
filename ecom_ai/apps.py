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
        from django.contrib.auth.signals import user_logged_in

        from .services import tuning  # noqa: F401  (per-request tuning memo signals)
        from .services.events import on_user_logged_in

        user_logged_in.connect(on_user_logged_in, dispatch_uid="ecom_ai_merge_anonymous_history")
