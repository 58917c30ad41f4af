"""The interaction log that recommendations, analytics and experiments all read."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Event(models.Model):
    """One interaction of a customer (or an anonymous session) with the shop."""

    class Kind(models.TextChoices):
        VIEW = "view", "Product view"
        SEARCH = "search", "Search"
        SEARCH_CLICK = "search_click", "Search result click"
        ADD_TO_CART = "add_to_cart", "Add to cart"
        PURCHASE = "purchase", "Purchase"
        REC_IMPRESSION = "rec_impression", "Recommendation impression"
        REC_CLICK = "rec_click", "Recommendation click"
        CHAT = "chat", "Chat message"

    DEFAULT_WEIGHTS = {"view": 1.0, "search_click": 1.5, "add_to_cart": 3.0, "purchase": 5.0,
                       "rec_click": 1.5, "rec_impression": 0.0, "search": 0.0, "chat": 0.0}

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+", db_constraint=True)
    session_key = models.CharField(max_length=64, blank=True, db_index=True,
                                   help_text="Anonymous visitor id (cookie or session key).")
    product_ref = models.CharField(max_length=64, blank=True, db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    weight = models.FloatField(default=1.0)
    # Attribution: which widget/slot, strategy and experiment arm led here; search query text.
    slot = models.CharField(max_length=64, blank=True)
    strategy = models.CharField(max_length=64, blank=True)
    experiment = models.CharField(max_length=64, blank=True)
    arm = models.CharField(max_length=64, blank=True)
    query = models.CharField(max_length=500, blank=True)
    value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True,
                                help_text="Revenue for purchases.")
    context = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "-created_at"], name="ecom_ai_ev_user_time"),
            models.Index(fields=["session_key", "-created_at"], name="ecom_ai_ev_sess_time"),
            models.Index(fields=["kind", "created_at"], name="ecom_ai_ev_kind_time"),
            models.Index(fields=["product_ref", "kind"], name="ecom_ai_ev_prod_kind"),
        ]

    def __str__(self) -> str:
        who = f"user {self.user_id}" if self.user_id else f"session {self.session_key[:8]}"
        return f"{self.kind} {self.product_ref} by {who}"
