"""Template context shared by every page of the shop: categories and the cart count."""

from __future__ import annotations

from .models import Category


def shop(request):
    cart = request.session.get("cart", {}) if hasattr(request, "session") else {}
    return {
        "nav_categories": Category.objects.all(),
        "cart_count": sum(int(q) for q in cart.values()),
    }
