"""Event ingestion: the beacon endpoint (CSRF, throttle, validation), shop hooks, login merge, forgetting."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from ecom_ai.models import Event
from ecom_ai.services.attribution import make_token
from ecom_ai.services.privacy import forget_hooks, register_forget_hook
from tests.factories import make_product

pytestmark = pytest.mark.django_db
URL = "/api/ecom-ai/events/"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()  # throttle counters live in the (real, test-only) Redis cache
    yield
    cache.clear()


def csrf_client() -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("catalog:home"))
    return client, client.cookies["csrftoken"].value


def post(client, body, token=None):
    headers = {"HTTP_X_CSRFTOKEN": token} if token else {}
    return client.post(URL, data=json.dumps(body), content_type="application/json", **headers)


def test_post_without_csrf_token_is_refused_and_stores_nothing():
    client, _ = csrf_client()
    response = post(client, {"events": [{"kind": "view", "product": "1"}]})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert Event.objects.count() == 0


def test_valid_batch_is_stored_for_the_anonymous_visitor():
    client, token = csrf_client()
    response = post(
        client, {"events": [{"kind": "view", "product": "7"}, {"kind": "search", "query": "kettle"}]}, token
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"accepted": 2, "rejected": 0}
    rows = list(Event.objects.order_by("id").values("kind", "product_ref", "query", "session_key", "user"))
    assert [r["kind"] for r in rows] == ["view", "search"] and rows[1]["query"] == "kettle"
    assert (
        rows[0]["session_key"]
        and rows[0]["session_key"] == rows[1]["session_key"]
        and rows[0]["user"] is None
    )


def test_malformed_rows_get_a_clear_400_and_valid_rows_are_kept():
    client, token = csrf_client()
    good_token = make_token(slot="trending", strategy="trending", product_ref="5")
    body = {
        "events": [
            {"kind": "view", "product": "1"},
            {"kind": "purchase", "product": "2"},  # browsers cannot report purchases
            "not an object",
            {"kind": "rec_click", "product": "5", "token": good_token},
            {"kind": "rec_click", "product": "5", "token": good_token + "x"},  # tampered
            {"kind": "view"},  # no product
        ]
    }
    response = post(client, body, token)
    assert response.status_code == 400
    data = response.json()
    assert data["accepted"] == 2 and data["rejected"] == 4
    assert {e["index"] for e in data["errors"]} == {1, 2, 4, 5}
    assert "kind" in data["errors"][0]["errors"] and "token" in data["errors"][2]["errors"]
    stored = list(Event.objects.order_by("id").values_list("kind", "product_ref", "slot", "strategy"))
    assert stored == [("view", "1", "", ""), ("rec_click", "5", "trending", "trending")]


def test_not_a_list_or_bad_json_is_400_with_a_message():
    client, token = csrf_client()
    assert post(client, {"events": "nope"}, token).status_code == 400
    response = client.post(URL, data="{oops", content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 400 and "JSON" in response.json()["detail"]
    too_many = post(client, {"events": [{"kind": "view", "product": "1"}] * 201}, token)
    assert too_many.status_code == 400 and "at most" in too_many.json()["detail"]
    assert Event.objects.count() == 0


def test_endpoint_is_throttled(settings):
    settings.ECOM_AI = {**settings.ECOM_AI, "EVENTS_THROTTLE_RATE": "3/min"}
    client, token = csrf_client()
    codes = [post(client, [{"kind": "view", "product": "1"}], token).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert Event.objects.count() == 3


def test_cart_add_and_order_hooks_record_events():
    product = make_product("Teapot", stock=5)
    client = Client()
    client.post(reverse("orders:cart_add", args=[product.pk]), {"quantity": "2"})
    client.post(reverse("orders:checkout"), {"email": "a@example.com", "full_name": "A B", "address": "1 St"})
    kinds = dict(Event.objects.values_list("kind", "product_ref"))
    assert kinds == {"add_to_cart": str(product.pk), "purchase": str(product.pk)}
    purchase = Event.objects.get(kind="purchase")
    assert purchase.value is not None and purchase.context["order"]


def test_anonymous_history_merges_into_the_account_at_login():
    user = User.objects.create_user("mia", password="pw-123456")
    product = make_product("Lamp")
    client = Client()
    client.get(product.get_absolute_url())  # {% ecom_ai_track product "view" %} on the page
    event = Event.objects.get(kind="view")
    assert event.user_id is None and event.session_key
    client.post(reverse("accounts:login"), {"username": "mia", "password": "pw-123456"})
    event.refresh_from_db()
    assert event.user_id == user.pk


def test_forget_user_command_deletes_events_and_runs_registered_hooks(capsys):
    user = User.objects.create_user("zed")
    other = User.objects.create_user("amy")
    Event.objects.create(
        kind="view", product_ref="1", user=user, session_key="v1", created_at="2026-01-01T00:00Z"
    )
    Event.objects.create(kind="view", product_ref="2", session_key="v1", created_at="2026-01-01T00:00Z")
    Event.objects.create(kind="view", product_ref="3", user=other, created_at="2026-01-01T00:00Z")
    calls = []
    before = forget_hooks()
    register_forget_hook("test_feature", lambda uid: calls.append(uid) or 4)
    try:
        call_command("ecom_ai_forget_user", "zed")
    finally:
        from ecom_ai.services import privacy

        privacy._HOOKS.clear()
        privacy._HOOKS.update(before)
    out = json.loads(capsys.readouterr().out)
    assert out["removed"] == {"events": 2, "chat": 0, "test_feature": 4} and calls == [user.pk]
    assert list(Event.objects.values_list("product_ref", flat=True)) == ["3"]


def test_admin_action_forgets_selected_users(admin_client):
    user = User.objects.create_user("bob")
    Event.objects.create(kind="view", product_ref="1", user=user, created_at="2026-01-01T00:00Z")
    response = admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "forget_in_ecom_ai", "_selected_action": [user.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert any("ecom_ai forgot 1 user" in str(m) for m in response.context["messages"])
    assert not Event.objects.filter(user=user).exists()


def test_forgetting_a_user_removes_their_conversations_and_messages(capsys):
    from ecom_ai.models import Conversation, Message

    user = User.objects.create_user("kit")
    other = User.objects.create_user("lou")
    mine = Conversation.objects.create(user=user, session_key="s-kit")
    Message.objects.create(conversation=mine, role="user", text="where is my order DS-1234?")
    theirs = Conversation.objects.create(user=other, session_key="s-lou")
    call_command("ecom_ai_forget_user", "kit")
    out = json.loads(capsys.readouterr().out)
    assert out["removed"]["chat"] == 2  # the conversation and its message
    assert list(Conversation.objects.values_list("pk", flat=True)) == [theirs.pk]
    assert not Message.objects.filter(conversation_id=mine.pk).exists()
