"""Admin for recommendations: merchandising rules, and a "forget in ecom_ai" action on users."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model

from ..models import MerchandisingRule
from ..services.privacy import forget_user


@admin.register(MerchandisingRule)
class MerchandisingRuleAdmin(admin.ModelAdmin):
    list_display = ["product_ref", "action", "slot", "weight", "active", "starts_at", "ends_at", "note"]
    list_filter = ["action", "slot", "active"]
    search_fields = ["product_ref", "note"]
    list_editable = ["active"]


@admin.action(
    description="Forget in ecom_ai (delete events, chats and other data about these users)",
    permissions=["delete"],
)
def forget_in_ecom_ai(modeladmin, request, queryset):
    total: dict[str, int] = {}
    for pk in queryset.values_list("pk", flat=True):
        for name, count in forget_user(pk).items():
            total[name] = total.get(name, 0) + count
    summary = ", ".join(f"{count} {name}" for name, count in sorted(total.items())) or "nothing"
    modeladmin.message_user(
        request, f"ecom_ai forgot {queryset.count()} user(s): removed {summary}.", messages.SUCCESS
    )


def _add_forget_action() -> None:
    """Add the action to the host's user admin (whatever class the host registered)."""
    user_admin = admin.site._registry.get(get_user_model())
    if user_admin is None:
        return
    actions = list(user_admin.actions or [])
    if forget_in_ecom_ai not in actions:
        user_admin.actions = [*actions, forget_in_ecom_ai]


_add_forget_action()
