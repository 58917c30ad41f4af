"""Simulated shop traffic for demos: a few weeks of labelled events and one finished experiment."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..models import Event, Experiment, IndexedProduct, Variant
from .experiments import pick_arm

SIM_CONTEXT = {"simulated": True}
EXPERIMENT_KEY = "sim-for-you-diversity"
SLOT_STRATEGIES = {
    "for_you": [("collaborative", 0.055), ("content", 0.045)],
    "similar": [("content", 0.06)],
    "bought_together": [("co_purchase", 0.07)],
    "trending": [("popular", 0.035)],
    "recently_viewed": [("recent", 0.05)],
}
QUERIES = [
    "kettle",
    "running shoes",
    "yoga mat",
    "coffee grinder",
    "wool socks",
    "desk lamp",
    "backpack",
    "water bottle",
    "headphones",
    "tea set",
    "cast iron pan",
    "rain jacket",
    "notebook",
    "plant pot",
]
ZERO_QUERIES = ["ps5 console", "iphone case", "gift card", "wedding dress", "car tyres", "lego star wars"]


def already_loaded() -> bool:
    return (
        Event.objects.filter(context__contains=SIM_CONTEXT).exists()
        or Experiment.objects.filter(simulated=True).exists()
    )


def clear() -> int:
    """Delete every simulated event and experiment; returns the number of events deleted."""
    deleted, _ = Event.objects.filter(context__contains=SIM_CONTEXT).delete()
    Experiment.objects.filter(simulated=True).delete()
    return deleted


def _catalogue() -> list[tuple[str, Decimal]]:
    rows = list(IndexedProduct.objects.filter(is_visible=True).values_list("product_ref", "price")[:2000])
    if not rows:
        from ..adapters import get_shop_adapter

        adapter = get_shop_adapter()
        refs = [r for _, r in zip(range(2000), adapter.iter_product_refs(), strict=False)]
        products = adapter.get_products(refs)
        rows = [(ref, adapter.product_document(p).price) for ref, p in products.items()]
    return [(ref, price if price is not None else Decimal("25.00")) for ref, price in rows]


def simulate(
    days: int = 21,
    visitors: int = 400,
    seed: int = 7,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Generate ``days`` of events for ``visitors`` anonymous sessions and one finished experiment.

    Every event carries ``context["simulated"] = True`` and a ``sim-`` session key; the experiment
    has ``simulated=True``. Call ``already_loaded()`` first: running twice doubles the data.
    """
    products = _catalogue()
    if not products:
        raise ValueError(
            "No products: index the catalogue first (manage.py ecom_ai_embed) or load the demo shop."
        )
    rng = random.Random(seed)
    now = now or timezone.now()
    first_day = (now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    exp_start = first_day + timedelta(days=max(1, days // 3))
    exp_stop = now - timedelta(days=1)
    arms = [("control", 50, {}), ("diverse", 50, {"recs_diversity_lambda": 0.5})]
    events: list[Event] = []

    def add(when: datetime, session: str, kind: str, **fields: Any) -> None:
        context = {**SIM_CONTEXT, **fields.pop("context", {})}
        events.append(
            Event(
                session_key=session,
                kind=kind,
                created_at=when,
                context=context,
                weight=Event.DEFAULT_WEIGHTS.get(kind, 1.0),
                **fields,
            )
        )

    conversation = 0
    for v in range(visitors):
        session = f"sim-{seed}-{v:05d}"
        joined = rng.randrange(days)
        loyalty = rng.betavariate(1.2, 3.0)  # chance to come back on a later day
        arm, _ = pick_arm(EXPERIMENT_KEY, f"s:{session}", arms)
        day = joined
        while day < days:
            start = first_day + timedelta(days=day, seconds=rng.randrange(8 * 3600, 22 * 3600))
            in_exp = exp_start <= start < exp_stop
            t = start
            for _ in range(rng.randint(2, 6)):
                ref, price = rng.choice(products)
                t += timedelta(seconds=rng.randint(10, 240))
                add(t, session, "view", product_ref=ref)
            if rng.random() < 0.6:
                zero = rng.random() < 0.1
                query = rng.choice(ZERO_QUERIES if zero else QUERIES)
                t += timedelta(seconds=20)
                add(t, session, "search", query=query, context={"results": 0 if zero else rng.randint(3, 40)})
                if not zero and rng.random() < 0.5:
                    add(
                        t + timedelta(seconds=5),
                        session,
                        "search_click",
                        product_ref=rng.choice(products)[0],
                        query=query,
                    )
            bought = False
            for slot, strategies in SLOT_STRATEGIES.items():
                if rng.random() < 0.45:
                    continue
                strategy, ctr = rng.choice(strategies)
                tags: dict[str, Any] = {"slot": slot, "strategy": strategy}
                if slot == "for_you" and in_exp:
                    tags.update(experiment=EXPERIMENT_KEY, arm=arm)
                    ctr *= 1.3 if arm == "diverse" else 1.0
                t += timedelta(seconds=rng.randint(5, 60))
                for _ in range(8):
                    ref, price = rng.choice(products)
                    add(t, session, "rec_impression", product_ref=ref, **tags)
                    if rng.random() < ctr:
                        add(t + timedelta(seconds=3), session, "rec_click", product_ref=ref, **tags)
                        if rng.random() < 0.3:
                            add(t + timedelta(seconds=30), session, "add_to_cart", product_ref=ref, **tags)
                            if rng.random() < 0.5:
                                bought = True
                                add(
                                    t + timedelta(seconds=300),
                                    session,
                                    "purchase",
                                    product_ref=ref,
                                    value=price,
                                    **tags,
                                )
            if not bought and rng.random() < 0.04:
                ref, price = rng.choice(products)
                add(t + timedelta(seconds=400), session, "purchase", product_ref=ref, value=price)
            if rng.random() < 0.12:
                conversation += 1
                cid = f"sim-{seed}-c{conversation}"
                resolved = rng.random() < 0.7
                handoff = not resolved and rng.random() < 0.5
                thumbs = rng.choice([1, 1, 1, -1, 0])
                for i in range(rng.randint(1, 4)):
                    add(t + timedelta(seconds=60 + 20 * i), session, "chat", context={"conversation": cid})
                end: dict[str, Any] = {"conversation": cid, "resolved": resolved, "handoff": handoff}
                if thumbs:
                    end["thumbs"] = thumbs
                add(t + timedelta(seconds=200), session, "chat", context=end)
            if rng.random() > loyalty:
                break
            day += rng.randint(1, 4)
    with transaction.atomic():
        Event.objects.bulk_create(events, batch_size=5000)
        exp = Experiment.objects.create(
            key=EXPERIMENT_KEY,
            name="For-you: more diverse recommendations (simulated)",
            description="Demo experiment generated by ecom_ai_simulate_traffic: does a higher diversity λ "
            "in the “For you” widget raise clicks and purchases?",
            slot="for_you",
            bucket_by=Experiment.BucketBy.SESSION,
            primary_metric=Experiment.Metric.CTR,
            status=Experiment.Status.STOPPED,
            started_at=exp_start,
            stopped_at=exp_stop,
            simulated=True,
        )
        for key, weight, overrides in arms:
            Variant.objects.create(
                experiment=exp, key=key, weight=weight, overrides=overrides, is_control=key == "control"
            )
    if progress:
        progress(f"{len(events)} simulated events for {visitors} visitors over {days} days")
    return {"events": len(events), "visitors": visitors, "days": days, "experiment": EXPERIMENT_KEY}
