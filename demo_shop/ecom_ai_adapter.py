"""How the demo shop plugs into ecom_ai: the ShopAdapter named in ``settings.ECOM_AI``."""

from __future__ import annotations

from demo_shop.catalog.models import Product
from demo_shop.orders.cart import Cart
from demo_shop.orders.models import Order
from ecom_ai.adapters import DefaultShopAdapter, OrderInfo

CANCELLABLE = {Order.Status.PENDING, Order.Status.PAID}
RETURNABLE = {Order.Status.DELIVERED, Order.Status.SHIPPED}


def _info(order: Order) -> OrderInfo:
    return OrderInfo(
        number=order.number, status=order.status, status_label=order.get_status_display(),
        total=order.total, created_at=order.created_at, email=order.email,
        lines=[{"title": line.title, "quantity": line.quantity, "unit_price": line.unit_price,
                "product_ref": str(line.product_id) if line.product_id else ""}
               for line in order.lines.all()],
        url=order.get_absolute_url(), can_cancel=order.status in CANCELLABLE,
        can_return=order.status in RETURNABLE,
    )


class ShopAdapter(DefaultShopAdapter):
    def get_product_model(self):
        return Product

    def get_product_queryset(self):
        return Product.objects.select_related("category")

    def product_document(self, product):
        doc = super().product_document(product)
        # The category field maps to the FK; index its human name.
        return doc.__class__(**{**doc.__dict__, "category": product.category.name})

    def product_image_url(self, product):
        return ""

    def _orders(self, number, user=None, email=None):
        qs = Order.objects.filter(number__iexact=(number or "").strip()).prefetch_related("lines")
        if user is not None and user.is_authenticated:
            return qs.filter(user=user)
        if email:
            return qs.filter(email__iexact=email.strip())
        return qs.none()

    def orders_for_user(self, user, limit=10):
        if not user or not user.is_authenticated:
            return []
        return [_info(o) for o in Order.objects.filter(user=user).prefetch_related("lines")[:limit]]

    def find_order(self, number, *, user=None, email=None):
        order = self._orders(number, user, email).first()
        return _info(order) if order else None

    def request_cancellation(self, number, *, user=None, email=None):
        order = self._orders(number, user, email).first()
        if order is None:
            raise LookupError("order not found")
        if order.status not in CANCELLABLE:
            raise ValueError(f"order {order.number} is {order.get_status_display().lower()} and can no longer be cancelled")
        order.status = Order.Status.CANCELLED
        order.save(update_fields=["status", "updated_at"])
        return _info(order)

    def request_return(self, number, *, user=None, email=None):
        order = self._orders(number, user, email).first()
        if order is None:
            raise LookupError("order not found")
        if order.status not in RETURNABLE:
            raise ValueError(f"order {order.number} is {order.get_status_display().lower()}; only shipped or delivered orders can be returned")
        order.status = Order.Status.RETURN_REQUESTED
        order.save(update_fields=["status", "updated_at"])
        return _info(order)

    def purchased_product_refs(self, user):
        if not user or not user.is_authenticated:
            return set()
        return {str(pk) for pk in Order.objects.filter(user=user).values_list("lines__product_id", flat=True) if pk}

    def add_to_cart(self, request, ref, quantity=1):
        product = self.get_products([ref]).get(str(ref))
        if product is None or not product.in_stock or not product.is_active:
            return False
        Cart(request.session).add(product, quantity)
        return True
