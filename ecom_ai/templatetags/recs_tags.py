"""Recommendation and tracking tags: ``{% recommended_for_you %}``, ``{% similar_products p %}``,
``{% bought_together p %}``, ``{% trending_products %}``, ``{% recently_viewed %}``,
``{% buy_again %}``, ``{% ecom_ai_track product "view" %}`` and ``{% ecom_ai_scripts %}``.

Each widget tag takes ``limit=``, ``title=`` and ends optionally with ``as var`` (the list of
``Recommendation`` objects for custom markup instead of the template). A tag never breaks the
page: on any failure it logs and renders the last good result for that slot, or nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from django import template
from django.core.cache import cache
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html

from ..conf import ecom_ai_settings

logger = logging.getLogger(__name__)
register = template.Library()

DEFAULT_TITLES = {
    "for_you": "Recommended for you",
    "similar": "Similar products",
    "bought_together": "Frequently bought together",
    "trending": "Trending now",
    "recently_viewed": "Recently viewed",
    "buy_again": "Buy it again",
}
# Slots whose result does not depend on the visitor: their last good list is kept as a fallback.
SHARED_SLOTS = {"similar", "bought_together", "trending"}
FALLBACK_SECONDS = 6 * 3600


def _ref(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str | int):
        return str(value)
    from ..adapters import get_shop_adapter

    product = getattr(value, "product", None)  # a cart line
    return get_shop_adapter().product_ref(product if product is not None else value)


def _refs(value: Any) -> tuple[str, ...]:
    if isinstance(value, list | tuple | set) or hasattr(value, "__iter__") and not isinstance(value, str):
        try:
            return tuple(r for r in (_ref(v) for v in value) if r)
        except TypeError:
            pass
    ref = _ref(value)
    return (ref,) if ref else ()


def _fallback_key(slot: str, anchors: tuple[str, ...], limit: int) -> str:
    return f"ecom_ai:recs:last:{slot}:{limit}:{','.join(anchors)[:200]}"


def _record_impressions(request: Any, recs: list) -> None:
    if ecom_ai_settings.RECS_IMPRESSIONS != "render" or not recs:
        return
    from ..models import Event
    from ..services.events import _event as make_event
    from ..services.events import actor_of

    user, vid = actor_of(request) if request is not None else (None, "")
    Event.objects.bulk_create(
        [
            make_event(
                "rec_impression",
                user=user,
                session_key=vid,
                product_ref=r.product_ref,
                slot=r.slot,
                strategy=r.strategy,
            )
            for r in recs
        ]
    )


class RecommendationNode(template.Node):
    def __init__(self, slot: str, product: Any, kwargs: dict[str, Any], target: str | None):
        self.slot, self.product, self.kwargs, self.target = slot, product, kwargs, target

    def render(self, context) -> str:
        request = context.get("request")
        anchors: tuple[str, ...] = ()
        limit = 8
        try:
            from ..services.events import actor_of
            from ..services.recommend import recommend

            options = {k: v.resolve(context) for k, v in self.kwargs.items()}
            limit = int(options.pop("limit", 8))
            title = options.pop("title", None) or DEFAULT_TITLES[self.slot]
            anchors = _refs(self.product.resolve(context)) if self.product is not None else ()
            user, vid = actor_of(request) if request is not None else (None, "")
            recs = recommend(
                self.slot,
                user=user,
                session_key=vid,
                product_ref=anchors or None,
                limit=limit,
                overrides=options or None,
            )
            if self.slot in SHARED_SLOTS and recs:
                cache.set(_fallback_key(self.slot, anchors, limit), recs, FALLBACK_SECONDS)
            _record_impressions(request, recs)
        except Exception:
            logger.exception("ecom_ai: %s widget failed; rendering the fallback", self.slot)
            try:
                recs = (
                    cache.get(_fallback_key(self.slot, anchors, limit)) or []
                    if self.slot in SHARED_SLOTS
                    else []
                )
                title = DEFAULT_TITLES[self.slot]
            except Exception:
                logger.exception("ecom_ai: fallback cache unavailable")
                recs = []
        if self.target:
            context[self.target] = recs
            return ""
        if not recs:
            return ""
        try:
            return render_to_string(
                [f"ecom_ai/recommendations/{self.slot}.html", "ecom_ai/recommendations/widget.html"],
                {
                    "recommendations": recs,
                    "title": title,
                    "slot": self.slot,
                    "impressions": ecom_ai_settings.RECS_IMPRESSIONS,
                },
                request=request,
            )
        except Exception:
            logger.exception("ecom_ai: %s widget template failed", self.slot)
            return ""


def _parse(parser, token, slot: str, takes_product: bool) -> RecommendationNode:
    bits = token.split_contents()
    name, bits = bits[0], bits[1:]
    target = None
    if len(bits) >= 2 and bits[-2] == "as":
        target, bits = bits[-1], bits[:-2]
    product = None
    if takes_product:
        if not bits or "=" in bits[0]:
            raise template.TemplateSyntaxError(f"{name} needs a product: {{% {name} product %}}")
        product, bits = parser.compile_filter(bits[0]), bits[1:]
    kwargs = template.base.token_kwargs(bits, parser)
    if bits:
        raise template.TemplateSyntaxError(
            f"{name}: unexpected arguments {bits}; use limit=, title= and 'as var'"
        )
    return RecommendationNode(slot, product, kwargs, target)


def _widget(tag: str, slot: str, takes_product: bool = False) -> None:
    register.tag(tag, lambda parser, token: _parse(parser, token, slot, takes_product))


_widget("recommended_for_you", "for_you")
_widget("similar_products", "similar", takes_product=True)
_widget("bought_together", "bought_together", takes_product=True)
_widget("trending_products", "trending")
_widget("recently_viewed", "recently_viewed")
_widget("buy_again", "buy_again")


@register.simple_tag(takes_context=True)
def ecom_ai_track(context, product: Any, kind: str = "view") -> str:
    """Record a server-side event (e.g. a product view) for this visitor; renders nothing."""
    try:
        from ..services.events import record_event

        if kind not in ("view", "search_click", "add_to_cart"):
            raise ValueError(f"ecom_ai_track cannot record {kind!r}")
        record_event(kind, request=context.get("request"), product_ref=_ref(product))
    except Exception:
        logger.exception("ecom_ai: could not track %s", kind)
    return ""


@register.simple_tag(takes_context=True)
def ecom_ai_scripts(context) -> str:
    """The beacon script, with the endpoint and this visitor's CSRF token as data attributes."""
    request = context.get("request")
    try:
        token = get_token(request) if request is not None else ""
        return format_html(
            '<script src="{}" data-endpoint="{}" data-csrf="{}" defer></script>',
            static("ecom_ai/track.js"),
            reverse("ecom_ai:events"),
            token,
        )
    except Exception:
        logger.exception("ecom_ai: could not render the beacon script")
        return ""
