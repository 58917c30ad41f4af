"""Conversations and messages: opening and resuming (bound to the session/user), history, feedback."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from ...conf import ecom_ai_settings
from ...core.chat import AgentReply
from ...models import Conversation, Event, Message


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def may_resume(conversation: Conversation, user: Any, session_key: str) -> bool:
    """Only the session that started a conversation (or its signed-in owner) may resume it."""
    if session_key and conversation.session_key == session_key:
        return True
    return bool(getattr(user, "is_authenticated", False) and conversation.user_id == user.pk)


def open_conversation(
    user: Any, session_key: str, client_ip: str | None, resume_id: Any = None
) -> tuple[Conversation, bool, str | None]:
    """``(conversation, resumed, error_code)``: the requested one if this visitor owns it, else a new one."""
    error = None
    if resume_id:
        conv_id = _uuid(resume_id)
        conv = Conversation.objects.filter(pk=conv_id).first() if conv_id else None
        if conv is not None and may_resume(conv, user, session_key):
            if conv.user_id is None and getattr(user, "is_authenticated", False):
                conv.user = user  # signed in since: the conversation follows the account
                conv.save(update_fields=["user", "updated_at"])
            return conv, True, None
        error = "resume_refused"  # unknown or someone else's: the same answer, nothing revealed
    conv = Conversation.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        session_key=session_key or "",
        client_ip=client_ip or None,
    )
    return conv, False, error


def message_dict(message: Message) -> dict[str, Any]:
    data = {
        "id": message.pk,
        "role": message.role,
        "text": message.text,
        "created_at": message.created_at.isoformat(),
    }
    for key in ("cards", "citations", "suggestions"):
        if message.payload.get(key):
            data[key] = message.payload[key]
    if message.feedback is not None:
        data["feedback"] = "up" if message.feedback > 0 else "down"
    return data


def history(conversation: Conversation, limit: int | None = None) -> list[dict[str, Any]]:
    """The last messages (bounded), oldest first."""
    limit = limit or int(ecom_ai_settings.CHAT.get("HISTORY_MESSAGES", 20))
    rows = list(
        conversation.messages.exclude(role=Message.Role.SYSTEM).order_by("-created_at", "-id")[:limit]
    )
    return [message_dict(m) for m in reversed(rows)]


def record_customer_message(
    conversation: Conversation,
    text: str,
    *,
    intent: str = "",
    confidence: float | None = None,
    flagged: str = "",
) -> Message:
    """Store the customer's message and log one ``chat`` event for analytics."""
    with transaction.atomic():
        _relaxed_commit()
        return _record_customer_message(conversation, text, intent, confidence, flagged)


def _relaxed_commit() -> None:
    # Chat rows may lose the last few milliseconds on a database crash; the customer must not wait
    # for a WAL flush on every message (several commits per turn otherwise dominate the latency).
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _record_customer_message(conversation, text, intent, confidence, flagged) -> Message:
    message = Message.objects.create(
        conversation=conversation,
        role=Message.Role.CUSTOMER,
        text=text,
        intent=intent[:40],
        confidence=confidence,
        flagged=flagged[:40],
    )
    message.chat_event = _chat_event(conversation, text, intent, flagged)
    return message


def _chat_event(conversation: Conversation, text: str, intent: str, flagged: str) -> Event:
    return Event.objects.create(
        kind=Event.Kind.CHAT,
        weight=0.0,
        user_id=conversation.user_id,
        session_key=conversation.session_key,
        query=text[:500],
        created_at=timezone.now(),
        context={"conversation": str(conversation.pk), "intent": intent, "flagged": flagged},
    )


_TURN_FIELDS = ["state", "status", "handoff_reason", "handoff_requested_at", "updated_at"]


def record_reply(conversation: Conversation, reply: AgentReply, customer_message: Message | None) -> Message:
    """Store the assistant's answer, the intent on the customer's message, and the conversation state."""
    with transaction.atomic():
        _relaxed_commit()
        if customer_message is not None:
            customer_message.intent = reply.intent[:40]
            customer_message.confidence = reply.confidence
            customer_message.flagged = reply.flagged[:40]
            customer_message.save(update_fields=["intent", "confidence", "flagged"])
            event = getattr(customer_message, "chat_event", None)
            if event is not None:
                event.context = {**event.context, "intent": reply.intent, "flagged": reply.flagged}
                event.save(update_fields=["context"])
        message = Message.objects.create(
            conversation=conversation,
            role=Message.Role.ASSISTANT,
            text=reply.text,
            intent=reply.intent[:40],
            payload=reply.payload(),
        )
        conversation.save(update_fields=_TURN_FIELDS)
    return message


def record_turn(conversation: Conversation, text: str, reply: AgentReply) -> tuple[Message, Message]:
    """An answered turn in one transaction: the customer's message with the intent the agent found,
    its ``chat`` event, the answer and the conversation's state (one commit instead of two)."""
    with transaction.atomic():
        _relaxed_commit()
        customer, answer = Message.objects.bulk_create(
            [
                Message(
                    conversation=conversation,
                    role=Message.Role.CUSTOMER,
                    text=text,
                    intent=reply.intent[:40],
                    confidence=reply.confidence,
                    flagged=reply.flagged[:40],
                ),
                Message(
                    conversation=conversation,
                    role=Message.Role.ASSISTANT,
                    text=reply.text,
                    intent=reply.intent[:40],
                    payload=reply.payload(),
                ),
            ]
        )
        _chat_event(conversation, text, reply.intent, reply.flagged)
        conversation.save(update_fields=_TURN_FIELDS)
    return customer, answer


def record_feedback(conversation: Conversation, message_id: Any, value: str) -> bool:
    """Thumbs up/down on one of this conversation's answers; totals kept on the conversation."""
    score = {"up": 1, "down": -1}.get(value)
    try:
        message_id = int(message_id)
    except (TypeError, ValueError):
        return False
    if score is None:
        return False
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(conversation=conversation, pk=message_id, role=Message.Role.ASSISTANT)
            .first()
        )
        if message is None:
            return False
        previous = message.feedback
        message.feedback = score
        message.save(update_fields=["feedback"])
        delta = {"thumbs_up": 0, "thumbs_down": 0}
        if previous != score:
            delta["thumbs_up" if score > 0 else "thumbs_down"] += 1
            if previous is not None:
                delta["thumbs_up" if previous > 0 else "thumbs_down"] -= 1
            Conversation.objects.filter(pk=conversation.pk).update(
                thumbs_up=F("thumbs_up") + delta["thumbs_up"],
                thumbs_down=F("thumbs_down") + delta["thumbs_down"],
            )
    return True


def set_status(conversation: Conversation, status: str, *, staff_user: Any = None) -> Conversation:
    conversation.status = status
    if staff_user is not None:
        conversation.staff_user = staff_user
    conversation.save(update_fields=["status", "staff_user", "updated_at"])
    return conversation


def record_staff_message(conversation: Conversation, staff_user: Any, text: str) -> Message:
    """A staff member writes to the customer; the conversation is theirs from now on."""
    with transaction.atomic():
        message = Message.objects.create(
            conversation=conversation,
            role=Message.Role.STAFF,
            text=text,
            payload={"staff": getattr(staff_user, "get_username", lambda: "")()},
        )
        set_status(conversation, Conversation.Status.HANDED_OFF, staff_user=staff_user)
    return message
