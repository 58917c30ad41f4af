"""URLs of the catalogue."""

from django.urls import path

from ecom_ai.views import search_page

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.category, name="category"),
    path("p/<slug:slug>/", views.product_detail, name="product"),
    # The shop's search page is ecom_ai's; the shop's own keyword search stays reachable.
    path("search/", search_page, name="search"),
    path("search/plain/", views.keyword_search, name="plain_search"),
]
