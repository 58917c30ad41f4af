"""The indexed copy of each host product: filterable fields, the embedded text and its vector."""

from __future__ import annotations

from django.db import models
from pgvector.django import VectorField


class IndexedProductQuerySet(models.QuerySet):
    def fresh(self, model_key: str) -> IndexedProductQuerySet:
        return self.filter(model_key=model_key, embedding__isnull=False, embedded_hash=models.F("content_hash"))

    def stale(self, model_key: str) -> IndexedProductQuerySet:
        """Rows whose vector is missing, from another model, or from older text (skipped rows excluded)."""
        return self.filter(skip_reason="").exclude(
            models.Q(model_key=model_key, embedding__isnull=False, embedded_hash=models.F("content_hash"))
        )


class IndexedProduct(models.Model):
    """One row per host product: the document ecom_ai searches, filters and recommends from.

    ``content_hash`` identifies the current text under the current model; ``embedded_hash`` the
    text the stored vector was computed from. They differ while an embedding is pending, which
    makes writes idempotent: a late worker never overwrites a newer vector with an older one.
    """

    product_ref = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=500)
    brand = models.CharField(max_length=200, blank=True, db_index=True)
    category = models.CharField(max_length=200, blank=True, db_index=True)
    description = models.TextField(blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    in_stock = models.BooleanField(default=True)
    is_visible = models.BooleanField(default=True)
    url = models.CharField(max_length=500, blank=True)

    text = models.TextField(blank=True, help_text="The text the encoder reads.")
    content_hash = models.CharField(max_length=64, blank=True)
    model_key = models.CharField(max_length=200, blank=True)
    dimensions = models.PositiveSmallIntegerField(null=True, blank=True)
    # Dimension-free column: the HNSW index is an expression index per model and dimension.
    embedding = VectorField(null=True, blank=True)
    embedded_hash = models.CharField(max_length=64, blank=True)
    embedded_at = models.DateTimeField(null=True, blank=True)
    skip_reason = models.CharField(max_length=200, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IndexedProductQuerySet.as_manager()

    class Meta:
        verbose_name = "indexed product"
        indexes = [
            models.Index(fields=["in_stock", "is_visible"], name="ecom_ai_ip_stock_vis"),
            models.Index(fields=["price"], name="ecom_ai_ip_price"),
        ]

    def __str__(self) -> str:
        return f"{self.product_ref}: {self.title}"

    @property
    def is_fresh(self) -> bool:
        return self.embedding is not None and self.embedded_hash == self.content_hash
