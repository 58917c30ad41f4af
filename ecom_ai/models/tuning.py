"""The run-time settings singleton that staff edit in admin (read through ``runtime.tuning()``)."""

from __future__ import annotations

from django.db import models

from .overrides import OverridesMixin


class TuningSettings(OverridesMixin, models.Model):
    """One row: overrides of ``ecom_ai.runtime.DEFAULTS``, validated against ``runtime.SCHEMA``.

    Only values that differ from the defaults are stored, as JSON, so a new key in DEFAULTS needs
    no migration and a changed default in code still reaches shops that never touched it.
    """

    SINGLETON_ID = 1

    overrides = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = "run-time settings"
        verbose_name_plural = "run-time settings"

    def __str__(self) -> str:
        return "Run-time settings"

    invalidate_path = "ecom_ai.services.tuning.invalidate"

    def save(self, *args, **kwargs) -> None:
        self.pk = self.SINGLETON_ID
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.clean_overrides()

    @classmethod
    def load(cls) -> TuningSettings:
        """The singleton row (created empty on first use)."""
        obj, _ = cls.objects.get_or_create(pk=cls.SINGLETON_ID)
        return obj


class EngagementDashboard(models.Model):
    """No table: gives the engagement dashboard an entry and permissions in the admin index."""

    class Meta:
        managed = False
        default_permissions = ("view",)
        verbose_name = "engagement dashboard"
        verbose_name_plural = "engagement dashboard"

    def __str__(self) -> str:
        return "Engagement dashboard"
