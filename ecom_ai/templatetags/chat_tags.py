"""``{% ecom_ai_chat %}`` (alias ``{% ecom_ai_chat_widget %}``): the floating chat bubble."""

from __future__ import annotations

import logging

from django import template
from django.template.loader import render_to_string

from ..runtime import tuning

logger = logging.getLogger(__name__)
register = template.Library()


@register.simple_tag(takes_context=True)
def ecom_ai_chat(context, path: str = "/ws/ecom-ai/chat/") -> str:
    """The widget's markup, CSS and JS. Marks the session so a guest's chat can be bound to it."""
    request = context.get("request")
    try:
        if not tuning().get("chat_enabled", True):
            return ""
        if request is not None and hasattr(request, "session") and not request.session.session_key:
            # Touching the session makes the middleware send the cookie the websocket needs.
            request.session["ecom_ai_chat"] = True
        return render_to_string("ecom_ai/chat_widget.html", {"ws_path": path}, request=request)
    except Exception:  # the host page must never break because the chat could not render
        logger.exception("chat widget failed to render")
        return ""


register.simple_tag(ecom_ai_chat, takes_context=True, name="ecom_ai_chat_widget")
