"""Websocket URL patterns; the host's ASGI router includes these."""

from __future__ import annotations

websocket_urlpatterns: list = []
