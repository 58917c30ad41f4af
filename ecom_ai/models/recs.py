"""Recommendation tables: pair statistics, item statistics and embedding neighbours (refreshed by
Celery tasks), and the merchandising rules staff set in admin (pin / boost / bury)."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models


class ItemPair(models.Model):
    """How often two products meet in the same history (directed: ``other`` relative to ``product``).

    ``co_purchase``: bought by the same customer close together; ``co_cart``: put in the cart (or
    bought) together; ``co_view``: any interaction of one actor within a few steps, weighted
    1/distance; ``next_weight``: the same, counting only ``other`` *after* ``product``.
    """

    product_ref = models.CharField(max_length=64)
    other_ref = models.CharField(max_length=64)
    co_purchase = models.FloatField(default=0)
    co_cart = models.FloatField(default=0)
    co_view = models.FloatField(default=0)
    next_weight = models.FloatField(default=0)
    # Distinct actors of each product, copied here so a read needs no second query.
    product_actors = models.FloatField(default=1)
    other_actors = models.FloatField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product_ref", "other_ref"], name="ecom_ai_pair_uniq")]

    def __str__(self) -> str:
        return f"{self.product_ref} -> {self.other_ref}"


class ItemStat(models.Model):
    """Per-product popularity: all-time actors, time-decayed trend, and repeat-purchase evidence."""

    product_ref = models.CharField(max_length=64, unique=True)
    actors = models.FloatField(default=0, help_text="Distinct customers/sessions that interacted.")
    trend_score = models.FloatField(default=0, db_index=True, help_text="Time-decayed weighted interactions.")
    buyers = models.IntegerField(default=0)
    repeat_buyers = models.IntegerField(default=0)
    consumable = models.BooleanField(
        default=False, help_text="Bought again and again (adapter flag or repeat stats)."
    )
    refreshed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.product_ref


class ItemNeighbours(models.Model):
    """The nearest products of one product by stored embedding, best first (what ``similar`` reads).

    Prepared by ``services.recs_neighbours``: rebuilt by the periodic refresh when vectors changed,
    and for single products right after their vector changes. Stock and visibility are not applied
    here; the business rules apply them, fresh, on every request.
    """

    product_ref = models.CharField(max_length=64, unique=True)
    model_key = models.CharField(max_length=200)
    neighbours = ArrayField(models.CharField(max_length=64), default=list)
    similarities = ArrayField(models.FloatField(), default=list, help_text="Cosine similarity, best first.")
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "item neighbours"

    def __str__(self) -> str:
        return f"{self.product_ref}: {len(self.neighbours)} neighbours"


class MerchandisingRule(models.Model):
    """Staff override of the recommenders for one product: pin to the top, boost, or bury."""

    class Action(models.TextChoices):
        PIN = "pin", "Pin to the top"
        BOOST = "boost", "Boost"
        BURY = "bury", "Bury (never show)"

    product_ref = models.CharField(max_length=64, db_index=True)
    action = models.CharField(max_length=8, choices=Action.choices)
    slot = models.CharField(
        max_length=64, blank=True, help_text="Only this slot (e.g. for_you, trending); empty = every slot."
    )
    weight = models.FloatField(default=1.0, help_text="Boost: score multiplied by 1 + weight.")
    active = models.BooleanField(default=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "merchandising rule"

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.product_ref} ({self.slot or 'all slots'})"
