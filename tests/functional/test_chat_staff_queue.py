"""The admin's staff queue: who waits for a human, for how long, and a way in to take over."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from ecom_ai.models import Conversation, Message

pytestmark = pytest.mark.django_db

XSS = '<img src=x onerror="alert(1)">'


def _conversation(status: str, *, waited_minutes: float, text: str, user=None, session_key: str = "sess-q"):
    conv = Conversation.objects.create(
        user=user,
        session_key=session_key,
        status=status,
        handoff_reason="asked for a human",
        handoff_requested_at=timezone.now() - timedelta(minutes=waited_minutes),
    )
    Message.objects.create(conversation=conv, role=Message.Role.CUSTOMER, text="first question")
    Message.objects.create(conversation=conv, role=Message.Role.ASSISTANT, text="an answer")
    Message.objects.create(conversation=conv, role=Message.Role.CUSTOMER, text=text)
    return conv


def test_queue_lists_waiting_first_longest_wait_first_and_leaves_out_the_rest(admin_client):
    user = get_user_model().objects.create_user("queued", password="x")
    recent = _conversation(Conversation.Status.WAITING, waited_minutes=1, text="where is my parcel", user=user)
    oldest = _conversation(Conversation.Status.WAITING, waited_minutes=30, text="still nobody?")
    taken = _conversation(Conversation.Status.HANDED_OFF, waited_minutes=60, text="thanks for helping")
    Conversation.objects.create(session_key="open-one", status=Conversation.Status.OPEN)
    Conversation.objects.create(session_key="done-one", status=Conversation.Status.RESOLVED)

    data = admin_client.get(reverse("admin:ecom_ai_conversation_queue_data")).json()

    assert [r["id"] for r in data["rows"]] == [str(oldest.pk), str(recent.pk), str(taken.pk)]
    assert data["waiting"] == 2
    first = data["rows"][0]
    assert first["last_message"] == "still nobody?" and first["customer"].startswith("guest")
    assert 29 * 60 <= first["waiting_seconds"] <= 31 * 60
    assert data["rows"][1]["customer"] == "queued"


def test_queue_page_escapes_customer_text_and_links_to_the_live_takeover(admin_client):
    conv = _conversation(Conversation.Status.WAITING, waited_minutes=2, text=XSS)
    page = admin_client.get(reverse("admin:ecom_ai_conversation_queue"))
    html = page.content.decode()
    assert page.status_code == 200
    assert XSS not in html and "&lt;img src=x" in html
    assert reverse("admin:ecom_ai_conversation_live", args=[conv.pk]) in html and "Take over" in html
    changelist = admin_client.get(reverse("admin:ecom_ai_conversation_changelist")).content.decode()
    assert "Staff queue (1 waiting)" in changelist


def test_queue_is_for_staff_only(client):
    _conversation(Conversation.Status.WAITING, waited_minutes=2, text="private question")
    get_user_model().objects.create_user("shopper", password="pw-123456")
    client.login(username="shopper", password="pw-123456")
    for name in ("admin:ecom_ai_conversation_queue", "admin:ecom_ai_conversation_queue_data"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login/" in response.url
        assert b"private question" not in response.content
