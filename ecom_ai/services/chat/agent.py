"""The chat agent: guard flags → intent + entities → tools → a grounded reply (synchronous, testable)."""

from __future__ import annotations

import logging
import re

from ...core.chat import AgentReply, ToolResult
from ...core.entities import extract_entities
from ...core.intents import IntentPrediction
from ...runtime import tuning
from . import replies, tools
from .intents import route
from .tools import ChatContext

logger = logging.getLogger(__name__)

ORDER_STATUS_INTENTS = {"track_order", "order_history", "track_refund"}
CHANGE_INTENTS = {"cancel_order": "cancel", "get_refund": "return"}
HANDOFF_INTENTS = {"contact_human_agent", "complaint"}
PRODUCT_INTENTS = {"product_search"}
# A generic phrase per support intent, added to the question so the right help article wins.
KB_HINTS = {
    "delivery_options": "shipping methods and costs",
    "delivery_period": "delivery times",
    "check_refund_policy": "return and refund policy",
    "get_refund": "returns and refunds",
    "track_refund": "refund processing time",
    "check_payment_methods": "accepted payment methods",
    "payment_issue": "payment problems",
    "check_invoice": "invoices",
    "get_invoice": "get an invoice",
    "check_cancellation_fee": "cancelling an order",
    "cancel_order": "order cancellation",
    "change_order": "changing an order",
    "create_account": "creating an account",
    "delete_account": "deleting your account and personal data",
    "edit_account": "changing account details",
    "switch_account": "customer account",
    "recover_password": "password reset",
    "registration_problems": "account registration",
    "newsletter_subscription": "newsletter and marketing emails",
    "contact_customer_service": "contact customer support",
    "warranty": "warranty and guarantee",
    "change_shipping_address": "change the delivery address",
    "set_up_shipping_address": "delivery address",
    "place_order": "placing an order",
    "review": "product reviews",
    "track_order": "order tracking",
}
_YES = re.compile(r"^\s*(yes|yep|yeah|sure|ok(ay)?|confirm(ed)?|do it|go ahead|please do|y)\b", re.IGNORECASE)
_NO = re.compile(r"^\s*(no|nope|don'?t|do not|cancel that|stop|never ?mind|n)\b", re.IGNORECASE)
_ORDERISH = re.compile(r"\b(order|purchase|parcel|package|delivery|shipment|refund|return)\b", re.IGNORECASE)


def _suggestions(intent: str, reply_ok: bool) -> list[str]:
    if intent in PRODUCT_INTENTS and reply_ok:
        return ["Show me something cheaper", "Add the first one to my cart", "Recommend something similar"]
    if intent in ORDER_STATUS_INTENTS:
        return ["Cancel this order", "Return an item", "Talk to a person"]
    return ["Track my order", "Shipping costs", "Talk to a person"]


