"""Admin for the catalogue."""

from django.contrib import admin

from .models import Category, Product


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["title", "sku", "brand", "category", "price", "stock", "is_active"]
    list_filter = ["category", "is_active", "consumable", "source"]
    search_fields = ["title", "sku", "brand"]
    prepopulated_fields = {"slug": ["title"]}
