"""``{% ecom_ai_search_box %}``: a search form with autocomplete, posting to ecom_ai's results page."""

from __future__ import annotations

from django import template
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("ecom_ai/search/box.html", takes_context=True)
def ecom_ai_search_box(context, placeholder: str = "Search products"):
    """The search box; the current query (``?q=``) is kept in it."""
    request = context.get("request")
    q = request.GET.get("q", "")[:500] if request is not None else ""
    return {
        "q": q,
        "placeholder": placeholder,
        "action": reverse("ecom_ai:search"),
        "suggest_url": reverse("ecom_ai:api_search_suggest"),
    }
