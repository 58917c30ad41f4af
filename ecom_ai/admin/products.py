"""Admin for indexed products and their embeddings."""

from __future__ import annotations

from django.contrib import admin

from ..models import IndexedProduct


@admin.register(IndexedProduct)
class IndexedProductAdmin(admin.ModelAdmin):
    list_display = ["product_ref", "title", "category", "brand", "in_stock", "model_key", "embedded_at", "skip_reason"]
    list_filter = ["in_stock", "is_visible", "model_key", "category"]
    search_fields = ["product_ref", "title", "brand"]
    readonly_fields = [f.name for f in IndexedProduct._meta.fields]
