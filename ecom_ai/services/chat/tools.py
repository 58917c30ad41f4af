"""The agent's tools. Each calls the same services and shop adapter as the rest of ecom_ai.

Tools take the caller's identity from the connection (``ChatContext``), never from the message:
a customer only ever reaches their own orders, and a guest must give order number and email.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from ...adapters import get_shop_adapter
from ...adapters.base import OrderInfo
from ...core.chat import ToolResult
from ...models import Conversation, Event, IndexedProduct
from ...runtime import tuning
from ..indexing import current_model_key
from ..query_batcher import EncodingUnavailable

logger = logging.getLogger(__name__)


@dataclass
class ChatContext:
    """Who is asking: the connection's user and session, and the conversation."""

    user: Any
    session: Any
    conversation: Conversation

    @property
    def signed_in(self) -> bool:
        return bool(getattr(self.user, "is_authenticated", False))

    @property
    def session_key(self) -> str:
        return getattr(self.session, "session_key", None) or ""


# --- products ------------------------------------------------------------------------------------
_FILLER = re.compile(
    r"\b(?:do you (?:have|sell|stock)|i'?m looking for|i am looking for|looking for|show me|find me|find|"
    r"search for|i need|i want|any|some|please|can you|could you|what|which)\b",
    re.IGNORECASE,
)
_PRICE_PHRASE = re.compile(
    r"\b(?:under|below|less than|cheaper than|max(?:imum)?|at most|up to|no more than|over|above|more than|"
    r"at least|between|from)\s+[€$£]?\s*\d[\d.,]*(?:\s*(?:and|to|-)\s*[€$£]?\s*\d[\d.,]*)?\s*"
    r"(?:€|eur(?:os?)?|\$|usd|dollars?|£)?",
    re.IGNORECASE,
)


def product_query(text: str) -> str:
    """The product words of a message, without price phrases and request filler."""
    query = _FILLER.sub(" ", _PRICE_PHRASE.sub(" ", text))
    query = " ".join(re.sub(r"[?!.,]+", " ", query).split())
    return query or text


def _search_cards(
    query: str, *, min_price: Decimal | None, max_price: Decimal | None, k: int
) -> list[dict[str, Any]]:
    """Cards for a chat question: the shop's hybrid search (in stock, within the price bounds the
    chat extracted), falling back to plain vector neighbours if search fails. Search hits carry
    every card field (from the same indexed rows), so they are not read a second time."""
    from ..search import SearchParams, search

    try:
        result = search(SearchParams(q=query, min_price=min_price, max_price=max_price, in_stock=True,
                                     page_size=k))
        return [_card(hit) for hit in result.hits[:k]]
    except EncodingUnavailable:
        raise  # the vector fallback would wait for the same encoder again
    except Exception:  # never break the chat: degrade to vector search
        logger.exception("hybrid search failed for chat; using vector search")
    from ..query_encoding import encode_query
    from ..vectors import VectorFilters, nearest

    filters = VectorFilters(min_price=min_price, max_price=max_price, in_stock=True)
    refs = [ref for ref, _ in nearest(encode_query(query), current_model_key(), k=k, filters=filters)]
    return product_cards(refs)


def _card(p: Any) -> dict[str, Any]:
    """A product card from an indexed product or a search hit (both have these fields)."""
    return {
        "ref": getattr(p, "product_ref", None) or p.ref,
        "title": p.title,
        "price": str(p.price) if p.price is not None else None,
        "in_stock": p.in_stock,
        "url": p.url,
        "brand": p.brand,
        "category": p.category,
    }


def product_cards(refs: list[str]) -> list[dict[str, Any]]:
    """Cards built from the indexed copy of the products: title, price and stock as the shop has them."""
    rows = {p.product_ref: p for p in IndexedProduct.objects.filter(product_ref__in=refs, is_visible=True)}
    return [_card(rows[ref]) for ref in refs if ref in rows]


def search_products(
    text: str, *, min_price: Decimal | None = None, max_price: Decimal | None = None, k: int | None = None
) -> ToolResult:
    """Products matching the message, within the price bounds it named."""
    k = k or int(tuning()["chat_product_results"])
    query = product_query(text)
    cards = _search_cards(query, min_price=min_price, max_price=max_price, k=k)
    facts = {
        "query": query,
        "min_price": str(min_price) if min_price is not None else None,
        "max_price": str(max_price) if max_price is not None else None,
        "products": [{k2: c[k2] for k2 in ("ref", "title", "price", "in_stock")} for c in cards],
    }
    return ToolResult("search_products", bool(cards), facts, cards=cards)


