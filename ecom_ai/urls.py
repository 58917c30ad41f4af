"""HTTP URLs of ecom_ai; the host includes them with ``path("", include("ecom_ai.urls"))``."""

from __future__ import annotations

from django.urls import path

from .api import views as api_views

app_name = "ecom_ai"
urlpatterns = [
    path("api/ecom-ai/health/", api_views.HealthView.as_view(), name="health"),
]

from .api import events as _events  # noqa: E402  (recommendations & events)

urlpatterns += [
    path("api/ecom-ai/events/", _events.EventsView.as_view(), name="events"),
    path("api/ecom-ai/r/<str:token>/", _events.recommendation_click, name="rec_click"),
]
