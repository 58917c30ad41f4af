"""DRF endpoints of search: ``GET /api/ecom-ai/search/?q=`` and ``GET /api/ecom-ai/search/suggest/?q=``."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from ..runtime import tuning
from ..services.search import MODES, SORTS, SearchParams, search
from ..services.search_suggest import autocomplete, record_search

MAX_Q = 500


class _TuningRateThrottle(SimpleRateThrottle):
    """Per-client rate limit (user id, else IP) kept in the Django cache; the rate is a run-time setting."""

    tuning_key = ""

    def get_rate(self) -> str:
        return str(tuning()[self.tuning_key])

    def get_cache_key(self, request, view):
        ident = request.user.pk if request.user and request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class SearchThrottle(_TuningRateThrottle):
    scope = "ecom_ai_search"
    tuning_key = "search_rate_limit"


class SuggestThrottle(_TuningRateThrottle):
    scope = "ecom_ai_suggest"
    tuning_key = "search_suggest_rate_limit"


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise serializers.ValidationError("The query contains a NUL character.")
    return value


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_Q,
        trim_whitespace=True,
        default="",
        validators=[_clean_text],
        error_messages={"max_length": f"The query is too long (at most {MAX_Q} characters)."},
    )
    category = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list
    )
    brand = serializers.ListField(child=serializers.CharField(max_length=200), required=False, default=list)
    min_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    max_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    in_stock = serializers.BooleanField(required=False, allow_null=True, default=None)
    sort = serializers.ChoiceField(choices=SORTS, required=False, default="relevance")
    page = serializers.IntegerField(min_value=1, max_value=1000, required=False, default=1)
    page_size = serializers.IntegerField(min_value=1, max_value=100, required=False, default=20)
    mode = serializers.ChoiceField(choices=MODES, required=False, default="hybrid")

    def validate(self, attrs):
        low, high = attrs.get("min_price"), attrs.get("max_price")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"min_price": "min_price must not exceed max_price."})
        return attrs

    def to_params(self) -> SearchParams:
        data = self.validated_data
        return SearchParams(
            q=data["q"],
            categories=tuple(data["category"]),
            brands=tuple(data["brand"]),
            min_price=data.get("min_price"),
            max_price=data.get("max_price"),
            in_stock=data["in_stock"],
            sort=data["sort"],
            page=data["page"],
            page_size=data["page_size"],
            mode=data["mode"],
        )


def query_data(request) -> dict:
    """Query-string values with repeatable filters as lists."""
    data = {
        key: request.query_params.get(key) for key in request.query_params if key not in ("category", "brand")
    }
    data["category"] = request.query_params.getlist("category")
    data["brand"] = request.query_params.getlist("brand")
    if data.get("in_stock") in ("", None):
        data.pop("in_stock", None)
    return data


class HitSerializer(serializers.Serializer):
    ref = serializers.CharField()
    title = serializers.CharField()
    brand = serializers.CharField()
    category = serializers.CharField()
    price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    in_stock = serializers.BooleanField()
    url = serializers.CharField()
    score = serializers.FloatField()


class FacetValueSerializer(serializers.Serializer):
    value = serializers.JSONField(required=False)
    min = serializers.CharField(required=False)
    max = serializers.CharField(required=False, allow_null=True)
    count = serializers.IntegerField()


class SearchResponseSerializer(serializers.Serializer):
    query = serializers.CharField()
    mode = serializers.CharField()
    total = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    num_pages = serializers.IntegerField()
    hits = HitSerializer(many=True)
    facets = serializers.DictField(child=FacetValueSerializer(many=True))
    constraints = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))
    did_you_mean = serializers.CharField(allow_blank=True)
    fallback = serializers.CharField(allow_blank=True)
    message = serializers.CharField(allow_blank=True)
    took_ms = serializers.FloatField()


def session_key_of(request) -> str:
    session = getattr(request, "session", None)
    return (session.session_key or "") if session is not None else ""


class SearchView(APIView):
    """Hybrid product search with filters, facets and pagination."""

    permission_classes = [AllowAny]
    throttle_classes = [SearchThrottle]

    @extend_schema(
        parameters=[SearchQuerySerializer],
        responses={200: SearchResponseSerializer},
        summary="Search products (full-text + semantic)",
    )
    def get(self, request):
        query = SearchQuerySerializer(data=query_data(request))
        if not query.is_valid():
            return Response({"error": "invalid search parameters", "detail": query.errors}, status=400)
        result = search(query.to_params())
        record_search(result, user=request.user, session_key=session_key_of(request))
        return Response(SearchResponseSerializer(result.as_dict()).data)


class SuggestView(APIView):
    """Autocomplete: past successful searches and product titles matching what was typed."""

    permission_classes = [AllowAny]
    throttle_classes = [SuggestThrottle]

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="What the customer typed so far")],
        responses={
            200: inline_serializer(
                "Suggestions",
                {
                    "q": serializers.CharField(),
                    "suggestions": serializers.ListField(
                        child=serializers.DictField(child=serializers.CharField())
                    ),
                },
            )
        },
        summary="Search suggestions",
    )
    def get(self, request):
        q = request.query_params.get("q", "")
        if len(q) > MAX_Q or "\x00" in q:
            return Response({"error": f"q must be at most {MAX_Q} characters of text."}, status=400)
        return Response({"q": q, "suggestions": autocomplete(q)})
