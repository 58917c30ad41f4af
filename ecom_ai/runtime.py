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
    "widget_chat": True,
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
    # chat (admin): text and generation parameters only; backends and keys stay in settings.ECOM_AI
    "chat_greeting": "Hi! I can help you find products, answer questions about our policies "
                     "and track your orders.",
    "chat_persona": "You are the friendly shopping assistant of this shop. Answer briefly, "
                    "only from the shop's catalogue and policies.",
    "chat_temperature": 0.3,
    "chat_max_tokens": 400,
    "chat_history_turns": 8,
    # rate limits (admin), per visitor
    "rate_chat_per_minute": 20,
    "rate_search_per_minute": 60,
    "rate_api_per_minute": 120,
    # guardrails (admin)
    "guard_min_relevance": 0.25,
    "guard_max_message_chars": 2000,
    "guard_handoff_after_failures": 2,
    "guard_block_off_topic": True,
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
                           ("recently_viewed", "“Recently viewed”"), ("search_box", "semantic search box"),
                           ("chat", "chat assistant")]},
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
    "chat_greeting": {"type": "str", "max_length": 500, "group": "Chat",
                      "help": "First message the assistant shows."},
    "chat_persona": {"type": "text", "max_length": 4000, "group": "Chat",
                     "help": "System prompt describing tone and scope."},
    "chat_temperature": {"type": "float", "min": 0, "max": 2, "group": "Chat",
                         "help": "Sampling temperature; 0 is deterministic."},
    "chat_max_tokens": {"type": "int", "min": 16, "max": 8192, "group": "Chat",
                        "help": "Longest answer, in tokens."},
    "chat_history_turns": {"type": "int", "min": 0, "max": 50, "group": "Chat",
                           "help": "Earlier turns sent with each question."},
    "rate_chat_per_minute": {"type": "int", "min": 1, "max": 10000, "group": "Rate limits",
                             "help": "Chat messages per visitor per minute."},
    "rate_search_per_minute": {"type": "int", "min": 1, "max": 100000, "group": "Rate limits",
                               "help": "Searches per visitor per minute."},
    "rate_api_per_minute": {"type": "int", "min": 1, "max": 100000, "group": "Rate limits",
                            "help": "API calls per visitor per minute."},
    "guard_min_relevance": {"type": "float", "min": 0, "max": 1, "group": "Guardrails",
                            "help": "Below this similarity the assistant says it does not know."},
    "guard_max_message_chars": {"type": "int", "min": 50, "max": 20000, "group": "Guardrails",
                                "help": "Longer customer messages are refused with a message."},
    "guard_handoff_after_failures": {"type": "int", "min": 0, "max": 20, "group": "Guardrails",
                                     "help": "Offer a human after this many failed answers (0: never)."},
    "guard_block_off_topic": {"type": "bool", "group": "Guardrails",
                              "help": "Politely decline questions unrelated to the shop."},
}


def tuning() -> dict[str, Any]:
    """The current run-time settings: DEFAULTS overlaid with the admin singleton's saved values.

    Loaded once per request (and from the shared cache otherwise); saving the singleton in admin
    invalidates the cache, so changes apply without a restart. Never raises: if the database or
    cache is unavailable the defaults are returned.
    """
    from .services.tuning import current_tuning

    return current_tuning()
