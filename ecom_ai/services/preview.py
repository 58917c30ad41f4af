"""Admin preview: what a customer would be recommended under unsaved run-time settings."""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from typing import Any

from .tuning import overlay

logger = logging.getLogger(__name__)

RECOMMEND_MODULE = "ecom_ai.services.recommend"


@dataclass
class PreviewItem:
    ref: str
    title: str = ""
    score: float | None = None
    strategy: str = ""


@dataclass
class PreviewResult:
    installed: bool
    items: list[PreviewItem] = field(default_factory=list)
    message: str = ""


def _normalise(item: Any) -> PreviewItem:
    if isinstance(item, str | int):
        return PreviewItem(ref=str(item))
    if isinstance(item, dict):
        get = item.get
    else:

        def get(name: str, default: Any = None) -> Any:
            return getattr(item, name, default)

    ref = get("product_ref") or get("ref") or ""
    score = get("score")
    return PreviewItem(
        ref=str(ref),
        title=str(get("title") or ""),
        strategy=str(get("strategy") or ""),
        score=float(score) if isinstance(score, int | float) else None,
    )


def recommendation_preview(*, user: Any, slot: str, values: dict[str, Any], limit: int = 8) -> PreviewResult:
    """Call ``ecom_ai.services.recommend.recommend(slot, user=..., limit=...)`` with ``values`` applied.

    The one seam between the admin and the recommender: if that module is not installed the result
    says so; if it fails, the error is reported instead of breaking the admin page. The unsaved
    values reach the recommender through ``tuning()`` (see ``services.tuning.overlay``).
    """
    try:
        module = importlib.import_module(RECOMMEND_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name and RECOMMEND_MODULE.startswith(exc.name):
            return PreviewResult(
                installed=False,
                message="Recommendations not installed: the module "
                f"{RECOMMEND_MODULE} is not available, so there is nothing to preview yet.",
            )
        raise
    try:
        with overlay(values):
            raw = module.recommend(slot, user=user, limit=limit)
    except Exception as exc:  # show the failure to staff; never a 500 in admin
        logger.exception("ecom_ai preview: recommend() failed")
        return PreviewResult(installed=True, message=f"The recommender failed: {type(exc).__name__}: {exc}")
    items = [_normalise(i) for i in list(raw or [])[:limit]]
    missing = [i.ref for i in items if not i.title]
    if missing:
        from ..models import IndexedProduct

        titles = dict(
            IndexedProduct.objects.filter(product_ref__in=missing).values_list("product_ref", "title")
        )
        for i in items:
            i.title = i.title or titles.get(i.ref, "")
    return PreviewResult(
        installed=True, items=items, message="" if items else "No recommendations for this customer and slot."
    )
