"""Autocomplete from product titles and past successful searches; search and click events."""

from __future__ import annotations

import logging

from django.db import connection
from django.db.models import Count
from django.db.models.functions import Lower
from django.utils import timezone

from ..models import Event
from ..runtime import tuning
from .search import SearchResult

logger = logging.getLogger(__name__)


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def autocomplete(prefix: str, limit: int | None = None) -> list[dict[str, str]]:
    """Suggestions for what a customer has typed so far: popular past searches that found products,
    then product titles containing the text (trigram index), each ``{"text", "kind", "url"}``."""
    prefix = " ".join((prefix or "").split())[:100]
    limit = int(limit or tuning()["search_autocomplete_limit"])
    if len(prefix) < 2:
        return []
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    past = (
        Event.objects.filter(kind=Event.Kind.SEARCH, query__istartswith=prefix, context__results__gt=0)
        .annotate(q=Lower("query"))
        .values("q")
        .annotate(n=Count("id"))
        .order_by("-n", "q")[:limit]
    )
    for row in past:
        text = row["q"].strip()
        if text and text not in seen:
            seen.add(text)
            out.append({"text": text, "kind": "query", "url": ""})
    if len(out) < limit:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT title, url FROM ecom_ai_indexedproduct WHERE is_visible AND title ILIKE %s "
                "ORDER BY (title ILIKE %s) DESC, in_stock DESC, length(title), id LIMIT %s",
                [f"%{_like_escape(prefix)}%", f"{_like_escape(prefix)}%", limit * 2],
            )
            for title, url in cursor.fetchall():
                if title.lower() not in seen and len(out) < limit:
                    seen.add(title.lower())
                    out.append({"text": title, "kind": "product", "url": url})
    return out


def record_search(result: SearchResult, *, user=None, session_key: str = "") -> Event | None:
    """Log a search for analytics: context holds results (0 for zero-result searches) and the fallback."""
    if not result.query.strip():
        return None
    try:
        return Event.objects.create(
            kind=Event.Kind.SEARCH,
            user=user if getattr(user, "is_authenticated", False) else None,
            session_key=session_key[:64],
            query=result.query[:500],
            weight=0.0,
            strategy=result.mode,
            context={
                "results": result.total,
                "fallback": result.fallback,
                "did_you_mean": result.did_you_mean,
                "page": result.page,
            },
            created_at=timezone.now(),
        )
    except Exception:  # analytics must never break a search page
        logger.exception("could not record a search event")
        return None


def record_click(
    product_ref: str, *, query: str = "", position: int | None = None, user=None, session_key: str = ""
) -> Event:
    """Log a click on a search result (it also makes that query a 'successful search' for suggestions)."""
    return Event.objects.create(
        kind=Event.Kind.SEARCH_CLICK,
        user=user if getattr(user, "is_authenticated", False) else None,
        session_key=session_key[:64],
        product_ref=product_ref[:64],
        query=query[:500],
        weight=Event.DEFAULT_WEIGHTS["search_click"],
        slot="search",
        context={"position": position} if position is not None else {},
        created_at=timezone.now(),
    )
