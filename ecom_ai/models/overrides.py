"""Shared behaviour of models that hold run-time setting overrides (the settings row, experiment arms)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.module_loading import import_string


class OverridesMixin:
    """Validates ``overrides`` against the tuning schema on ``clean`` and, after every save or
    delete, calls ``invalidate_path`` so that cached copies in every process are dropped."""

    invalidate_path: str

    def _invalidate(self) -> None:
        import_string(self.invalidate_path)()

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        self._invalidate()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        self._invalidate()
        return result

    def clean_overrides(self) -> None:
        from ..services.tuning import validate_overrides

        cleaned, errors = validate_overrides(self.overrides)
        if errors:
            raise ValidationError({"overrides": [f"{k}: {v}" for k, v in errors.items()]})
        self.overrides = cleaned
