"""Pure search logic: query parsing, metrics, fusion, BM25F features, spelling."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from ecom_ai.core.fusion import normalise, ranked, reciprocal_rank_fusion, weighted_fusion
from ecom_ai.core.metrics import dcg, ndcg_at_k, percentile, recall_at_k
from ecom_ai.core.query_parser import parse_query
from ecom_ai.core.spelling import Speller, similarity
from ecom_ai.core.text import code_key, is_code, stem, tokens
from ecom_ai.core.textscore import (
    bm25_best_field,
    bm25_best_field_many,
    bm25f,
    build_stats,
    code_match,
    field_counts,
    field_tokens,
    phrase_in,
    phrase_in_counted,
    title_coverage,
)

BRANDS = ["Brother", "HP", "Logitech", "Hewlett Packard Enterprise"]
CATEGORIES = ["Laptops", "Bags & cases", "Printer supplies", "Printers & scanners"]


def parse(q):
    return parse_query(q, brands=BRANDS, categories=CATEGORIES)


@pytest.mark.parametrize(
    "query, low, high, text",
    [
        ("laptops under 500", None, Decimal(500), "laptops"),
        ("laptop under $499.99", None, Decimal("499.99"), "laptop"),
        ("between 20 and 40 dollars usb cable", Decimal(20), Decimal(40), "usb cable"),
        ("usb cable between €40 and €20", Decimal(20), Decimal(40), "usb cable"),
        ("monitor over 100 eur", Decimal(100), None, "monitor"),
        ("mouse 10-25", Decimal(10), Decimal(25), "mouse"),
        ("toner less than 30", None, Decimal(30), "toner"),
        ("tn-2110 toner", None, None, "tn-2110 toner"),  # a model code is not a price range
    ],
)
def test_price_constraints_are_read_and_removed_from_the_text(query, low, high, text):
    parsed = parse(query)
    assert (parsed.min_price, parsed.max_price, parsed.text) == (low, high, text)


def test_sort_words_stock_and_quoted_phrases():
    parsed = parse('cheapest "wireless mouse" in stock')
    assert parsed.sort == "price_asc" and parsed.in_stock is True
    assert parsed.phrases == ["wireless mouse"] and parsed.text == "wireless mouse"
    labels = [c["label"] for c in parsed.constraints()]
    assert "Cheapest first" in labels and "In stock" in labels and "Phrase: “wireless mouse”" in labels
    assert parse("most expensive laptop").sort == "price_desc"


def test_brand_words_are_matched_against_known_brands_and_stay_in_the_text():
    parsed = parse("brother tn-2110 toner")
    assert parsed.brands == ["Brother"] and parsed.text == "brother tn-2110 toner"
    assert parse("hewlett packard enterprise server").brands == ["Hewlett Packard Enterprise"]
    assert parse("brotherhood mug").brands == []  # whole words only


def test_category_is_the_head_noun_of_the_query():
    assert parse("gaming laptops").categories == ["Laptops"]
    assert parse("laptop bag").categories == ["Bags & cases"]  # a bag, not a laptop
    assert parse("printer").categories == ["Printers & scanners"]
    assert parse("toner").categories == []
    assert {"kind": "category", "label": "Category: Laptops"} in parse("laptop").constraints()


@pytest.mark.parametrize(
    "query", ["", "   ", "😀😀", "' OR 1=1; DROP TABLE x; --", "x" * 10000, "ноутбук laptop 笔记本"]
)
def test_parser_never_fails_on_odd_input(query):
    parsed = parse(query)
    assert isinstance(parsed.text, str)


def test_tokens_stem_plurals_and_split_codes():
    assert tokens("Laptops and Batteries") == ["laptop", "battery"]
    assert tokens("TN-2110 toner") == ["tn", "2110", "tn2110", "toner"]
    assert stem("glasses") == "glass" and stem("boxes") == "box" and stem("bus") == "bus"
    assert code_key("TN-2110") == "tn2110" and is_code("tn-2110") and is_code("C4127X")
    assert not is_code("laptop") and not is_code("15")


def test_ndcg_uses_exponential_gains_and_an_ideal_ranking():
    judged = {"a": 3, "b": 2, "c": 0}
    assert ndcg_at_k(["a", "b", "c"], judged) == pytest.approx(1.0)
    expected = (3 / math.log2(2) + 7 / math.log2(3)) / (7 / math.log2(2) + 3 / math.log2(3))
    assert ndcg_at_k(["b", "a"], judged) == pytest.approx(expected)
    assert ndcg_at_k(["x", "y"], judged) == 0.0
    assert ndcg_at_k(["a"], {"a": 0}) == 0.0  # nothing relevant
    assert dcg([3], 1) == pytest.approx(7.0)
    # Cut-off: a relevant item at rank 11 adds nothing to nDCG@10.
    assert ndcg_at_k([*"0123456789", "a"], judged, k=10) == 0.0


def test_recall_counts_rating_two_and_above():
    judged = {"a": 3, "b": 2, "c": 1, "d": 0}
    assert recall_at_k(["a", "c", "d"], judged, 50) == 0.5
    assert recall_at_k(["x"] * 50 + ["a", "b"], judged, 50) == 0.0
    assert recall_at_k([], {"c": 1}) == 0.0
    assert percentile([1, 2, 3, 4], 50) == 2.5 and percentile([], 95) == 0.0


def test_fusion():
    rrf = reciprocal_rank_fusion({"fts": ["a", "b"], "vector": ["b", "c"]}, k=60)
    assert ranked(rrf) == ["b", "a", "c"]
    weighted = weighted_fusion({"x": {"a": 1.0, "b": 0.5}, "y": {"b": 1.0}}, {"x": 1.0, "y": 0.6})
    assert ranked(weighted) == ["b", "a"]
    assert normalise({"a": 2.0, "b": 1.0}) == {"a": 1.0, "b": 0.5} and normalise({"a": 0.0}) == {"a": 0.0}


def test_bm25f_prefers_rare_terms_in_the_title():
    docs = [
        {"title": "Brother TN-2110 toner black", "brand": "Brother"},
        {"title": "HP 305 ink cartridge", "brand": "HP", "description": "toner alternative"},
        {"title": "Brother HL-2140 printer", "brand": "Brother"},
        {"title": "Samsung toner", "brand": "Samsung"},
    ]
    stats = build_stats(docs)
    terms = tokens("brother tn-2110 toner")
    scores = [bm25f(terms, field_tokens(d), stats) for d in docs]
    assert scores.index(max(scores)) == 0
    assert scores[1] < scores[3]  # a description mention counts less than a title mention
    title = field_tokens(docs[0])["title"]
    assert title_coverage(terms, title, stats) == pytest.approx(1.0)
    assert phrase_in(tokens("toner black"), title) == 1.0 and phrase_in(tokens("black toner"), title) == 0.0
    assert code_match(["tn2110"], "Brother TN 2110") == 1.0 and code_match(["tn2110"], "TN-2120") == 0.0


def test_best_field_bm25_scores_each_term_in_its_best_field_only():
    docs = [
        {"title": "Case Logic camera bag black", "description": "camera bag"},
        {"title": "Canon EH20-L hard case", "description": "Camera bag"},
        {"title": "Case Logic TBC302 camera case", "description": "compact camera case"},
        {"title": "Targus laptop bag", "description": ""},
    ]
    stats = build_stats(docs)
    terms = tokens("camera bag")
    fields = [field_tokens(d) for d in docs]
    scores = [bm25_best_field(terms, f, stats) for f in fields]
    # A short description naming the product counts like a title that does (fields are not pooled) ...
    assert scores[1] > scores[2] and scores[1] > scores[3]
    assert scores[1] >= scores[0] * 0.9
    # ... and a term in two fields scores once, in the better one, not twice.
    title_only = bm25_best_field(terms, {**fields[0], "description": []}, stats)
    desc_only = bm25_best_field(terms, {**fields[0], "title": []}, stats)
    assert scores[0] == pytest.approx(max(title_only, desc_only))
    assert bm25_best_field(["nothing"], fields[0], stats) == 0.0
    # Rare terms weigh more than common ones.
    assert bm25_best_field(["laptop"], fields[3], stats) > bm25_best_field(["bag"], fields[3], stats)


def test_prepared_counts_score_exactly_as_the_token_lists():
    docs = [
        {"title": "Case Logic camera bag black", "description": "camera bag for a camera"},
        {"title": "Canon EH20-L hard case", "description": "Camera bag"},
        {"title": "bag camera", "description": ""},
        {"title": "", "description": ""},
    ]
    stats = build_stats(docs)
    fields = [field_tokens(d) for d in docs]
    counted = [field_counts(f) for f in fields]
    for query in ("camera bag", "bag", "eh20-l case", "nothing here", "camera camera bag"):
        terms = tokens(query)
        # Equal, not approximately equal: the ranking (ties included) must not move.
        assert bm25_best_field_many(terms, counted, stats) == [bm25_best_field(terms, f, stats) for f in fields]
        assert [phrase_in_counted(terms, c) for c in counted] == [phrase_in(terms, f["title"]) for f in fields]
    assert [phrase_in_counted(tokens("camera bag"), c) for c in counted] == [1.0, 0.0, 0.0, 0.0]


def test_speller_corrects_unknown_words_to_frequent_ones():
    speller = Speller({"laptop": 50, "lantern": 3, "keyboard": 20, "toner": 9})
    assert speller.correct("labtop") == "laptop"
    assert speller.correct("keybord") == "keyboard"
    assert speller.correct("laptop") is None  # known
    assert speller.correct("qzxv") is None
    assert speller.suggest(["wireless", "keybord"]) == ["wireless", "keyboard"]
    assert similarity("laptop", "laptop") == 1.0


def test_edit_distance_counts_swaps_once():
    from ecom_ai.core.spelling import edit_distance

    assert edit_distance("laptop", "lpatop") == 1 and edit_distance("kitten", "sitting") == 3
    assert edit_distance("abc", "abcdefgh", limit=2) == 3
