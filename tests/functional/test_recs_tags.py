"""Recommendation tags: rendering, ``as var``, demo pages, attribution tokens, never breaking a page."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.template import Context, Template, TemplateSyntaxError
from django.test import Client, RequestFactory
from django.urls import reverse

from ecom_ai.models import Event
from ecom_ai.services.attribution import read_token
from ecom_ai.services.recommend import clear_caches
from ecom_ai.services.recs_stats import refresh_all
from ecom_ai.services.strategies import Strategy
from tests.recs_helpers import add_events, indexed_catalog

pytestmark = pytest.mark.django_db


class ExplodingStrategy(Strategy):
    """A recommender backend that fails, as a broken deployment would."""

    def candidates(self, ctx, k):
        raise RuntimeError("recommender down")


@pytest.fixture
def shop():
    cache.clear()
    refs = indexed_catalog(
        [
            ("Blue mug", "Kitchen", 5),
            ("Red mug", "Kitchen", 5),
            ("Teapot", "Kitchen", 5),
            ("Tea towel", "Home", 5),
            ("Old lamp", "Home", 0),
        ]
    )
    for n in range(4):
        add_events(
            [
                ("view", refs["Blue mug"]),
                ("purchase", refs["Blue mug"]),
                ("purchase", refs["Teapot"]),
                ("view", refs["Tea towel"]),
            ],
            session_key=f"s{n}",
        )
    refresh_all()
    yield refs
    cache.clear()


def render(source: str, request=None, **context) -> str:
    request = request or _request()
    return Template("{% load ecom_ai %}" + source).render(Context({"request": request, **context}))


def _request():
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.user = AnonymousUser()
    return request


def test_trending_tag_renders_widget_with_title_limit_and_signed_links(shop):
    html = render("{% trending_products limit=2 title=heading %}", heading="Hot <now>")
    assert "Hot &lt;now&gt;" in html and html.count('class="ecom-ai-rec"') == 2
    assert "Trending in Kitchen" in html and "/api/ecom-ai/r/" in html
    assert shop["Old lamp"] not in html.split("data-ecom-ai-product=")[1:]  # out of stock


def test_as_var_gives_the_list_for_custom_markup(shop):
    html = render(
        "{% bought_together product as recs %}{% for r in recs %}[{{ r.title }}|{{ r.reason }}]{% endfor %}",
        product=shop["Blue mug"],
    )
    assert "[Teapot|Often bought with Blue mug]" in html and "ecom-ai-recs" not in html


def test_cart_lines_work_as_anchors(shop):
    class Line:
        def __init__(self, product):
            self.product = product

    from demo_shop.catalog.models import Product

    lines = [Line(Product.objects.get(pk=shop["Blue mug"]))]
    html = render("{% bought_together lines as recs %}{{ recs|length }}:{{ recs.0.title }}", lines=lines)
    count, title = html.split(":")
    assert int(count) >= 1 and title == "Teapot"


def test_missing_product_argument_is_a_template_syntax_error():
    with pytest.raises(TemplateSyntaxError, match="needs a product"):
        Template("{% load ecom_ai %}{% similar_products limit=3 %}")


def test_beacon_impressions_by_default_write_nothing_while_rendering(shop):
    html = render("{% trending_products limit=2 %}")
    assert (
        'data-ecom-ai-impressions="beacon"' in html
        and not Event.objects.filter(kind="rec_impression").exists()
    )
    token = html.split('data-ecom-ai-token="')[1].split('"')[0]
    client = Client(enforce_csrf_checks=True)
    client.get("/")
    response = client.post(
        "/api/ecom-ai/events/",
        data={"events": [{"kind": "rec_impression", "token": token}]},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert response.status_code == 200, response.content
    seen = Event.objects.get(kind="rec_impression")
    assert (seen.slot, seen.strategy, seen.product_ref) == (
        "trending",
        "trending",
        read_token(token)["product_ref"],
    )


def test_rendering_logs_impressions_and_the_click_redirect_attributes_the_click(shop, settings):
    settings.ECOM_AI = {**settings.ECOM_AI, "RECS_IMPRESSIONS": "render"}
    client = Client()
    client.get("/")  # the home page renders trending
    impressions = Event.objects.filter(kind="rec_impression", slot="trending")
    assert impressions.exists() and set(impressions.values_list("strategy", flat=True)) == {"trending"}
    html = render("{% trending_products limit=1 as recs %}{{ recs.0.token }} {{ recs.0.click_url }}")
    token, link = html.split()
    assert read_token(token)["slot"] == "trending" and link == reverse("ecom_ai:rec_click", args=[token])
    response = client.get(f"/api/ecom-ai/r/{token}/")
    assert response.status_code == 302
    click = Event.objects.get(kind="rec_click")
    assert (click.slot, click.strategy, click.product_ref) == (
        "trending",
        "trending",
        read_token(token)["product_ref"],
    )
    from demo_shop.catalog.models import Product

    assert response["Location"] == Product.objects.get(pk=click.product_ref).get_absolute_url()
    tampered = client.get(f"/api/ecom-ai/r/{token[:-2]}xx/")
    assert tampered.status_code == 400 and Event.objects.filter(kind="rec_click").count() == 1


def test_a_failing_backend_never_breaks_the_page_and_serves_the_last_good_list(shop, settings, caplog):
    good = render("{% trending_products limit=3 %}")
    assert "ecom-ai-recs" in good
    settings.ECOM_AI = {
        **settings.ECOM_AI,
        "RECOMMENDERS": {
            **settings.ECOM_AI.get("RECOMMENDERS", {}),
            "trending": {"BACKEND": "tests.functional.test_recs_tags.ExplodingStrategy"},
            "for_you": {"BACKEND": "tests.functional.test_recs_tags.ExplodingStrategy"},
        },
    }
    clear_caches()
    fallback = render("{% trending_products limit=3 %}")
    assert fallback == good
    assert "recommender down" in caplog.text
    assert render("{% recommended_for_you %}") == ""  # personal slot: nothing rather than someone else's list
    response = Client().get("/")
    assert response.status_code == 200 and "Featured" in response.content.decode()


def test_demo_pages_show_widgets_and_track_views(shop):
    from demo_shop.catalog.models import Product

    client = Client()
    mug = Product.objects.get(pk=shop["Blue mug"])
    page = client.get(mug.get_absolute_url()).content.decode()
    assert "Frequently bought together" in page and "Teapot" in page
    assert Event.objects.filter(kind="view", product_ref=shop["Blue mug"]).exclude(session_key="").exists()
    home = client.get("/").content.decode()
    assert "Trending now" in home and "Recently viewed" in home and "Recommended for you" in home
    assert 'src="/static/ecom_ai/track.js"' in home and "data-csrf=" in home
    client.post(f"/cart/add/{mug.pk}/", {"quantity": "1"})
    cart = client.get("/cart/").content.decode()
    assert "Goes well with your cart" in cart and "Teapot" in cart
