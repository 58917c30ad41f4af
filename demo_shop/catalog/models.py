"""Catalogue models: a category tree one level deep and products with free-form attributes."""

from __future__ import annotations

import hashlib

from django.db import models
from django.urls import reverse


class Category(models.Model):
    slug = models.SlugField(unique=True, max_length=80)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:category", args=[self.slug])


class Product(models.Model):
    sku = models.CharField("SKU", max_length=64, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    title = models.CharField(max_length=300)
    brand = models.CharField(max_length=120, blank=True, db_index=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    stock = models.PositiveIntegerField(default=0)
    attributes = models.JSONField(default=dict, blank=True)
    consumable = models.BooleanField(default=False, help_text="Bought again and again (coffee, toner, food).")
    is_active = models.BooleanField(default=True)
    source = models.CharField(max_length=20, default="demo", help_text="demo or icecat")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["category", "is_active"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("catalog:product", args=[self.slug])

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    @property
    def image_hue(self) -> int:
        """A stable colour for the placeholder image."""
        return int(hashlib.md5(self.sku.encode()).hexdigest()[:4], 16) % 360
