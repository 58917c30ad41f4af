"""Run-time tuning: values staff change in admin without a deploy.

``tuning()`` returns DEFAULTS overlaid with the admin singleton (when that model exists), cached
per request. Each feature reads its keys from here; never dotted paths or secrets.
"""

from __future__ import annotations

from typing import Any

DEFAULTS: dict[str, Any] = {
    # search
    "search_fusion": "weighted",  # measured better than "rrf" on the dev labels (see evaluation/search.py)
    "search_rrf_k": 60,
    "search_weight_fts": 1.0,
    "search_weight_vector": 1.0,
    "search_weight_trigram": 0.5,
    "search_candidates": 200,
    "ef_search": 200,  # HNSW candidates per query (recall@10 0.9875 on 19,406 products; 100 gives 0.980)
    # search (feature fusion and query understanding; see ecom_ai/services/search.py). Best-field BM25
    # (title or description, whichever matches a term better) carries the keyword side; the weights
    # were chosen by 5-fold cross-validation over the Chorus/Icecat dev queries (held-out nDCG@10 in
    # evaluation/search.py's report) and kept round: a flat optimum, not a fitted point.
    "search_vector_candidates": 100,
    "search_vector_min_similarity": 0.3,
    "search_w_fts": 3.0,
    "search_w_best_field": 4.0,
    "search_w_bm25": 0.0,
    "search_w_coverage_all": 0.0,
    "search_w_vector": 1.0,
    "search_w_coverage": 0.0,
    "search_w_phrase": 1.0,
    "search_w_code": 1.0,
    "search_w_intent": 0.0,
    "search_w_category": 0.0,
    "search_brand_words": "filter",  # "filter" or "ignore": brand names found in the query text
    "search_category_words": "boost",  # "filter", "boost": a category named by the query's head noun
    "search_autocomplete_limit": 8,
    "search_rate_limit": "60/min",  # per client (user, else IP); DRF throttle on the Django cache
    "search_suggest_rate_limit": "600/min",
    # search box on/off (admin)
    "widget_search_box": True,
    # recommendations: slots on/off, strategy blend per slot, business rules, pool sizes
    "recs_enabled_for_you": True,
    "recs_enabled_similar": True,
    "recs_enabled_bought_together": True,
    "recs_enabled_trending": True,
    "recs_enabled_recently_viewed": True,
    "recs_enabled_buy_again": True,
    # for_you falls back to embedding neighbours by itself when co-occurrence knows too little.
    "recs_blend_for_you": {"for_you": 1.0, "trending": 0.02},
    "recs_blend_similar": {"similar": 1.0, "bought_together": 0.1},
    "recs_blend_bought_together": {"bought_together": 1.0},
    "recs_blend_trending": {"trending": 1.0},
    "recs_blend_recently_viewed": {"recently_viewed": 1.0},
    "recs_blend_buy_again": {"buy_again": 1.0},
    "recs_diversity_lambda": 0.8,  # MMR over categories: 1 = pure relevance, lower = more variety
    "recs_candidate_pool": 100,  # candidates each strategy returns before the business rules
    "recs_history_size": 30,  # recent events of the visitor that for_you / recently_viewed read
    "recs_history_half_life": 3.0,  # for_you: recency half-life in history steps
    "recs_history_days": 180,  # events older than this are ignored by the refresh
    "recs_pair_window": 5,  # co-occurrence counted within this many steps of an actor's history
    "recs_pair_events_per_actor": 200,
    "recs_pair_top_k": 100,  # neighbours kept per product (by cosine-normalised co-occurrence)
    "recs_popularity_damping": 0.3,  # candidate score divided by (pop(seed) * pop(candidate)) ** damping
    "recs_trending_half_life_hours": 72.0,
    "recs_buy_again_min_buyers": 3,
    "recs_buy_again_repeat_share": 0.2,
    "recs_exact_scan": False,  # vector neighbours by exact scan instead of the HNSW index (benchmarks)
    # prepared candidates are cached until the visitor's next event or the next refresh; this bounds
    # the age of lists whose history was written behind ecom_ai's back (0 = no cache)
    "recs_cache_seconds": 900,
    "recs_prepare_visitors": 10000,  # most recently active visitors prepared after each refresh
    "recs_prepare_on_event": True,  # a worker prepares a visitor's lists right after their events
    # chat
    "chat_enabled": True,
    "chat_greeting": "Hi! I can help you find products, track an order, or answer questions "
    "about our policies.",
    "chat_rate_connection_count": 8,  # messages per connection per window
    "chat_rate_connection_window": 10,  # seconds
    "chat_rate_client_count": 40,  # messages per user (or IP for guests) per window, all tabs together
    "chat_rate_client_window": 60,
    "chat_intent_min_confidence": 0.35,  # below this the agent searches products and articles instead
    "chat_kb_min_score": 0.35,  # cosine similarity an article section needs to be cited
    "chat_product_results": 4,
}

