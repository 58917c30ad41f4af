"""The staff queue: conversations waiting for a human or being handled by one, oldest wait first."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from ...models import Conversation, Message

QUEUE_LIMIT = 100
PREVIEW_CHARS = 200


def waiting_queue(limit: int = QUEUE_LIMIT) -> list[dict[str, Any]]:
    """Conversations that need or have a human, as plain dicts (safe to serialise as JSON).

    Waiting ones come first, ordered by how long the customer has waited; then those staff have
    taken over, oldest first. Each row carries the customer's last message (shortened) so staff
    can pick what to answer without opening every transcript.
    """
    last_customer = (
        Message.objects.filter(conversation=OuterRef("pk"), role=Message.Role.CUSTOMER)
        .order_by("-created_at", "-id")
        .values("text")[:1]
    )
    rows = (
        Conversation.objects.filter(status__in=[Conversation.Status.WAITING, Conversation.Status.HANDED_OFF])
        .select_related("user", "staff_user")
        .annotate(
            last_text=Subquery(last_customer),
            taken=Case(
                When(status=Conversation.Status.WAITING, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
            since=Coalesce("handoff_requested_at", "updated_at"),
        )
        # Ordered in SQL, so the limit never cuts a waiting customer in favour of a taken-over chat.
        .order_by("taken", "since")[: max(1, min(limit, QUEUE_LIMIT))]
    )
    now = timezone.now()
    out = []
    for conv in rows:
        out.append(
            {
                "id": str(conv.pk),
                "short_id": str(conv.pk)[:8],
                "status": conv.status,
                "status_label": conv.get_status_display(),
                "customer": conv.user.get_username() if conv.user_id else f"guest {conv.session_key[:6]}",
                "staff": conv.staff_user.get_username() if conv.staff_user_id else "",
                "reason": conv.handoff_reason,
                "waiting_seconds": max(0, int((now - conv.since).total_seconds())),
                "last_message": (conv.last_text or "")[:PREVIEW_CHARS],
            }
        )
    return out
