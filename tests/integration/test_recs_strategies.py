"""Each strategy through ``recommend()``, with the business rules every slot must respect."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from ecom_ai.models import ItemStat, MerchandisingRule
from ecom_ai.services.indexing import embed_products
from ecom_ai.services.recommend import recommend
from ecom_ai.services.recs_stats import refresh_all
from tests.recs_helpers import add_events, indexed_catalog

pytestmark = pytest.mark.django_db

CATALOG = [
    ("Espresso coffee beans 1kg", "Coffee", 10),
    ("Filter coffee ground 500g", "Coffee", 10),
    ("Decaf coffee beans", "Coffee", 0),  # out of stock
    ("Milk frother", "Kitchen", 10),
    ("Coffee grinder burr", "Kitchen", 10),
    ("Steel kettle", "Kitchen", 10),
    ("Paper coffee filters", "Coffee", 10),
    ("Garden hose", "Garden", 10),
    ("Lawn mower", "Garden", 10),
]


@pytest.fixture
def shop():
    refs = indexed_catalog(CATALOG)
    # Many customers: grinder and frother go with espresso; filters with filter coffee.
    for n in range(6):
        add_events(
            [
                ("view", refs["Espresso coffee beans 1kg"]),
                ("add_to_cart", refs["Espresso coffee beans 1kg"]),
                ("purchase", refs["Espresso coffee beans 1kg"]),
                ("purchase", refs["Coffee grinder burr"]),
                ("purchase", refs["Milk frother"]),
                ("purchase", refs["Decaf coffee beans"]),
            ],
            session_key=f"s-espresso-{n}",
        )
    for n in range(3):
        add_events(
            [
                ("view", refs["Filter coffee ground 500g"]),
                ("purchase", refs["Filter coffee ground 500g"]),
                ("purchase", refs["Paper coffee filters"]),
            ],
            session_key=f"s-filter-{n}",
        )
    add_events(
        [("view", refs["Garden hose"]), ("view", refs["Lawn mower"])],
        session_key="s-garden",
        start_minutes_ago=60 * 24 * 30,
    )
    return refs


def refs_of(recs):
    return [r.product_ref for r in recs]


def test_bought_together_never_shows_page_product_out_of_stock_or_already_bought(shop):
    refresh_all()
    buyer = User.objects.create_user("buyer")
    add_events([("purchase", shop["Coffee grinder burr"])], user=buyer)
    page = shop["Espresso coffee beans 1kg"]
    anonymous = recommend("bought_together", product_ref=page, limit=4)
    assert set(refs_of(anonymous)[:2]) == {shop["Coffee grinder burr"], shop["Milk frother"]}
    assert page not in refs_of(anonymous) and shop["Decaf coffee beans"] not in refs_of(anonymous)
    assert anonymous[0].reason == "Often bought with Espresso coffee beans 1kg"
    assert anonymous[0].strategy == "bought_together" and anonymous[0].slot == "bought_together"
    mine = recommend("bought_together", user=buyer, product_ref=page, limit=4)
    assert shop["Coffee grinder burr"] not in refs_of(mine) and shop["Milk frother"] in refs_of(mine)


def test_for_you_uses_anonymous_session_history_and_excludes_what_was_seen(shop):
    refresh_all()
    add_events([("view", shop["Filter coffee ground 500g"])], session_key="visitor-1", start_minutes_ago=1)
    recs = recommend("for_you", session_key="visitor-1", limit=3)
    assert refs_of(recs)[0] == shop["Paper coffee filters"]
    assert recs[0].reason == "Because you viewed Filter coffee ground 500g"
    assert shop["Filter coffee ground 500g"] not in refs_of(recs)
    assert (
        recommend("for_you", session_key="nobody-yet", limit=3, overrides={"blend": {"for_you": 1.0}}) == []
    )


def test_trending_is_time_decayed_and_per_category(shop):
    refresh_all()
    stats = dict(ItemStat.objects.values_list("product_ref", "trend_score"))
    # The garden views are a month old: they decay below a single fresh view.
    assert stats[shop["Garden hose"]] < 0.01 < stats[shop["Paper coffee filters"]]
    recs = recommend("trending", limit=5)
    assert refs_of(recs)[0] == shop["Espresso coffee beans 1kg"]
    assert shop["Decaf coffee beans"] not in refs_of(recs)  # out of stock, though popular
    assert recs[0].reason == "Trending in Coffee"
    garden = recommend("trending", limit=5, overrides={"category": "Garden"})
    assert set(refs_of(garden)) == {shop["Garden hose"], shop["Lawn mower"]}
    assert garden[0].reason == "Trending in Garden"


def test_recently_viewed_newest_first_without_the_page_product(shop):
    add_events(
        [("view", shop["Steel kettle"]), ("view", shop["Milk frother"]), ("view", shop["Garden hose"])],
        session_key="v-recent",
        start_minutes_ago=10,
    )
    recs = recommend("recently_viewed", session_key="v-recent", product_ref=shop["Garden hose"], limit=5)
    assert refs_of(recs) == [shop["Milk frother"], shop["Steel kettle"]]
    assert recs[0].reason == "You viewed this recently"


def test_buy_again_offers_bought_consumables_only(shop):
    from demo_shop.catalog.models import Product

    Product.objects.filter(pk=shop["Paper coffee filters"]).update(consumable=True)
    user = User.objects.create_user("repeat")
    add_events([("purchase", shop["Paper coffee filters"]), ("purchase", shop["Steel kettle"])], user=user)
    refresh_all()
    recs = recommend("buy_again", user=user, limit=5)
    assert refs_of(recs) == [shop["Paper coffee filters"]]
    # ...while every other slot hides what the user bought.
    assert shop["Paper coffee filters"] not in refs_of(recommend("trending", user=user, limit=10))


def test_merchandising_pin_boost_bury_and_disabled_slot(shop):
    refresh_all()
    base = refs_of(recommend("trending", limit=8))
    last = base[3]  # boosting multiplies the score: a mid-table product jumps to the top
    MerchandisingRule.objects.create(product_ref=shop["Steel kettle"], action="pin", slot="trending")
    MerchandisingRule.objects.create(product_ref=base[0], action="bury")
    MerchandisingRule.objects.create(product_ref=last, action="boost", weight=100.0)
    MerchandisingRule.objects.create(product_ref=shop["Decaf coffee beans"], action="pin")  # out of stock
    recs = recommend("trending", limit=8)
    assert refs_of(recs)[0] == shop["Steel kettle"] and recs[0].reason == "Recommended by our team"
    assert refs_of(recs)[1] == last
    assert base[0] not in refs_of(recs) and shop["Decaf coffee beans"] not in refs_of(recs)
    assert recommend("trending", limit=8, overrides={"recs_enabled_trending": False}) == []


def test_diversity_lambda_spreads_categories(shop):
    refresh_all()
    plain = recommend("trending", limit=3, overrides={"recs_diversity_lambda": 1.0})
    diverse = recommend("trending", limit=3, overrides={"recs_diversity_lambda": 0.3})
    assert len({r.category for r in diverse}) > len({r.category for r in plain})


def test_similar_uses_stored_vectors_and_respects_rules(shop, encoder, monkeypatch):
    embed_products(list(shop.values()))

    def no_model(*args, **kwargs):
        raise AssertionError("a recommendation must never run the encoder")

    monkeypatch.setattr("ecom_ai.backends.get_encoder", no_model)
    monkeypatch.setattr("ecom_ai.services.indexing.get_encoder", no_model)
    page = shop["Espresso coffee beans 1kg"]
    recs = recommend("similar", product_ref=page, limit=4, overrides={"blend": {"similar": 1.0}})
    refs = refs_of(recs)
    assert page not in refs and shop["Decaf coffee beans"] not in refs
    assert refs[0] in {
        shop["Filter coffee ground 500g"],
        shop["Paper coffee filters"],
        shop["Coffee grinder burr"],
    }
    assert recs[0].reason == "Similar to Espresso coffee beans 1kg"
    assert shop["Lawn mower"] not in refs[:2]
    # A visitor with history but no co-occurrence data yet still gets embedding neighbours.
    add_events([("view", shop["Milk frother"])], session_key="fresh-visitor", start_minutes_ago=1)
    mine = recommend("for_you", session_key="fresh-visitor", limit=4, overrides={"blend": {"similar": 1.0}})
    assert mine and mine[0].reason == "Because you viewed Milk frother"
    assert shop["Milk frother"] not in refs_of(mine)


def test_candidates_scoring_zero_are_ranked_not_a_broken_widget(shop, settings):
    from ecom_ai.services.recommend import get_strategy

    refs = indexed_catalog(CATALOG)
    wanted = (refs["Steel kettle"], refs["Lawn mower"])
    settings.ECOM_AI = {
        **settings.ECOM_AI,
        "RECOMMENDERS": {
            **settings.ECOM_AI.get("RECOMMENDERS", {}),
            "zero": {"BACKEND": "tests.recs_helpers.ZeroScoreStrategy", "OPTIONS": {"refs": wanted}},
        },
    }
    get_strategy.cache_clear()
    recs = recommend("trending", overrides={"blend": {"zero": 1.0}, "recs_cache_seconds": 0})
    assert {r.product_ref for r in recs} == set(wanted)
    assert all(r.strategy == "zero" and r.reason == "Picked for you" for r in recs)
