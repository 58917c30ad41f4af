"""Signed slot tokens: each recommended link carries who showed it (slot, strategy, arm), so
impressions and clicks are attributed without trusting anything the browser could invent."""

from __future__ import annotations

from typing import Any

from django.core import signing

SALT = "ecom_ai.recommendation"
_FIELDS = {"s": "slot", "g": "strategy", "p": "product_ref", "x": "experiment", "a": "arm"}


def make_token(*, slot: str, strategy: str, product_ref: str, experiment: str = "", arm: str = "") -> str:
    """A compact, tamper-proof token for one recommended item."""
    payload = {"s": slot, "g": strategy, "p": product_ref}
    if experiment:
        payload.update(x=experiment, a=arm)
    return signing.dumps(payload, salt=SALT, compress=True)


def read_token(token: Any) -> dict[str, str]:
    """The attribution in a token (slot, strategy, product_ref, experiment, arm), or {} if invalid."""
    if not isinstance(token, str) or not token or len(token) > 500:
        return {}
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return {}
    if not isinstance(payload, dict):
        return {}
    return {name: str(payload.get(key, ""))[:64] for key, name in _FIELDS.items()}
