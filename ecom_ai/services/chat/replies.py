"""The grounded wording: templates that turn tool results into answers (no model, nothing invented)."""

from __future__ import annotations

import re
from typing import Any

from ...conf import ecom_ai_settings
from ...core.chat import ToolResult


def money(value: Any) -> str:
    currency = ecom_ai_settings.CHAT.get("CURRENCY", "")
    return f"{value} {currency}".strip() if value is not None else "price on request"


def _plain(text: str) -> str:
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    text = re.sub(r"^\s*[-*]\s+", "• ", text, flags=re.MULTILINE)
    return text.strip()


def excerpt(text: str, limit: int = 600) -> str:
    """The first sentences of a section, cut at a sentence or line end."""
    text = _plain(text)
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind("\n"))
    return (cut[: end + 1] if end > limit // 3 else cut).rstrip() + " …"


def products_text(result: ToolResult) -> str:
    facts = result.facts
    if not result.ok:
        bound = ""
        if facts.get("max_price"):
            bound = f" under {money(facts['max_price'])}"
        return (
            f"I couldn't find products matching “{facts.get('query', '')}”{bound} that are in stock. "
            "Try other words or a wider price range."
        )
    bits = []
    if facts.get("min_price") and facts.get("max_price"):
        bits.append(f"between {money(facts['min_price'])} and {money(facts['max_price'])}")
    elif facts.get("max_price"):
        bits.append(f"up to {money(facts['max_price'])}")
    elif facts.get("min_price"):
        bits.append(f"from {money(facts['min_price'])}")
    scope = f" {bits[0]}" if bits else ""
    lines = [
        f"• {p['title']} — {money(p['price'])}" + ("" if p["in_stock"] else " (out of stock)")
        for p in facts["products"]
    ]
    return f"Here is what I found{scope}:\n" + "\n".join(lines)


def recommendations_text(result: ToolResult) -> str:
    if not result.ok:
        return "I don't have a recommendation right now. Tell me what you are looking for and I'll search."
    intro = {
        "similar_to_last_shown": "Similar to what you were looking at:",
        "your_purchases": "Based on what you bought before:",
    }.get(result.facts["basis"], "Popular right now:")
    return intro + "\n" + "\n".join(f"• {p['title']} — {money(p['price'])}" for p in result.facts["products"])


def order_line(order: dict[str, Any]) -> str:
    items = ", ".join(f"{i['quantity']}× {i['title']}" for i in order["items"][:4])
    more = " …" if len(order["items"]) > 4 else ""
    return (
        f"Order {order['number']} (placed {order['created_at']}): {order['status_label']}, "
        f"total {money(order['total'])}. Items: {items}{more}"
    )


def order_text(result: ToolResult) -> str:
    facts = result.facts
    if "needs" in facts:
        needs = facts["needs"]
        if facts.get("eligible"):
            return "Which order do you mean? " + ", ".join(facts["eligible"])
        if needs == ["email"]:
            return "To look up an order as a guest I need the email address used for it, please."
        if needs == ["order_number"]:
            return "Which order do you mean? Please give me the order number."
        return "Please give me your order number and the email address used for the order."
    if "not_found" in facts:
        return (
            f"I couldn't find an order {facts['not_found']} for you. Please check the number "
            "(and, as a guest, the email address used for the order)."
        )
    if "refused" in facts:
        return f"That wasn't possible: {facts['refused']}."
    orders = facts.get("orders", [])
    if "not_allowed" in facts:
        what = "cancelled" if facts["not_allowed"] == "cancel" else "returned"
        return order_line(orders[0]) + f"\nThis order can no longer be {what} online."
    if facts.get("confirm_token"):
        what = "cancel" if facts["action"] == "cancel" else "request a return for"
        return order_line(orders[0]) + f"\nDo you want me to {what} this order? Please confirm."
    if facts.get("action"):
        done = "is cancelled" if facts["action"] == "cancel" else "has a return request"
        return f"Done: order {orders[0]['number']} {done}. New status: {orders[0]['status_label']}."
    if not orders:
        return "I can't see any orders on your account yet."
    head = "Here are your recent orders:\n" if len(orders) > 1 else ""
    return head + "\n".join(order_line(o) for o in orders)


def knowledge_text(result: ToolResult) -> str:
    if not result.ok:
        return ""
    first = result.facts["sections"][0]
    where = f"{first['article']} — {first['section']}" if first["section"] else first["article"]
    return f"From our help centre ({where}):\n{excerpt(first['text'])}"


def cart_text(result: ToolResult) -> str:
    if result.ok:
        return f"Added {result.facts['quantity']}× {result.facts['title']} to your cart."
    return "Sorry, I couldn't add that to your cart (it may be out of stock)."


SMALLTALK = {
    "thanks": "You're welcome! Anything else I can help with?",
    "out_of_scope": "I can only help with this shop: products, your orders, delivery, returns and payments.",
    "injection": "I can help with products, your orders and our shop policies. What would you like to know?",
    "unknown": "I'm not sure I understood. I can search products, track an order, or answer "
    "policy questions.",
    "handoff": "I've asked a member of our team to join. They'll reply here as soon as possible.",
    "handoff_waiting": "A member of our team will reply here shortly.",
    "declined": "Okay, I haven't changed anything.",
}
