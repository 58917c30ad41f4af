"""A/B experiments: variants of a slot's strategy or tuning, with deterministic traffic split."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from .overrides import OverridesMixin

SLOTS = [
    ("for_you", "For you"),
    ("similar", "Similar products"),
    ("bought_together", "Bought together"),
    ("trending", "Trending"),
    ("recently_viewed", "Recently viewed"),
    ("search_box", "Search"),
    ("chat", "Chat assistant"),
]

key_validator = RegexValidator(r"^[a-z0-9][a-z0-9_-]*$", "Use lower-case letters, digits, '-' and '_'.")


class Experiment(models.Model):
    """Splits the visitors of one slot between variants; events carry ``experiment``/``arm``."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        RUNNING = "running", "Running"
        STOPPED = "stopped", "Stopped"

    class BucketBy(models.TextChoices):
        USER = "user", "Signed-in user (falls back to session)"
        SESSION = "session", "Session"

    class Metric(models.TextChoices):
        CTR = "ctr", "Click-through rate"
        CONVERSION = "conversion", "Conversion (visitors who purchase)"
        REVENUE = "revenue", "Revenue per visitor"

    key = models.CharField(
        max_length=64,
        unique=True,
        validators=[key_validator],
        help_text="Short id stored on every event of this experiment.",
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    slot = models.CharField(max_length=64, choices=SLOTS)
    bucket_by = models.CharField(max_length=10, choices=BucketBy.choices, default=BucketBy.USER)
    primary_metric = models.CharField(max_length=12, choices=Metric.choices, default=Metric.CONVERSION)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    started_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    winner = models.CharField(max_length=64, blank=True, help_text="Arm promoted into the run-time settings.")
    simulated = models.BooleanField(
        default=False, help_text="Created by ecom_ai_simulate_traffic (demo data)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        from ..services.experiments import invalidate

        invalidate()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        from ..services.experiments import invalidate

        invalidate()
        return result

    def clean(self) -> None:
        if self.status == self.Status.RUNNING:
            clash = Experiment.objects.filter(slot=self.slot, status=self.Status.RUNNING).exclude(pk=self.pk)
            if clash.exists():
                raise ValidationError(
                    {
                        "status": f"Experiment {clash.first().key!r} already runs on this "
                        "slot; stop it first (one running experiment per slot)."
                    }
                )

    def start(self) -> None:
        self.status = self.Status.RUNNING
        self.started_at = self.started_at or timezone.now()
        self.stopped_at = None
        self.full_clean()
        self.save()

    def stop(self) -> None:
        self.status = self.Status.STOPPED
        self.stopped_at = timezone.now()
        self.save()


class Variant(OverridesMixin, models.Model):
    """One arm: a traffic share and what it changes (a strategy or tuning overrides)."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="variants")
    key = models.CharField(max_length=64, validators=[key_validator], help_text="Arm id stored on events.")
    is_control = models.BooleanField(default=False)
    weight = models.PositiveIntegerField(default=50, help_text="Relative traffic share.")
    strategy = models.CharField(
        max_length=64,
        blank=True,
        help_text="Serve only this strategy in the slot (sets blend weights to it).",
    )
    overrides = models.JSONField(
        default=dict, blank=True, help_text='Run-time settings for this arm, e.g. {"chat_enabled": false}.'
    )

    class Meta:
        ordering = ["-is_control", "key"]
        constraints = [
            models.UniqueConstraint(fields=["experiment", "key"], name="ecom_ai_variant_unique_key")
        ]

    def __str__(self) -> str:
        return self.key

    invalidate_path = "ecom_ai.services.experiments.invalidate"

    def clean(self) -> None:
        self.clean_overrides()
        if self.strategy and not self.strategy.replace("_", "").isalnum():
            raise ValidationError({"strategy": "Strategy names are letters, digits and underscores."})

    def effective_overrides(self, slot: str) -> dict:
        """The tuning values this arm applies (its overrides, plus a one-strategy blend)."""
        values = dict(self.overrides or {})
        if self.strategy:
            values[f"recs_blend_{slot}"] = {self.strategy: 1.0}
        return values
