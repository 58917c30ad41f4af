"""Run-time tuning: values staff change in admin without a deploy.

``tuning()`` returns DEFAULTS overlaid with the admin singleton (when that model exists), cached
per request. Each feature reads its keys from here; never dotted paths or secrets.
"""

from __future__ import annotations

from typing import Any

DEFAULTS: dict[str, Any] = {
    # search
    "search_fusion": "rrf",
    "search_rrf_k": 60,
    "search_weight_fts": 1.0,
    "search_weight_vector": 1.0,
    "search_weight_trigram": 0.5,
    "search_candidates": 100,
    "ef_search": 100,
    # widgets on/off (admin)
    "widget_for_you": True,
    "widget_similar": True,
    "widget_bought_together": True,
    "widget_trending": True,
    "widget_recently_viewed": True,
    "widget_search_box": True,
    # recommendations: strategy blend weights per slot, diversity, candidate pools (admin)
    "blend_for_you": {"collaborative": 0.6, "content": 0.3, "popular": 0.1},
    "blend_similar": {"content": 0.8, "collaborative": 0.2},
    "blend_bought_together": {"co_purchase": 0.8, "content": 0.2},
    "blend_trending": {"popular": 1.0},
    "blend_recently_viewed": {"recent": 1.0},
    "rec_diversity_lambda": 0.3,
    "rec_candidate_pool": 200,
    "rec_candidates_per_strategy": 100,
    "rec_items_per_widget": 8,
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
    **{f"widget_{slot}": {"type": "bool", "group": "Widgets", "help": f"Show the {label} widget."}
       for slot, label in [("for_you", "“For you”"), ("similar", "“Similar products”"),
                           ("bought_together", "“Bought together”"), ("trending", "“Trending”"),
                           ("recently_viewed", "“Recently viewed”"), ("search_box", "semantic search box")]},
    **{f"blend_{slot}": {"type": "weights", "min": 0, "max": 10, "group": "Recommendations",
                         "help": "Strategy weights as JSON, e.g. {\"content\": 0.7, \"popular\": 0.3}."}
       for slot in ("for_you", "similar", "bought_together", "trending", "recently_viewed")},
    "rec_diversity_lambda": {"type": "float", "min": 0, "max": 1, "group": "Recommendations",
                             "help": "MMR trade-off: 0 = pure relevance, 1 = maximal variety."},
    "rec_candidate_pool": {"type": "int", "min": 10, "max": 5000, "group": "Recommendations",
                           "help": "Candidates kept after blending, before diversity re-ranking."},
    "rec_candidates_per_strategy": {"type": "int", "min": 5, "max": 2000, "group": "Recommendations",
                                    "help": "Candidates each strategy proposes."},
    "rec_items_per_widget": {"type": "int", "min": 1, "max": 48, "group": "Recommendations",
                             "help": "Products shown in a recommendation widget."},
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
