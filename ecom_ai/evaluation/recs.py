"""Recommendations on real sequences: leave-one-out, full ranking, production strategies vs baselines.

Loads ``--sequences`` (one user per line: user id, then items oldest first) into a scratch database
as events, refreshes the recommendation tables exactly as the periodic task does, and asks
``recommend()`` for every user's top 10 with the last item held out. Items already in the history
are excluded (the production "not already bought" rule). Baselines run on the same split.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from tqdm import tqdm

from .recs_baselines import als, item_knn, metrics, popularity
from .scratch import DEFAULT_NAME, fresh_history, scratch_database

DATASET = Path(settings.BASE_DIR).parent / "shared" / "datasets" / "amazon_beauty_seq"
SESSION_PREFIX = "seq:"
# What each production strategy is scored as: the shipped slot blend, and each strategy alone.
STRATEGIES = {
    "for_you_slot": ("for_you", None),
    "for_you": ("for_you", {"for_you": 1.0}),
    "bought_together": ("for_you", {"bought_together": 1.0}),
    "similar": ("for_you", {"similar": 1.0}),
    "trending": ("trending", {"trending": 1.0}),
}


def add_arguments(parser) -> None:
    parser.add_argument("--sequences", default=str(DATASET / "Beauty_user_sequence.txt"))
    parser.add_argument("--item-text", default=None, help="lines '<item> <text>' (enables `similar`)")
    parser.add_argument("--max-users", type=int, default=0, help="evaluate at most this many users (0 = all)")
    parser.add_argument(
        "--strategy-users",
        type=int,
        default=3000,
        help="production strategies are scored on this fixed random sample of users (0 = all); "
        "baselines are reported on all users and on the same sample",
    )
    parser.add_argument("--database", default=DEFAULT_NAME + "_recs")
    parser.add_argument("--no-als", action="store_true")


def read_sequences(path: str) -> list[tuple[str, list[str]]]:
    out = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) >= 3:  # a user needs at least one training item and the test item
                out.append((parts[0], parts[1:]))
    if not out:
        raise ValueError(f"{path}: no sequences with at least two items")
    return out


def read_item_text(path: str | None) -> dict[str, str]:
    if not path:
        return {}
    texts = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            item, _, text = line.rstrip("\n").partition(" ")
            if item:
                texts[item] = text.strip()
    return texts


def _load(users: list[tuple[str, list[str]]], items: list[str], texts: dict[str, str]) -> dict[str, Any]:
    """Replace the scratch database's catalogue and events with the dataset (vectors kept by hash)."""
    from django.db import connection
    from django.utils import timezone

    from ..core.documents import ProductDocument
    from ..models import Event, IndexedProduct, ItemPair, ItemStat, MerchandisingRule
    from ..services.indexing import embed_products, index_documents
    from ..services.recs_cache import new_generation
    from ..services.recs_neighbours import refresh_neighbours
    from ..services.recs_stats import refresh_item_pairs, refresh_item_stats

    info: dict[str, Any] = {}
    IndexedProduct.objects.exclude(product_ref__in=items).delete()
    docs = [ProductDocument(ref=i, title=texts.get(i) or i) for i in items]
    stale = index_documents(docs, text_of=(lambda d: d.title) if texts else (lambda d: ""))
    if texts:
        t0 = time.perf_counter()
        result = embed_products(stale) if stale else None
        info["embedded"] = result.embedded if result else 0
        info["embed_seconds"] = round(time.perf_counter() - t0, 1)
    MerchandisingRule.objects.all().delete()
    now = timezone.now()
    with fresh_history() as write:
        for uid, seq in tqdm(users, desc="events", file=sys.stderr, mininterval=2):
            train = seq[:-1]
            for position, item in enumerate(train):
                write(SESSION_PREFIX + uid, item, "purchase", 5.0, now - timedelta(minutes=len(train) - position))
    t0 = time.perf_counter()
    info["pairs"] = refresh_item_pairs()
    info["items_with_stats"] = refresh_item_stats()
    info["neighbour_lists"] = refresh_neighbours(force=True) if texts else 0
    new_generation()  # new events under the same visitor ids: no cached list may survive
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ecom_ai_itempair; ANALYZE ecom_ai_itemstat; ANALYZE ecom_ai_indexedproduct")
    info["refresh_seconds"] = round(time.perf_counter() - t0, 1)
    info["events"] = Event.objects.count()
    info["item_stats"] = ItemStat.objects.count()
    info["item_pairs"] = ItemPair.objects.count()
    return info


def _score(slot: str, blend: dict | None, users: list[tuple[str, list[str]]], label: str) -> dict[str, float]:
    from ..services.recommend import recommend

    overrides = {"recs_candidate_pool": 200, "recs_enabled_" + slot: True}
    if blend is not None:
        overrides["blend"] = blend
    lists, targets = [], []
    t0 = time.perf_counter()
    for uid, seq in tqdm(users, desc=label, file=sys.stderr, mininterval=2):
        recs = recommend(slot, session_key=SESSION_PREFIX + uid, limit=10, overrides=overrides)
        lists.append([r.product_ref for r in recs])
        targets.append(seq[-1])
    result = metrics(lists, targets)
    result["users"] = len(users)
    result["ms_per_user"] = round(1000 * (time.perf_counter() - t0) / max(len(users), 1), 2)
    return result


def run(options: dict[str, Any]) -> dict[str, Any]:
    """Load, refresh, score; returns the JSON-able result."""
    started = time.perf_counter()
    users = read_sequences(options["sequences"])
    if options.get("max_users"):
        users = users[: options["max_users"]]
    texts = read_item_text(options.get("item_text"))
    items = sorted({i for _, seq in users for i in seq})
    index = {item: n for n, item in enumerate(items)}
    histories = [[index[i] for i in seq[:-1]] for _, seq in users]
    targets = [index[seq[-1]] for _, seq in users]
    result: dict[str, Any] = {
        "evaluation": "recs",
        "dataset": Path(options["sequences"]).name,
        "users": len(users),
        "items": len(items),
        "protocol": "leave-one-out (last item), full ranking, history items excluded",
        "item_text": bool(texts),
    }
    order = list(range(len(users)))
    random.Random(13).shuffle(order)
    order = order[: options.get("strategy_users") or len(order)]
    sample = [users[n] for n in order]

    def both(lists: list[list[int]]) -> dict[str, Any]:
        """Metrics on all users, and on the sample the production strategies are scored on."""
        return {
            **metrics(lists, targets),
            "on_sample": metrics([lists[n] for n in order], [targets[n] for n in order]),
        }

    baselines: dict[str, Any] = {}
    baselines["popularity"] = both(popularity(histories, len(items)))
    baselines["item_knn_last5"] = both(item_knn(histories, len(items)))
    if not options.get("no_als"):
        lists, impl = als(histories, len(items))
        baselines["als"] = {**both(lists), "implementation": impl}
    result["baselines"] = baselines
    with scratch_database(options.get("database") or DEFAULT_NAME + "_recs"):
        result["load"] = _load(users, items, texts)
        strategies = {}
        for label, (slot, blend) in STRATEGIES.items():
            if label == "similar" and not texts:
                continue
            strategies[label] = _score(slot, blend, sample, label)
        result["strategies"] = strategies
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result
