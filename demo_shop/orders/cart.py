"""A session cart: {product id: quantity} in the session, priced from the database."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from demo_shop.catalog.models import Product

MAX_QUANTITY = 99


@dataclass
class CartLine:
    product: Product
    quantity: int

    @property
    def total(self) -> Decimal:
        return self.product.price * self.quantity


class Cart:
    def __init__(self, session):
        self.session = session
        self.items: dict[str, int] = dict(session.get("cart", {}))

    def save(self) -> None:
        self.session["cart"] = self.items
        self.session.modified = True

    def add(self, product: Product, quantity: int = 1) -> None:
        key = str(product.pk)
        self.items[key] = max(0, min(MAX_QUANTITY, self.items.get(key, 0) + quantity))
        if not self.items[key]:
            del self.items[key]
        self.save()

    def set(self, product_id: int, quantity: int) -> None:
        key = str(product_id)
        if quantity <= 0:
            self.items.pop(key, None)
        else:
            self.items[key] = min(MAX_QUANTITY, quantity)
        self.save()

    def clear(self) -> None:
        self.items = {}
        self.save()

    def lines(self) -> list[CartLine]:
        products = Product.objects.in_bulk([int(k) for k in self.items])
        return [CartLine(products[int(k)], q) for k, q in self.items.items() if int(k) in products]

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines()), Decimal("0"))

    def __len__(self) -> int:
        return sum(self.items.values())
