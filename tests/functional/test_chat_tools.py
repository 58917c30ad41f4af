"""Chat tools end to end: product search under a price, add to cart, knowledge base with citations."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command

from ecom_ai.models import KnowledgeArticle
from ecom_ai.services.indexing import embed_products, sync_products
from tests.chat_support import NO_MODEL, ask, chat_settings, clear_rate_limits, connect, hello, until  # noqa: F401
from tests.factories import make_product

pytestmark = pytest.mark.django_db(transaction=True)
POLICIES = Path(settings.BASE_DIR) / "demo_shop" / "data" / "policies.json"


@pytest.fixture
def model(encoder):
    """The session's encoder, put back after the settings override reset the backends."""
    import ecom_ai.backends

    ecom_ai.backends._encoder = encoder
    return encoder


@pytest.fixture
def catalog(model):
    products = {
        "cheap_kettle": make_product(
            "Stainless steel electric kettle 1.7 l", category="Kitchen", price="24.90"
        ),
        "dear_kettle": make_product(
            "Glass electric kettle with temperature control", category="Kitchen", price="79.00"
        ),
        "mat": make_product("Non-slip yoga mat 6 mm", category="Sports", price="29.00"),
        "lamp": make_product("LED desk lamp with USB port", category="Office", price="34.50"),
        "gone": make_product("Gooseneck pour-over kettle", category="Kitchen", price="19.00", stock=0),
    }
    sync_products()
    embed_products()
    return products


def session_key() -> str:
    session = SessionStore()
    session.create()
    return session.session_key


def test_product_search_respects_price_bound_and_adds_to_cart(catalog):
    key = session_key()

    async def scenario():
        comm = await connect(key)
        await hello(comm)
        found, _ = await ask(comm, "do you have an electric kettle under 50 euros?")
        await comm.send_json_to({"type": "add_to_cart", "ref": found["cards"][0]["ref"], "quantity": 2})
        cart, _ = await until(comm, "cart")
        by_text, _ = await ask(comm, "add the first one to my cart")
        similar, _ = await ask(comm, "recommend me something similar")
        await comm.send_json_to({"type": "add_to_cart", "ref": 7})
        bad, _ = await until(comm, "error")
        await comm.disconnect()
        return found, cart, by_text, bad, similar

    found, cart, by_text, bad, similar = async_to_sync(scenario)()
    assert found["intent"] == "product_search"
    refs = [c["ref"] for c in found["cards"]]
    assert refs[0] == str(catalog["cheap_kettle"].pk)
    assert str(catalog["dear_kettle"].pk) not in refs and str(catalog["gone"].pk) not in refs
    assert all(Decimal(c["price"]) <= 50 for c in found["cards"])
    assert "24.90 EUR" in found["text"]  # the price as the shop has it
    assert cart["ok"] is True and cart["quantity"] == 2
    assert by_text["intent"] == "add_to_cart" and "Added 1×" in by_text["text"]
    assert bad["code"] == "invalid_add_to_cart"
    assert similar["intent"] == "recommendation" and similar["cards"]
    assert str(catalog["cheap_kettle"].pk) not in [c["ref"] for c in similar["cards"]]  # not what was shown
    assert all(c["in_stock"] for c in similar["cards"])
    assert SessionStore(session_key=key).load()["cart"] == {str(catalog["cheap_kettle"].pk): 3}


def test_knowledge_base_answers_with_citations(model):
    call_command("ecom_ai_load_kb", str(POLICIES), url_pattern="/help/{slug}/")
    assert KnowledgeArticle.objects.count() == 9
    key = session_key()

    async def scenario():
        comm = await connect(key)
        await hello(comm)
        answers = [
            (await ask(comm, q))[0]
            for q in [
                "How much does shipping cost?",
                "what is your return policy",
                "which payment methods can I use",
                "How long is the warranty on electronics?",
            ]
        ]
        await comm.disconnect()
        return answers

    shipping, returns, payment, warranty = async_to_sync(scenario)()
    assert shipping["citations"][0]["slug"] == "shipping"
    assert shipping["citations"][0]["url"] == "/help/shipping/"
    assert returns["citations"][0]["slug"] == "returns"
    assert payment["citations"][0]["slug"] == "payment"
    assert warranty["citations"][0]["slug"] == "warranty"
    # The answer quotes the article: every sentence comes from the shop's own text.
    article = KnowledgeArticle.objects.get(slug="shipping").body.replace("**", "")
    quoted = shipping["text"].split("\n", 1)[1].replace("• ", "- ").rstrip(" …")
    assert quoted.splitlines()[0] in article


def test_unsure_router_falls_back_to_the_knowledge_base_then_to_product_search(catalog):
    from ecom_ai.models import TuningSettings

    call_command("ecom_ai_load_kb", str(POLICIES), url_pattern="/help/{slug}/")
    TuningSettings.objects.create(pk=1, overrides={"chat_intent_min_confidence": 1.0})  # never sure
    key = session_key()

    async def scenario():
        comm = await connect(key)
        await hello(comm)
        policy, _ = await ask(comm, "How much does shipping cost?")
        product, _ = await ask(comm, "stainless steel electric kettle")
        await comm.disconnect()
        return policy, product

    policy, product = async_to_sync(scenario)()
    assert policy["intent"] == "knowledge" and policy["citations"][0]["slug"] == "shipping"
    assert product["intent"] == "product_search"
    assert product["cards"][0]["ref"] == str(catalog["cheap_kettle"].pk)
