"""The beacon endpoint (``POST /api/ecom-ai/events/``) and the recommendation click redirect."""

from __future__ import annotations

import logging

from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from drf_spectacular.utils import extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from ..conf import ecom_ai_settings
from ..services.attribution import read_token
from ..services.events import MAX_BATCH, actor_of, ingest_batch, record_event

logger = logging.getLogger(__name__)


class CsrfSessionAuthentication(SessionAuthentication):
    """Session authentication that checks the CSRF token for anonymous visitors too.

    DRF only checks CSRF for logged-in sessions; the beacon writes for anonymous visitors as well,
    so a cross-site page must not be able to post events in a visitor's name."""

    def authenticate(self, request):
        self.enforce_csrf(request)
        user = getattr(request._request, "user", None)
        if not user or not user.is_active or not user.is_authenticated:
            return None
        return (user, None)


class EventsThrottle(SimpleRateThrottle):
    """Per signed-in user, else per client address; rate from ``ECOM_AI["EVENTS_THROTTLE_RATE"]``."""

    scope = "ecom_ai_events"

    def get_rate(self) -> str:
        return ecom_ai_settings.EVENTS_THROTTLE_RATE

    def get_cache_key(self, request, view) -> str:
        user = getattr(request, "user", None)
        ident = f"u{user.pk}" if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class EventsView(APIView):
    """Accept a batch of browser events: ``{"events": [{"kind", "product", "token", "query", "ts"}, ...]}``.

    200 when every row was stored; 400 with ``errors`` (index + field messages) when some were not.
    Valid rows of a partly malformed batch are stored all the same (``accepted`` says how many), so
    a client never resends them."""

    authentication_classes = [CsrfSessionAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [EventsThrottle]

    @extend_schema(request=dict, responses={200: dict, 400: dict})
    def post(self, request):
        data = request.data
        rows = data.get("events") if isinstance(data, dict) else data
        user, vid = actor_of(request)
        result = ingest_batch(rows, user=user, session_key=vid)
        body = {
            "accepted": result.accepted,
            "rejected": len([e for e in result.errors if e["index"] is not None]),
        }
        if result.errors:
            body["detail"] = (
                f"{body['rejected']} of the events were malformed and rejected; the other "
                f"{result.accepted} were stored"
                if body["rejected"]
                else result.errors[0]["errors"]["events"]
            )
            body["errors"] = result.errors
            body["max_batch"] = MAX_BATCH
            return Response(body, status=400)
        return Response(body, status=200)


def recommendation_click(request, token: str):
    """Follow a recommended link: log ``rec_click`` with the token's attribution, then redirect.

    The destination is the product's own URL from the index, never a URL from the request."""
    from ..adapters import get_shop_adapter
    from ..models import IndexedProduct

    attribution = read_token(token)
    if not attribution:
        return HttpResponseBadRequest("This recommendation link is invalid or has been altered.")
    ref = attribution["product_ref"]
    url = IndexedProduct.objects.filter(product_ref=ref).values_list("url", flat=True).first() or ""
    if not url:
        try:
            product = get_shop_adapter().get_products([ref]).get(ref)
            url = get_shop_adapter().product_url(product) if product is not None else ""
        except Exception:
            logger.exception("ecom_ai: no URL for recommended product %s", ref)
    if not url or not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return HttpResponseBadRequest("This product is no longer available.")
    record_event(
        "rec_click",
        request=request,
        product_ref=ref,
        slot=attribution["slot"],
        strategy=attribution["strategy"],
        experiment=attribution["experiment"],
        arm=attribution["arm"],
    )
    return HttpResponseRedirect(url)
