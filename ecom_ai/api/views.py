"""API views."""

from __future__ import annotations

from django.db import connection
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


class HealthView(APIView):
    """Liveness of ecom_ai's dependencies, for load balancers and the admin."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: dict})
    def get(self, request):
        status = {"database": "ok", "pgvector": None}
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
                row = cursor.fetchone()
                status["pgvector"] = row[0] if row else None
        except Exception as exc:  # report, never raise: this is what monitoring reads
            status["database"] = f"error: {exc.__class__.__name__}"
        ok = status["database"] == "ok" and status["pgvector"] is not None
        return Response(status, status=200 if ok else 503)
