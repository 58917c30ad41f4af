"""Helpers for the recommendation tests: a small indexed catalogue and events at chosen times."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ecom_ai.models import Event
from ecom_ai.services.indexing import sync_products
from ecom_ai.services.strategies import Candidate, Strategy
from tests.factories import make_product


def indexed_catalog(spec: list[tuple[str, str, int]]) -> dict[str, str]:
    """Create products ``(title, category, stock)`` and index them; returns title -> product_ref."""
    refs = {}
    for title, category, stock in spec:
        product = make_product(title, category=category, stock=stock)
        refs[title] = str(product.pk)
    sync_products(list(refs.values()))
    return refs


def add_events(
    rows: list[tuple[str, str]],
    *,
    user=None,
    session_key: str = "",
    start_minutes_ago: int = 600,
    step_minutes: int = 1,
) -> None:
    """``rows`` of ``(kind, product_ref)``, oldest first, spaced ``step_minutes`` apart."""
    now = timezone.now()
    Event.objects.bulk_create(
        [
            Event(
                kind=kind,
                product_ref=ref,
                user=user,
                session_key=session_key,
                weight=Event.DEFAULT_WEIGHTS.get(kind, 1.0),
                created_at=now - timedelta(minutes=start_minutes_ago - i * step_minutes),
            )
            for i, (kind, ref) in enumerate(rows)
        ]
    )


class ZeroScoreStrategy(Strategy):
    """A strategy whose candidates all score 0 (as cosine neighbours can): still recommendable."""

    def candidates(self, ctx, k):
        return {ref: Candidate(0.0, "Picked for you") for ref in self.options["refs"][:k]}
