"""Django views of ecom_ai's own pages: the search results page and the search-click redirect."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.http import url_has_allowed_host_and_scheme

from .conf import ecom_ai_settings
from .models import IndexedProduct
from .services.search import SearchParams, SearchResult, search
from .services.search_suggest import record_click, record_search

logger = logging.getLogger(__name__)
MAX_Q = 500


def _decimal(value: str | None):
    from decimal import Decimal, InvalidOperation

    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() and number >= 0 else None


def _params(request) -> SearchParams:
    get = request.GET
    in_stock = {"1": True, "true": True, "on": True}.get(get.get("in_stock", ""), None)
    try:
        page = max(1, min(1000, int(get.get("page", "1"))))
    except ValueError:
        page = 1
    sort = get.get("sort", "relevance")
    return SearchParams(
        q=get.get("q", ""),
        categories=tuple(get.getlist("category"))[:10],
        brands=tuple(get.getlist("brand"))[:10],
        min_price=_decimal(get.get("min_price")),
        max_price=_decimal(get.get("max_price")),
        in_stock=in_stock,
        sort=sort if sort in ("relevance", "price_asc", "price_desc") else "relevance",
        page=page,
        page_size=24,
    )


def _facet_links(request, result: SearchResult) -> dict[str, list[dict]]:
    """Facet values with the URL that toggles each one, so the template builds no query strings."""
    out: dict[str, list[dict]] = {}
    base = request.GET.copy()
    base.pop("page", None)
    for name in ("category", "brand"):
        active = set(request.GET.getlist(name))
        items = []
        for item in result.facets.get(name, []):
            params = base.copy()
            values = set(active)
            values.symmetric_difference_update({item["value"]})
            params.setlist(name, sorted(values))
            items.append({**item, "active": item["value"] in active, "url": "?" + params.urlencode()})
        out[name] = items
    price_items = []
    for item in result.facets.get("price", []):
        params = base.copy()
        params["min_price"] = item["min"]
        if item["max"]:
            params["max_price"] = item["max"]
        else:
            params.pop("max_price", None)
        label = f"{item['min']}–{item['max']}" if item["max"] else f"{item['min']}+"
        price_items.append({**item, "label": label, "url": "?" + params.urlencode()})
    out["price"] = price_items
    stock = base.copy()
    stock["in_stock"] = "1"
    out["in_stock_url"] = "?" + stock.urlencode()
    return out


def search_page(request):
    """The results page: product cards, facets, parsed constraints and "did you mean"."""
    q = request.GET.get("q", "")
    context = {"ecom_ai_base_template": ecom_ai_settings.BASE_TEMPLATE, "q": q[:MAX_Q]}
    if len(q) > MAX_Q:
        context["error"] = f"That search is too long; please use at most {MAX_Q} characters."
        return render(request, "ecom_ai/search/results.html", context, status=400)
    try:
        result = search(_params(request))
    except Exception:  # the host page must render even if search fails
        logger.exception("search failed for %r", q[:100])
        context["error"] = "Search is unavailable right now; please try again in a moment."
        return render(request, "ecom_ai/search/results.html", context, status=503)
    record_search(result, user=request.user, session_key=request.session.session_key or "")
    start = (result.page - 1) * result.page_size
    context.update(
        {
            "result": result,
            "facets": _facet_links(request, result),
            "hits": [
                {
                    "hit": hit,
                    "position": start + i + 1,
                    "click_url": f"{_click_base(hit.ref)}?{urlencode({'q': q, 'pos': start + i + 1})}",
                }
                for i, hit in enumerate(result.hits)
            ],
            "did_you_mean_url": "?" + urlencode({"q": result.did_you_mean}) if result.did_you_mean else "",
            "prev_url": _page_url(request, result.page - 1) if result.page > 1 else "",
            "next_url": _page_url(request, result.page + 1) if result.page < result.num_pages else "",
        }
    )
    return render(request, "ecom_ai/search/results.html", context)


def _click_base(ref: str) -> str:
    from django.urls import reverse

    return reverse("ecom_ai:search_click", args=[ref])


def _page_url(request, page: int) -> str:
    params = request.GET.copy()
    params["page"] = str(page)
    return "?" + params.urlencode()


def search_click(request, ref: str):
    """Record a click on a search result, then go to the product (its URL from the index only)."""
    product = get_object_or_404(IndexedProduct, product_ref=ref, is_visible=True)
    if not product.url or not url_has_allowed_host_and_scheme(
        product.url, allowed_hosts={request.get_host()}
    ):
        return HttpResponseBadRequest("This product has no page to go to.")
    try:
        position = int(request.GET.get("pos", ""))
    except ValueError:
        position = None
    try:
        record_click(
            ref,
            query=request.GET.get("q", "")[:MAX_Q],
            position=position,
            user=request.user,
            session_key=request.session.session_key or "",
        )
    except Exception:
        logger.exception("could not record a search click")
    return HttpResponseRedirect(product.url)
