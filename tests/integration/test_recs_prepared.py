"""Prepared results: neighbour lists, cached candidates per visitor and per page product, and the
business rules that must stay fresh on top of them (stock, visibility, purchases, pins)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from ecom_ai.models import ItemNeighbours, MerchandisingRule
from ecom_ai.services.events import record_event, track_order
from ecom_ai.services.indexing import embed_products, sync_products
from ecom_ai.services.recommend import get_strategy, recommend
from ecom_ai.services.recs_neighbours import refresh_neighbours
from ecom_ai.services.recs_stats import refresh_all
from tests.recs_helpers import add_events, indexed_catalog

# Real commits: events invalidate cached lists on commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

CATALOG = [
    ("Espresso coffee beans 1kg", "Coffee", 10),
    ("Filter coffee ground 500g", "Coffee", 10),
    ("Paper coffee filters", "Coffee", 10),
    ("Coffee grinder burr", "Kitchen", 10),
    ("Milk frother", "Kitchen", 10),
    ("Steel kettle", "Kitchen", 10),
    ("Garden hose", "Garden", 10),
    ("Lawn mower", "Garden", 10),
]


@pytest.fixture
def shop():
    refs = indexed_catalog(CATALOG)
    for n in range(5):
        add_events(
            [
                ("view", refs["Espresso coffee beans 1kg"]),
                ("purchase", refs["Espresso coffee beans 1kg"]),
                ("purchase", refs["Coffee grinder burr"]),
                ("purchase", refs["Milk frother"]),
                ("view", refs["Steel kettle"]),
            ],
            session_key=f"buyer-{n}",
        )
    return refs


def refs_of(recs):
    return [r.product_ref for r in recs]


def go_out_of_stock(ref: str) -> None:
    """What the shop's save does: the product row changes, then its index row is synced."""
    from demo_shop.catalog.models import Product

    Product.objects.filter(pk=ref).update(stock=0)
    sync_products([ref])


@pytest.fixture
def strategies_down(monkeypatch):
    """After this, any strategy call fails: a recommendation that still works came from the cache."""

    def arm(*names):
        for name in names:

            def boom(ctx, k, name=name):
                raise AssertionError(f"strategy {name} ran: the prepared list was not used")

            monkeypatch.setattr(get_strategy(name), "candidates", boom)

    return arm


def test_neighbour_lists_match_an_exact_scan_and_similar_reads_no_vectors(shop, encoder, monkeypatch):
    embed_products(list(shop.values()))
    result = refresh_all()
    assert result["neighbours"] == len(shop) == ItemNeighbours.objects.count()
    page = shop["Espresso coffee beans 1kg"]
    row = ItemNeighbours.objects.get(product_ref=page)
    assert page not in row.neighbours and len(row.neighbours) == len(shop) - 1
    assert row.similarities == sorted(row.similarities, reverse=True)
    exact = recommend("similar", product_ref=page, limit=4, overrides={"recs_exact_scan": True})

    def no_vector_query(*args, **kwargs):
        raise AssertionError("the similar slot must read the prepared lists, not pgvector")

    monkeypatch.setattr("ecom_ai.services.vectors.nearest", no_vector_query)
    prepared = recommend("similar", product_ref=page, limit=4)
    assert refs_of(prepared) == refs_of(exact)
    assert prepared[0].reason == "Similar to Espresso coffee beans 1kg"
    # Nothing changed: the periodic refresh leaves the lists alone.
    assert refresh_all()["neighbours"] == 0


def test_a_product_changing_its_vector_gets_a_new_list(shop, encoder):
    from demo_shop.catalog.models import Product

    embed_products(list(shop.values()))
    refresh_all()
    hose = shop["Garden hose"]
    before = ItemNeighbours.objects.get(product_ref=hose)
    assert before.neighbours[0] == shop["Lawn mower"]
    Product.objects.filter(pk=hose).update(title="Espresso coffee beans 250g")
    stale = sync_products([hose]).stale_refs
    assert stale == [hose] and embed_products(stale).embedded == 1
    assert refresh_neighbours(stale) == 1
    after = ItemNeighbours.objects.get(product_ref=hose)
    assert after.neighbours[0] == shop["Espresso coffee beans 1kg"] and after.refreshed_at > before.refreshed_at


def test_cached_for_you_drops_a_product_the_moment_it_goes_out_of_stock(shop, strategies_down):
    refresh_all()
    record_event("view", session_key="v1", product_ref=shop["Espresso coffee beans 1kg"])
    first = recommend("for_you", session_key="v1", limit=4)
    assert shop["Coffee grinder burr"] in refs_of(first)
    strategies_down("for_you", "trending")
    assert refs_of(recommend("for_you", session_key="v1", limit=4)) == refs_of(first)  # from the cache
    go_out_of_stock(shop["Coffee grinder burr"])
    again = recommend("for_you", session_key="v1", limit=4)
    assert shop["Coffee grinder burr"] not in refs_of(again) and again