def recommend_products(ctx: ChatContext, *, k: int | None = None) -> ToolResult:
    """Similar to what was last shown, else close to what the customer bought, else popular now."""
    from ..vectors import VectorFilters, nearest

    k = k or int(tuning()["chat_product_results"])
    adapter = get_shop_adapter()
    model_key = current_model_key()
    seen = [c["ref"] for c in ctx.conversation.state.get("last_cards", [])]
    bought = adapter.purchased_product_refs(ctx.user) if ctx.signed_in else set()
    anchors = seen[:1] or sorted(bought)[:5]
    refs: list[str] = []
    basis = "popular"
    if anchors:
        vectors = [
            p.embedding for p in IndexedProduct.objects.fresh(model_key).filter(product_ref__in=anchors)
        ]
        if vectors:
            import numpy as np

            centre = np.mean([np.asarray(v, dtype=np.float32) for v in vectors], axis=0)
            centre /= np.linalg.norm(centre) or 1.0
            filters = VectorFilters(in_stock=True, exclude_refs=tuple(set(anchors) | bought))
            refs = [r for r, _ in nearest(centre, model_key, k=k, filters=filters)]
            basis = "similar_to_last_shown" if seen else "your_purchases"
    if not refs:
        since = timezone.now() - timezone.timedelta(days=30)
        popular = (
            Event.objects.filter(created_at__gte=since, kind__in=["view", "add_to_cart", "purchase"])
            .exclude(product_ref="")
            .values("product_ref")
            .annotate(n=Count("id"))
            .order_by("-n")[: k * 3]
        )
        refs = [row["product_ref"] for row in popular]
        if len(refs) < k:
            refs += list(
                IndexedProduct.objects.filter(is_visible=True, in_stock=True)
                .exclude(product_ref__in=refs)
                .order_by("-updated_at")
                .values_list("product_ref", flat=True)[:k]
            )
    cards = [c for c in product_cards(refs) if c["in_stock"]][:k]
    return ToolResult(
        "recommend_products",
        bool(cards),
        {
            "basis": basis,
            "products": [{k2: c[k2] for k2 in ("ref", "title", "price", "in_stock")} for c in cards],
        },
        cards=cards,
    )


def add_to_cart(ctx: ChatContext, ref: str, quantity: int = 1) -> ToolResult:
    """Put a product in the visitor's cart (the same cart the shop pages show)."""
    quantity = max(1, min(int(quantity or 1), 20))
    card = next(iter(product_cards([ref])), None)
    request = SimpleNamespace(session=ctx.session, user=ctx.user)
    try:
        ok = bool(card) and get_shop_adapter().add_to_cart(request, ref, quantity)
    except Exception:
        logger.exception("add_to_cart failed for %s", ref)
        ok = False
    if ok and ctx.session is not None:
        ctx.session.save()
    return ToolResult(
        "add_to_cart",
        ok,
        {"ref": ref, "quantity": quantity, "title": card["title"] if card else None},
        cards=[card] if card else [],
    )


# --- orders --------------------------------------------------------------------------------------
def order_facts(order: OrderInfo) -> dict[str, Any]:
    return {
        "number": order.number,
        "status": order.status,
        "status_label": order.status_label,
        "total": str(order.total),
        "created_at": order.created_at.date().isoformat()
        if hasattr(order.created_at, "date")
        else str(order.created_at),
        "items": [{"title": line.get("title"), "quantity": line.get("quantity")} for line in order.lines],
        "url": order.url,
        "can_cancel": order.can_cancel,
        "can_return": order.can_return,
    }


def _identity(ctx: ChatContext, email: str | None) -> dict[str, Any]:
    # A signed-in customer is identified by the session only (an email typed in the chat is ignored,
    # so nobody reaches an order by guessing an address); a guest by the email they gave.
    return {"user": ctx.user} if ctx.signed_in else {"email": email}


def find_order(ctx: ChatContext, number: str | None, email: str | None) -> ToolResult:
    """The caller's own order by number, or their recent orders; guests need number and email."""
    adapter = get_shop_adapter()
    if not ctx.signed_in and not (number and email):
        return ToolResult(
            "find_order",
            False,
            {"needs": [n for n, v in (("order_number", number), ("email", email)) if not v]},
        )
    if number:
        order = adapter.find_order(number, **_identity(ctx, email))
        if order is None:
            return ToolResult("find_order", False, {"not_found": number})
        return ToolResult("find_order", True, {"orders": [order_facts(order)]})
    orders = adapter.orders_for_user(ctx.user, limit=5)
    return ToolResult("find_order", True, {"orders": [order_facts(o) for o in orders]})


