"""Factories for the demo shop's models (no database dumps)."""

from __future__ import annotations

import itertools
from decimal import Decimal

from django.utils.text import slugify

from demo_shop.catalog.models import Category, Product

_seq = itertools.count(1)


def make_category(name: str = "Kitchen", slug: str | None = None) -> Category:
    category, _ = Category.objects.get_or_create(slug=slug or slugify(name), defaults={"name": name})
    return category


def make_product(title: str = "Steel kettle", *, category: Category | str | None = None, brand: str = "Acme",
                 price: str | Decimal = "19.90", stock: int = 10, description: str = "", **extra) -> Product:
    n = next(_seq)
    if not isinstance(category, Category):
        category = make_category(category or "Kitchen")
    return Product.objects.create(
        sku=extra.pop("sku", f"T-{n:05d}"), slug=extra.pop("slug", f"{slugify(title)[:180]}-{n}"),
        title=title, brand=brand, category=category, price=Decimal(str(price)), stock=stock,
        description=description, **extra,
    )