# How the admin form shows and validates a key: type (bool, int, float, str, text, choice,
# weights, json), min/max, choices, help, group. Keys without an entry get a form field inferred
# from their default's type, so a new key in DEFAULTS needs neither a schema entry nor a migration.
SCHEMA: dict[str, dict[str, Any]] = {
    "search_fusion": {"type": "choice", "choices": ["rrf", "weighted"], "group": "Search",
                      "help": "How keyword, vector and trigram result lists are merged."},
    "search_rrf_k": {"type": "int", "min": 1, "max": 1000, "group": "Search",
                     "help": "Reciprocal-rank-fusion constant; larger flattens the rank weights."},
    "search_weight_fts": {"type": "float", "min": 0, "max": 10, "group": "Search",
                          "help": "Weight of full-text (keyword) matches in the fusion."},
    "search_weight_vector": {"type": "float", "min": 0, "max": 10, "group": "Search",
                             "help": "Weight of semantic (embedding) matches in the fusion."},
    "search_weight_trigram": {"type": "float", "min": 0, "max": 10, "group": "Search",
                              "help": "Weight of fuzzy (trigram, typo-tolerant) matches."},
    "search_candidates": {"type": "int", "min": 10, "max": 2000, "group": "Search",
                          "help": "Candidates each retriever returns before fusion."},
    "ef_search": {"type": "int", "min": 10, "max": 1000, "group": "Search",
                  "help": "HNSW ef_search: higher is more accurate and slower."},
    "widget_search_box": {"type": "bool", "group": "Widgets", "help": "Show the semantic search box."},
    **{f"recs_enabled_{slot}": {"type": "bool", "group": "Widgets", "help": f"Show the {label} widget."}
       for slot, label in [("for_you", "“For you”"), ("similar", "“Similar products”"),
                           ("bought_together", "“Bought together”"), ("trending", "“Trending”"),
                           ("recently_viewed", "“Recently viewed”"), ("buy_again", "“Buy again”")]},
    **{f"recs_blend_{slot}": {"type": "weights", "min": 0, "max": 10, "group": "Recommendations",
                              "help": "Strategy weights as JSON, e.g. {\"for_you\": 1, \"trending\": 0.1}; "
                                      "strategies: similar, bought_together, for_you, trending, "
                                      "recently_viewed, buy_again."}
       for slot in ("for_you", "similar", "bought_together", "trending", "recently_viewed", "buy_again")},
    "recs_diversity_lambda": {"type": "float", "min": 0, "max": 1, "group": "Recommendations",
                              "help": "MMR trade-off over categories: 1 = pure relevance, lower = more variety."},
    "recs_candidate_pool": {"type": "int", "min": 5, "max": 2000, "group": "Recommendations",
                            "help": "Candidates each strategy proposes before the business rules."},
    "recs_trending_half_life_hours": {"type": "float", "min": 1, "max": 24 * 90, "group": "Recommendations",
                                      "help": "How fast popularity fades in “Trending”."},
    "recs_cache_seconds": {"type": "int", "min": 0, "max": 86400, "group": "Recommendations",
                           "help": "Longest a visitor's prepared candidates are reused (each new event and "
                                   "each refresh recomputes them sooner); 0 turns the cache off."},
    "recs_prepare_visitors": {"type": "int", "min": 0, "max": 1000000, "group": "Recommendations",
                              "help": "After each refresh, prepare the personal widgets of this many "
                                      "most recently active visitors (the rest on their first page)."},
    "recs_prepare_on_event": {"type": "bool", "group": "Recommendations",
                              "help": "After a visitor's events, a worker prepares their personal widgets "
                                      "(off: computed on their next page, then cached)."},
    "chat_enabled": {"type": "bool", "group": "Chat", "help": "Show the chat assistant on the shop's pages."},
    "chat_greeting": {"type": "str", "max_length": 500, "group": "Chat",
                      "help": "First message the assistant shows."},
    "chat_rate_connection_count": {"type": "int", "min": 1, "max": 1000, "group": "Rate limits",
                                   "help": "Chat messages allowed per connection in each window."},
    "chat_rate_connection_window": {"type": "int", "min": 1, "max": 3600, "group": "Rate limits",
                                    "help": "Window of the per-connection chat limit, in seconds."},
    "chat_rate_client_count": {"type": "int", "min": 1, "max": 10000, "group": "Rate limits",
                               "help": "Chat messages per customer (or IP for guests) per window, all tabs."},
    "chat_rate_client_window": {"type": "int", "min": 1, "max": 86400, "group": "Rate limits",
                                "help": "Window of the per-customer chat limit, in seconds."},
    "chat_intent_min_confidence": {"type": "float", "min": 0, "max": 1, "group": "Guardrails",
                                   "help": "Below this intent confidence the assistant searches instead."},
    "chat_kb_min_score": {"type": "float", "min": 0, "max": 1, "group": "Guardrails",
                          "help": "Similarity a help article needs before the assistant cites it."},
    "chat_product_results": {"type": "int", "min": 1, "max": 12, "group": "Chat",
                             "help": "Product cards in a chat answer."},
}


def tuning() -> dict[str, Any]:
    """The current run-time settings: DEFAULTS overlaid with the admin singleton's saved values.

    Loaded once per request (and from the shared cache otherwise); saving the singleton in admin
    invalidates the cache, so changes apply without a restart. Never raises: if the database or
    cache is unavailable the defaults are returned.
    """
    from .services.tuning import current_tuning

    return current_tuning()
