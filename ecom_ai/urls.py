"""HTTP URLs of ecom_ai; the host includes them with ``path("", include("ecom_ai.urls"))``."""

from __future__ import annotations

from django.urls import path

from .api import views as api_views

app_name = "ecom_ai"
urlpatterns = [
    path("api/ecom-ai/health/", api_views.HealthView.as_view(), name="health"),
]
