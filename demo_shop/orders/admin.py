"""Admin for orders."""

from django.contrib import admin

from .models import Order, OrderLine


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ["product"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "email", "status", "total", "created_at"]
    list_filter = ["status"]
    search_fields = ["number", "email"]
    inlines = [OrderLineInline]
    raw_id_fields = ["user"]
