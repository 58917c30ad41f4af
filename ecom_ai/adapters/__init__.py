"""The shop adapter: ecom_ai's only way into the host shop's products, orders and cart."""

from __future__ import annotations

from .base import DefaultShopAdapter, OrderInfo, get_shop_adapter

__all__ = ["DefaultShopAdapter", "OrderInfo", "get_shop_adapter"]
