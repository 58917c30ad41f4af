"""A/B experiments: deterministic assignment of visitors to arms, and per-arm results.

Other features call ``assign(request, slot)`` before serving a slot, apply the returned overrides
(``with ecom_ai.services.tuning.overlay(overrides): ...``) and store ``experiment``/``arm`` on the
events they log, so every metric can be split by arm.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from ..core.stats import Estimate, mean_estimates, rate_estimates

logger = logging.getLogger(__name__)

CACHE_KEY = "ecom_ai:experiments:running:v1"
CACHE_SECONDS = 300
NO_EXPERIMENT: tuple[str, str, dict[str, Any]] = ("", "", {})


def invalidate() -> None:
    """Forget the cached running experiments (called when an experiment or variant is saved)."""
    try:
        cache.delete(CACHE_KEY)
    except Exception:
        logger.warning("ecom_ai experiments: could not clear the cache", exc_info=True)


def _running() -> dict[str, dict[str, Any]]:
    """Running experiments by slot: {slot: {key, bucket_by, arms: [(key, weight, overrides)]}}."""
    try:
        data = cache.get(CACHE_KEY)
    except Exception:
        data = None
    if data is not None:
        return data
    from ..models import Experiment

    data = {}
    for exp in Experiment.objects.filter(status=Experiment.Status.RUNNING).order_by("started_at", "pk"):
        if exp.slot in data:
            continue
        arms = [
            (v.key, v.weight, v.effective_overrides(exp.slot)) for v in exp.variants.all() if v.weight > 0
        ]
        if arms:
            data[exp.slot] = {"key": exp.key, "bucket_by": exp.bucket_by, "arms": arms}
    try:
        cache.set(CACHE_KEY, data, CACHE_SECONDS)
    except Exception:
        pass
    return data


def unit_ids(request_or_ids: Any) -> tuple[str, str]:
    """(user id, session key) from a request, a mapping, a (user_id, session_key) pair or a key."""
    if hasattr(request_or_ids, "META"):  # an HttpRequest
        user = getattr(request_or_ids, "user", None)
        user_id = str(user.pk) if user is not None and user.is_authenticated else ""
        session = getattr(request_or_ids, "session", None)
        return user_id, (session.session_key or "") if session is not None else ""
    if isinstance(request_or_ids, Mapping):
        return str(request_or_ids.get("user_id") or ""), str(request_or_ids.get("session_key") or "")
    if isinstance(request_or_ids, tuple | list) and len(request_or_ids) == 2:
        return str(request_or_ids[0] or ""), str(request_or_ids[1] or "")
    if isinstance(request_or_ids, int):
        return str(request_or_ids), ""
    if isinstance(request_or_ids, str):
        return "", request_or_ids
    return "", ""


def bucket(experiment_key: str, unit: str) -> float:
    """A stable point in [0, 1) for a unit in an experiment (SHA-256, independent per experiment)."""
    digest = hashlib.sha256(f"ecom_ai:{experiment_key}:{unit}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def pick_arm(experiment_key: str, unit: str, arms: list[tuple[str, int, dict[str, Any]]]) -> tuple[str, dict]:
    """The arm a unit falls into, by cumulative traffic weights."""
    total = sum(weight for _, weight, _ in arms)
    point = bucket(experiment_key, unit) * total
    upto = 0.0
    for key, weight, overrides in arms:
        upto += weight
        if point < upto:
            return key, overrides
    return arms[-1][0], arms[-1][2]


def assign(request_or_ids: Any, slot: str) -> tuple[str, str, dict[str, Any]]:
    """The running experiment on ``slot`` and this visitor's arm: (experiment_key, arm, overrides).

    Deterministic: the same user (or session, per the experiment's ``bucket_by``) always gets the
    same arm. Returns ``("", "", {})`` when no experiment runs on the slot, when the visitor has no
    id yet, or when anything fails (a shop page never breaks because of an experiment).
    """
    try:
        exp = _running().get(slot)
        if not exp:
            return NO_EXPERIMENT
        user_id, session_key = unit_ids(request_or_ids)
        if exp["bucket_by"] == "user" and user_id:
            unit = f"u:{user_id}"
        elif session_key:
            unit = f"s:{session_key}"
        elif user_id:
            unit = f"u:{user_id}"
        else:
            return NO_EXPERIMENT
        arm, overrides = pick_arm(exp["key"], unit, exp["arms"])
        return exp["key"], arm, dict(overrides)
    except Exception:
        logger.exception("ecom_ai experiments: assignment failed for slot %s", slot)
        return NO_EXPERIMENT


@dataclass
class ArmResult:
    """Figures of one arm with estimates (rates via Beta-Binomial, revenue via Welch/normal)."""

    key: str
    is_control: bool
    visitors: int = 0
    impressions: int = 0
    clicks: int = 0
    converters: int = 0
    revenue: float = 0.0
    ctr: Estimate | None = None
    conversion: Estimate | None = None
    revenue_per_visitor: Estimate | None = None
    extra: dict[str, Any] = field(default_factory=dict)


_RESULTS_SQL = """
WITH exposed AS (
    SELECT COALESCE('u' || user_id::text, 's' || session_key) AS visitor, arm, MIN(created_at) AS first_seen
    FROM ecom_ai_event
    WHERE experiment = %(key)s AND arm <> '' AND created_at >= %(start)s AND created_at < %(end)s
    GROUP BY 1, 2
), counts AS (
    SELECT arm,
           COUNT(*) FILTER (WHERE kind = 'rec_impression') AS impressions,
           COUNT(*) FILTER (WHERE kind = 'rec_click') AS clicks
    FROM ecom_ai_event
    WHERE experiment = %(key)s AND created_at >= %(start)s AND created_at < %(end)s
    GROUP BY arm
), revenue AS (
    SELECT x.visitor, x.arm, COUNT(p.id) AS purchases, COALESCE(SUM(p.value), 0)::float8 AS revenue
    FROM exposed x
    LEFT JOIN ecom_ai_event p
      ON p.kind = 'purchase' AND p.created_at >= x.first_seen AND p.created_at < %(end)s
     AND COALESCE('u' || p.user_id::text, 's' || p.session_key) = x.visitor
    GROUP BY x.visitor, x.arm
)
SELECT r.arm, COUNT(*) AS visitors, COUNT(*) FILTER (WHERE r.purchases > 0) AS converters,
       SUM(r.revenue) AS revenue, SUM(r.revenue * r.revenue) AS revenue_sq,
       COALESCE(MAX(c.impressions), 0), COALESCE(MAX(c.clicks), 0)
FROM revenue r LEFT JOIN counts c ON c.arm = r.arm
GROUP BY r.arm
"""


def results(experiment: Any, now: datetime | None = None) -> list[ArmResult]:
    """Per-arm results of an experiment, control first.

    Visitors are the distinct users/sessions with any event tagged with the arm (exposures);
    conversions and revenue count their purchases after first exposure, whether or not the
    purchase event itself carries the arm. CTR = recommendation clicks / impressions tagged with
    the arm (impressions of one visitor are treated as independent — an approximation).
    """
    start = experiment.started_at or experiment.created_at
    end = experiment.stopped_at or now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_RESULTS_SQL, {"key": experiment.key, "start": start, "end": end})
        rows = {r[0]: r for r in cursor.fetchall()}
    variants = list(experiment.variants.all())
    variants.sort(key=lambda v: (not v.is_control, v.key))
    arms: list[ArmResult] = []
    sq: list[float] = []
    for v in variants:
        row = rows.get(v.key)
        arm = ArmResult(key=v.key, is_control=v.is_control)
        if row:
            arm.visitors, arm.converters = int(row[1]), int(row[2])
            arm.revenue, arm.impressions, arm.clicks = float(row[3] or 0), int(row[5]), int(row[6])
        sq.append(float(row[4] or 0) if row else 0.0)
        arms.append(arm)
    if not arms:
        return arms
    ctr = rate_estimates([(a.clicks, a.impressions) for a in arms])
    conv = rate_estimates([(a.converters, a.visitors) for a in arms])
    rpv = mean_estimates([(a.visitors, a.revenue, s) for a, s in zip(arms, sq, strict=True)])
    for a, c, v, r in zip(arms, ctr, conv, rpv, strict=True):
        a.ctr, a.conversion, a.revenue_per_visitor = c, v, r
    return arms


def best_arm(experiment: Any, arms: list[ArmResult]) -> ArmResult | None:
    """The arm with the highest P(beats control) on the primary metric, if above 50 %; else control."""
    if not arms:
        return None
    metric = {"ctr": "ctr", "conversion": "conversion", "revenue": "revenue_per_visitor"}[
        experiment.primary_metric
    ]
    challengers = [
        a for a in arms[1:] if getattr(a, metric) and getattr(a, metric).p_beats_control is not None
    ]
    if not challengers:
        return arms[0]
    top = max(challengers, key=lambda a: getattr(a, metric).p_beats_control)
    return top if getattr(top, metric).p_beats_control > 0.5 else arms[0]


def promote(experiment: Any, arm_key: str, by: str = "") -> dict[str, Any]:
    """Write an arm's overrides into the run-time settings singleton and stop the experiment."""
    from ..models import TuningSettings
    from .tuning import validate_overrides

    variant = experiment.variants.get(key=arm_key)
    values = variant.effective_overrides(experiment.slot)
    cleaned, errors = validate_overrides(values)
    if errors:
        raise ValueError("; ".join(f"{k}: {v}" for k, v in errors.items()))
    settings_row = TuningSettings.load()
    settings_row.overrides = {**settings_row.overrides, **cleaned}
    settings_row.updated_by = by
    settings_row.save()
    experiment.winner = arm_key
    if experiment.status != experiment.Status.STOPPED:
        experiment.status = experiment.Status.STOPPED
        experiment.stopped_at = timezone.now()
    experiment.save()
    return cleaned
