"""Root URLs of the demo shop, ecom_ai included the way any shop would include it."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("demo_shop.accounts.urls")),
    path("", include("demo_shop.orders.urls")),
    path("", include("demo_shop.catalog.urls")),
    path("", include("ecom_ai.urls")),
]