def propose_order_change(ctx: ChatContext, action: str, number: str | None, email: str | None) -> ToolResult:
    """Check the order and ask for confirmation; nothing changes until the customer confirms."""
    tool = f"propose_{action}"
    if not number and ctx.signed_in:
        recent = get_shop_adapter().orders_for_user(ctx.user, limit=5)
        eligible = [o for o in recent if (o.can_cancel if action == "cancel" else o.can_return)]
        if len(eligible) == 1:
            number = eligible[0].number
        else:
            return ToolResult(
                tool, False, {"needs": ["order_number"], "eligible": [o.number for o in eligible]}
            )
    found = find_order(ctx, number, email)
    if not found.ok:
        found.tool = tool
        return found
    order = found.facts["orders"][0]
    allowed = order["can_cancel"] if action == "cancel" else order["can_return"]
    if not allowed:
        return ToolResult(tool, False, {"orders": [order], "not_allowed": action})
    token = secrets.token_urlsafe(9)
    ctx.conversation.state["pending"] = {
        "action": action,
        "number": order["number"],
        "email": email,
        "token": token,
    }
    return ToolResult(tool, True, {"orders": [order], "confirm_token": token, "action": action})


def perform_order_change(ctx: ChatContext, pending: dict[str, Any]) -> ToolResult:
    """Carry out a confirmed cancellation or return request through the shop adapter."""
    adapter = get_shop_adapter()
    action = pending["action"]
    call = adapter.request_cancellation if action == "cancel" else adapter.request_return
    try:
        order = call(pending["number"], **_identity(ctx, pending.get("email")))
    except LookupError:
        return ToolResult(action, False, {"not_found": pending["number"]})
    except (ValueError, NotImplementedError) as exc:
        return ToolResult(action, False, {"refused": str(exc), "number": pending["number"]})
    return ToolResult(action, True, {"orders": [order_facts(order)], "action": action})


# --- knowledge and people ------------------------------------------------------------------------
def answer_from_knowledge(query: str) -> ToolResult:
    """The best policy sections for the question, with citations."""
    from .knowledge import search_knowledge

    threshold = float(tuning()["chat_kb_min_score"])
    hits = [h for h in search_knowledge(query, k=3) if h.score >= threshold]
    if not hits:
        return ToolResult("search_knowledge", False, {"query": query})
    top = hits[0]
    same_article = [h for h in hits if h.slug == top.slug][:2]
    citations = [h.citation() for h in same_article]
    return ToolResult(
        "search_knowledge",
        True,
        {
            "sections": [
                {"article": h.title, "section": h.heading, "text": h.text, "score": h.score}
                for h in same_article
            ]
        },
        citations=citations,
    )


def request_handoff(ctx: ChatContext, reason: str) -> ToolResult:
    """Put the conversation in the staff queue; the agent stays silent until staff release it."""
    conv = ctx.conversation
    if conv.status not in {Conversation.Status.WAITING, Conversation.Status.HANDED_OFF}:
        conv.status = Conversation.Status.WAITING
        conv.handoff_reason = reason[:200]
        conv.handoff_requested_at = timezone.now()
    return ToolResult("handoff", True, {"status": conv.status})


def recent_customer_conversations(user: Any, session_key: str):
    """Conversations this user or session may resume."""
    q = Q(session_key=session_key) if session_key else Q(pk__in=[])
    if getattr(user, "is_authenticated", False):
        q |= Q(user=user)
    return Conversation.objects.filter(q)


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except Exception:
        return None


def execute_tool(ctx: ChatContext, name: str, args: dict[str, Any]) -> ToolResult:
    """Run a read-only tool an LLM asked for; identity still comes from the connection."""
    if name == "search_products" and isinstance(args.get("query"), str):
        return search_products(
            args["query"][:300],
            min_price=_decimal(args.get("min_price")),
            max_price=_decimal(args.get("max_price")),
        )
    if name == "search_knowledge" and isinstance(args.get("query"), str):
        return answer_from_knowledge(args["query"][:300])
    if name == "order_status":
        number = args.get("order_number") if isinstance(args.get("order_number"), str) else None
        email = args.get("email") if isinstance(args.get("email"), str) else None
        return find_order(ctx, number, email)
    return ToolResult(name, False, {"error": "unknown tool or arguments"})
