"""The search HTTP API and results page: filters, facets, pagination, schema, throttling, bad input."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from ecom_ai.models import Event

pytestmark = pytest.mark.django_db
API = "/api/ecom-ai/search/"


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()  # throttle counters live in the (real Redis) cache
    yield
    cache.clear()


def test_api_search_with_filters_facets_and_pagination(client, search_catalog):
    data = client.get(API, {"q": "laptop", "page_size": 2}).json()
    assert data["total"] >= 5 and len(data["hits"]) == 2 and data["num_pages"] >= 3
    assert {"category", "brand", "price", "in_stock"} <= set(data["facets"])
    filtered = client.get(
        API, {"q": "laptop", "category": "Laptops", "in_stock": "true", "max_price": "1000"}
    ).json()
    assert [h["title"] for h in filtered["hits"]] == ["ProBook 450 G9 15.6 inch laptop"]
    two_brands = client.get(API + "?q=mouse&brand=Logitech&brand=Bose").json()
    assert two_brands["hits"] and {h["brand"] for h in two_brands["hits"]} <= {"Logitech", "Bose"}
    parsed = client.get(API, {"q": "keyboard under 20 dollars"}).json()
    assert parsed["constraints"][0]["label"] == "Price up to 20"
    assert parsed["hits"][0]["title"] == "Wired USB keyboard"
    assert all(float(h["price"]) <= 20 for h in parsed["hits"])
    assert Event.objects.filter(kind="search", query="laptop").exists()


@pytest.mark.parametrize("q", ["", "😀😀😀", "' OR 1=1; --", "ноутбук 笔记本 laptop", "<script>x</script>"])
def test_api_odd_queries_never_500(client, search_catalog, q):
    response = client.get(API, {"q": q})
    assert response.status_code == 200
    body = response.json()
    if not any(c.isalnum() for c in q):
        assert body["total"] == 0 and body["message"]


def test_api_rejects_bad_parameters_with_a_message(client, search_catalog):
    long = client.get(API, {"q": "x" * 10240})
    assert long.status_code == 400 and "too long" in str(long.json()["detail"]["q"])
    assert client.get(API, {"q": "a", "page": "0"}).status_code == 400
    assert client.get(API, {"q": "a", "min_price": "-5"}).status_code == 400
    assert client.get(API, {"q": "a", "min_price": "50", "max_price": "10"}).status_code == 400
    assert client.get(API, {"q": "a", "mode": "nosql"}).status_code == 400
    assert client.get(API, {"q": "a\x00b"}).status_code == 400
    assert client.get(API + "suggest/", {"q": "y" * 10240}).status_code == 400


def test_autocomplete_endpoint(client, search_catalog):
    data = client.get(API + "suggest/", {"q": "blue"}).json()
    assert any("bluetooth" in s["text"].lower() for s in data["suggestions"])


def test_openapi_schema_describes_search(client):
    schema = client.get("/api/ecom-ai/schema/", {"format": "json"}).json()
    params = {p["name"] for p in schema["paths"]["/api/ecom-ai/search/"]["get"]["parameters"]}
    assert {"q", "category", "brand", "min_price", "max_price", "in_stock", "page", "page_size"} <= params
    assert "/api/ecom-ai/search/suggest/" in schema["paths"]


def test_a_burst_of_100_requests_is_throttled(client, db):
    codes = [client.get(API, {"q": ""}).status_code for _ in range(100)]
    assert codes[0] == 200 and 429 in codes
    assert codes.count(200) == 60  # the default run-time rate is 60/min per client


def test_results_page_renders_cards_facets_constraints_and_did_you_mean(client, search_catalog):
    html = client.get("/search/", {"q": "wireles mouse under 50"}).content.decode()
    assert "M185 wireless mouse" in html and "MX Master" not in html  # 99.00 is over 50
    assert "Did you mean" in html and "wireless mouse" in html
    assert "Price up to 50" in html
    assert 'data-facet="brand" data-value="Logitech"' in html
    assert 'action="/ecom-ai/search/"' in html  # the search box tag in the shop's base template
    faceted = client.get("/search/", {"q": "laptop", "category": "Bags"}).content.decode()
    assert "laptop backpack" in faceted and "ThinkPad" not in faceted
    assert client.get("/search/plain/", {"q": "mouse"}).status_code == 200  # the shop's own search


def test_results_page_bad_input(client, search_catalog):
    assert client.get("/search/", {"q": "x" * 10240}).status_code == 400
    for q in ("", "🙂", "<img src=x onerror=alert(1)>", "'; DROP TABLE x; --"):
        response = client.get("/search/", {"q": q, "min_price": "abc", "page": "zz"})
        assert response.status_code == 200 and "<img src=x" not in response.content.decode()


def test_search_click_redirects_to_the_product_and_is_recorded(client, search_catalog):
    product = search_catalog["K380 bluetooth keyboard"]
    response = client.get(f"/ecom-ai/search/go/{product.pk}/", {"q": "keyboard", "pos": "2"})
    assert response.status_code == 302 and response["Location"] == product.get_absolute_url()
    click = Event.objects.get(kind="search_click")
    assert (
        click.product_ref == str(product.pk)
        and click.query == "keyboard"
        and click.context == {"position": 2}
    )
    assert client.get("/ecom-ai/search/go/999999/").status_code == 404
