"""Websocket URL patterns; the host's ASGI router includes these."""

from __future__ import annotations

from django.urls import path

websocket_urlpatterns: list = []

from .consumers.chat import ChatConsumer  # noqa: E402
from .consumers.staff import StaffChatConsumer  # noqa: E402

websocket_urlpatterns += [
    path("ws/ecom-ai/chat/", ChatConsumer.as_asgi()),
    path("ws/ecom-ai/staff/<str:conversation>/", StaffChatConsumer.as_asgi()),
]