def test_shared_lists_apply_stock_visibility_and_rules_fresh(shop, strategies_down):
    from demo_shop.catalog.models import Product

    refresh_all()
    page = shop["Espresso coffee beans 1kg"]
    first = recommend("bought_together", product_ref=page, limit=4)
    assert set(refs_of(first)[:2]) == {shop["Coffee grinder burr"], shop["Milk frother"]}
    strategies_down("bought_together")
    # Another visitor gets the same prepared list; what they bought is removed for them only.
    buyer = User.objects.create_user("buyer")
    track_order(None, "o-1", [(shop["Milk frother"], 1, None)], user=buyer)
    assert shop["Milk frother"] not in refs_of(recommend("bought_together", user=buyer, product_ref=page, limit=4))
    assert shop["Milk frother"] in refs_of(recommend("bought_together", product_ref=page, limit=4))
    MerchandisingRule.objects.create(product_ref=shop["Coffee grinder burr"], action="bury")
    MerchandisingRule.objects.create(product_ref=shop["Lawn mower"], action="pin", slot="bought_together")
    ruled = refs_of(recommend("bought_together", product_ref=page, limit=4))
    assert ruled[0] == shop["Lawn mower"] and shop["Coffee grinder burr"] not in ruled
    Product.objects.filter(pk=shop["Lawn mower"]).update(is_active=False)
    sync_products([shop["Lawn mower"]])
    assert shop["Lawn mower"] not in refs_of(recommend("bought_together", product_ref=page, limit=4))


def test_a_new_event_recomputes_the_visitors_lists(shop):
    refresh_all()
    record_event("view", session_key="v2", product_ref=shop["Steel kettle"])
    assert refs_of(recommend("recently_viewed", session_key="v2")) == [shop["Steel kettle"]]
    only_for_you = {"blend": {"for_you": 1.0}}  # for_you leaves out what the visitor has seen
    before = refs_of(recommend("for_you", session_key="v2", limit=6, overrides=only_for_you))
    assert shop["Espresso coffee beans 1kg"] in before
    record_event("view", session_key="v2", product_ref=shop["Espresso coffee beans 1kg"])
    assert refs_of(recommend("recently_viewed", session_key="v2")) == [
        shop["Espresso coffee beans 1kg"],
        shop["Steel kettle"],
    ]
    after = refs_of(recommend("for_you", session_key="v2", limit=6, overrides=only_for_you))
    assert shop["Espresso coffee beans 1kg"] not in after and after


def test_an_order_removes_the_bought_product_from_the_buyers_lists_at_once(shop):
    refresh_all()
    user = User.objects.create_user("anna")
    record_event("view", user=user, product_ref=shop["Espresso coffee beans 1kg"])
    assert shop["Coffee grinder burr"] in refs_of(recommend("for_you", user=user, limit=6))
    assert shop["Coffee grinder burr"] in refs_of(recommend("trending", user=user, limit=8))
    track_order(None, "o-2", [(shop["Coffee grinder burr"], 1, None)], user=user)
    assert shop["Coffee grinder burr"] not in refs_of(recommend("for_you", user=user, limit=6))
    assert shop["Coffee grinder burr"] not in refs_of(recommend("trending", user=user, limit=8))


def test_history_written_behind_ecom_ais_back_shows_after_a_refresh_or_with_the_cache_off(shop):
    refresh_all()
    assert recommend("recently_viewed", session_key="v3") == []
    add_events([("view", shop["Lawn mower"])], session_key="v3", start_minutes_ago=1)  # a bulk import
    assert recommend("recently_viewed", session_key="v3") == []  # the cached (empty) list
    assert refs_of(recommend("recently_viewed", session_key="v3", overrides={"recs_cache_seconds": 0})) == [
        shop["Lawn mower"]
    ]
    refresh_all()
    assert refs_of(recommend("recently_viewed", session_key="v3")) == [shop["Lawn mower"]]


def test_login_merge_and_forgetting_invalidate_the_accounts_lists(shop):
    from ecom_ai.services.events import merge_anonymous_history
    from ecom_ai.services.privacy import forget_user

    refresh_all()
    user = User.objects.create_user("ben")
    assert recommend("recently_viewed", user=user) == []
    record_event("view", session_key="anon-ben", product_ref=shop["Milk frother"])
    assert merge_anonymous_history(user, "anon-ben") == 1
    assert refs_of(recommend("recently_viewed", user=user)) == [shop["Milk frother"]]
    forget_user(user.pk)
    assert recommend("recently_viewed", user=user) == []


def test_the_refresh_prepares_recently_active_visitors(shop, strategies_down):
    record_event("view", session_key="regular", product_ref=shop["Steel kettle"])
    result = refresh_all()
    assert result["prepared_visitors"] == 6  # the five buyers and "regular"
    strategies_down("for_you", "trending", "recently_viewed")
    assert shop["Espresso coffee beans 1kg"] in refs_of(recommend("for_you", session_key="regular"))
    assert refs_of(recommend("recently_viewed", session_key="regular")) == [shop["Steel kettle"]]
    with pytest.raises(AssertionError, match="prepared list was not used"):
        recommend("for_you", session_key="regular", limit=3)  # another limit: not prepared