class ChatAgent:
    """Decides which tools answer a message and composes the grounded reply."""

    def handle(self, ctx: ChatContext, text: str, *, injection: bool = False) -> AgentReply:
        """Answer one customer message. ``injection`` messages are answered without any tool."""
        conv = ctx.conversation
        if injection:
            conv.state.pop("pending", None)
            return AgentReply(
                replies.SMALLTALK["injection"],
                intent="guarded",
                flagged="injection",
                suggestions=_suggestions("", False),
            )
        pending = conv.state.get("pending")
        if pending:
            if _YES.match(text):
                return self.confirm(ctx, pending["token"], True)
            if _NO.match(text):
                return self.confirm(ctx, pending["token"], False)
            conv.state.pop("pending", None)  # a new question drops the unanswered proposal

        entities = extract_entities(text)
        prediction = route(text)
        intent = self._decide(prediction, entities, text, conv.state)
        number = entities.order_number or conv.state.get("awaiting", {}).get("number")
        email = entities.email or conv.state.get("awaiting", {}).get("email")
        conv.state.pop("awaiting", None)

        if intent in ORDER_STATUS_INTENTS or intent in CHANGE_INTENTS:
            if intent in CHANGE_INTENTS:
                result = tools.propose_order_change(ctx, CHANGE_INTENTS[intent], number, email)
            else:
                result = tools.find_order(ctx, number, email)
            if "needs" in result.facts and not result.facts.get("eligible"):
                conv.state["awaiting"] = {"intent": intent, "number": number, "email": email}
            reply = self._reply(intent, prediction, [result], replies.order_text(result))
            if result.facts.get("confirm_token"):
                reply.confirm = {
                    "token": result.facts["confirm_token"],
                    "action": result.facts["action"],
                    "order": result.facts["orders"][0]["number"],
                }
                reply.suggestions = ["Yes, go ahead", "No, keep it"]
            elif intent == "get_refund" and not result.ok:
                self._add_knowledge(reply, text, intent)
            return reply
        if intent in HANDOFF_INTENTS:
            result = tools.request_handoff(ctx, f"{intent}: {text[:150]}")
            reply = self._reply(intent, prediction, [result], replies.SMALLTALK["handoff"])
            reply.handoff = True
            return reply
        if intent in PRODUCT_INTENTS:
            result = tools.search_products(text, min_price=entities.min_price, max_price=entities.max_price)
            return self._product_reply(conv, intent, prediction, result, replies.products_text(result))
        if intent == "recommendation":
            result = tools.recommend_products(ctx)
            return self._product_reply(conv, intent, prediction, result, replies.recommendations_text(result))
        if intent == "add_to_cart":
            shown = conv.state.get("last_cards") or []
            if not shown:
                return self._reply(intent, prediction, [], "Which product should I add? Search for it first.")
            index = self._which(text, len(shown))
            result = tools.add_to_cart(ctx, shown[index]["ref"], entities.quantity or 1)
            return self._reply(intent, prediction, [result], replies.cart_text(result))
        if intent == "greeting":
            return self._reply(intent, prediction, [], str(tuning()["chat_greeting"]))
        if intent == "unknown":  # before the small-talk texts, which have an "unknown" entry too
            return self._fallback(ctx, text, prediction, entities)
        if intent in replies.SMALLTALK:
            return self._reply(intent, prediction, [], replies.SMALLTALK[intent])
        reply = self._reply(intent, prediction, [], "")
        if not self._add_knowledge(reply, text, intent):
            reply.text = "I don't have an article about that. Would you like to talk to a person?"
            reply.suggestions = ["Talk to a person", "Track my order", "Search products"]
        return reply

    # --- confirmations -----------------------------------------------------------------------------
    def confirm(self, ctx: ChatContext, token: str, accept: bool) -> AgentReply:
        """Carry out (or drop) the pending change whose confirmation token is ``token``."""
        pending = ctx.conversation.state.get("pending")
        if not pending or pending.get("token") != token:
            return AgentReply("There is nothing waiting for confirmation.", intent="confirm")
        ctx.conversation.state.pop("pending", None)
        if not accept:
            return AgentReply(replies.SMALLTALK["declined"], intent="confirm")
        result = tools.perform_order_change(ctx, pending)
        return AgentReply(
            replies.order_text(result),
            intent="confirm",
            tools=[result],
            suggestions=["Track my order", "Talk to a person"],
        )

    # --- helpers -------------------------------------------------------------------------------------
    def _decide(self, prediction: IntentPrediction, entities, text: str, state: dict) -> str:
        intent = prediction.intent
        awaiting = state.get("awaiting")
        if awaiting and (entities.order_number or entities.email) and not _YES.match(text):
            return awaiting["intent"]
        has_price = entities.max_price is not None or entities.min_price is not None
        if has_price and not _ORDERISH.search(text):
            return "product_search"
        if entities.order_number and intent not in ORDER_STATUS_INTENTS and intent not in CHANGE_INTENTS:
            if _ORDERISH.search(text) and prediction.confidence < 0.6:
                return "track_order"
        if prediction.confidence < float(tuning()["chat_intent_min_confidence"]):
            return "unknown"
        return intent

    def _reply(
        self, intent: str, prediction: IntentPrediction, results: list[ToolResult], text: str
    ) -> AgentReply:
        cards = [c for r in results for c in r.cards]
        citations = [c for r in results for c in r.citations]
        return AgentReply(
            text,
            intent=intent,
            confidence=prediction.confidence,
            cards=cards,
            citations=citations,
            tools=results,
            suggestions=_suggestions(intent, all(r.ok for r in results)),
        )

    def _product_reply(self, conv, intent, prediction, result: ToolResult, text: str) -> AgentReply:
        if result.cards:
            conv.state["last_cards"] = [{"ref": c["ref"], "title": c["title"]} for c in result.cards]
        return self._reply(intent, prediction, [result], text)

    def _add_knowledge(self, reply: AgentReply, text: str, intent: str) -> bool:
        hint = KB_HINTS.get(intent, "")
        result = tools.answer_from_knowledge(f"{text} ({hint})" if hint else text)
        if not result.ok:
            return False
        reply.tools.append(result)
        reply.citations += result.citations
        reply.text = (reply.text + "\n\n" if reply.text else "") + replies.knowledge_text(result)
        return True

    def _fallback(self, ctx, text, prediction, entities) -> AgentReply:
        """Low confidence: a policy section if one fits well, else a product search, else ask."""
        reply = self._reply("unknown", prediction, [], "")
        if self._add_knowledge(reply, text, ""):
            top = reply.tools[-1].facts["sections"][0]["score"]
            if top >= 0.5:
                reply.intent = "knowledge"
                return reply
            reply = self._reply("unknown", prediction, [], "")
        result = tools.search_products(text, min_price=entities.min_price, max_price=entities.max_price)
        if result.ok:
            return self._product_reply(
                ctx.conversation, "product_search", prediction, result, replies.products_text(result)
            )
        reply.text = replies.SMALLTALK["unknown"]
        return reply

    @staticmethod
    def _which(text: str, count: int) -> int:
        words = {
            "first": 0,
            "1st": 0,
            "second": 1,
            "2nd": 1,
            "third": 2,
            "3rd": 2,
            "fourth": 3,
            "last": count - 1,
        }
        for word, index in words.items():
            if re.search(rf"\b{word}\b", text, re.IGNORECASE):
                return min(index, count - 1)
        return 0
