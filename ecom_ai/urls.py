"""HTTP URLs of ecom_ai; the host includes them with ``path("", include("ecom_ai.urls"))``."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from . import views as page_views
from .api import search as search_api
from .api import views as api_views

app_name = "ecom_ai"
urlpatterns = [
    path("api/ecom-ai/health/", api_views.HealthView.as_view(), name="health"),
    path("api/ecom-ai/search/", search_api.SearchView.as_view(), name="api_search"),
    path("api/ecom-ai/search/suggest/", search_api.SuggestView.as_view(), name="api_search_suggest"),
    path("api/ecom-ai/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("ecom-ai/search/", page_views.search_page, name="search"),
    path("ecom-ai/search/go/<str:ref>/", page_views.search_click, name="search_click"),
]

from .api import events as _events  # noqa: E402  (recommendations & events)

urlpatterns += [
    path("api/ecom-ai/events/", _events.EventsView.as_view(), name="events"),
    path("api/ecom-ai/r/<str:token>/", _events.recommendation_click, name="rec_click"),
]
