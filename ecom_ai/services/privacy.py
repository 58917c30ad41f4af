"""Forgetting a user: every feature registers what it stores about people, and one call deletes it.

Other features add their own deletion (chats, vectors of a user, ...) with::

    from ecom_ai.services.privacy import register_forget_hook
    register_forget_hook("chat", lambda user_id: ChatMessage.objects.filter(user_id=user_id).delete()[0])

A hook receives the user's primary key and returns how many rows it removed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

from .recs_cache import touch_visitors

logger = logging.getLogger(__name__)

ForgetHook = Callable[[int], int]
_HOOKS: dict[str, ForgetHook] = {}


def register_forget_hook(name: str, hook: ForgetHook) -> None:
    """Register (or replace) the deletion of what feature ``name`` keeps about a user."""
    _HOOKS[name] = hook


def forget_hooks() -> dict[str, ForgetHook]:
    return dict(_HOOKS)


def _delete_events(user_id: int) -> int:
    from ..models import Event

    sessions = list(
        Event.objects.filter(user_id=user_id)
        .exclude(session_key="")
        .values_list("session_key", flat=True)
        .distinct()
    )
    deleted = Event.objects.filter(user_id=user_id).delete()[0]
    # Anonymous events of the same browser (before login / after logout) are theirs too.
    if sessions:
        deleted += Event.objects.filter(session_key__in=sessions, user__isnull=True).delete()[0]
    return deleted


register_forget_hook("events", _delete_events)


def forget_user(user_id: int) -> dict[str, int]:
    """Delete everything ecom_ai holds about a user; returns rows removed per feature.

    All hooks run in one transaction: either everything goes or nothing does."""
    removed: dict[str, int] = {}
    with transaction.atomic():
        for name, hook in _HOOKS.items():
            removed[name] = int(hook(int(user_id)) or 0)
        # Their cached recommendations (and purchases) go with their history.
        transaction.on_commit(lambda: touch_visitors([f"u{int(user_id)}"]))
    logger.info("ecom_ai: forgot user %s: %s", user_id, removed)
    return removed


def _delete_chats(user_id: int) -> int:
    """The user's conversations with their messages (a conversation's messages cascade with it)."""
    from ..models import Conversation

    return Conversation.objects.filter(user_id=user_id).delete()[0]


register_forget_hook("chat", _delete_chats)
