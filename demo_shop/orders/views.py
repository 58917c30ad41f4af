"""Cart, checkout and order history views."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from demo_shop.catalog.models import Product

from .cart import Cart
from .forms import CheckoutForm
from .models import Order, OrderLine
from .signals import cart_item_added, order_placed


def _quantity(raw: str | None, default: int = 1) -> int:
    try:
        return max(0, min(99, int(raw or default)))
    except ValueError:
        return default


def cart_detail(request):
    cart = Cart(request.session)
    return render(request, "orders/cart.html", {"lines": cart.lines(), "total": cart.total})


@require_POST
def cart_add(request, product_id: int):
    product = get_object_or_404(Product, pk=product_id, is_active=True)
    quantity = _quantity(request.POST.get("quantity"))
    if not product.in_stock:
        messages.error(request, f"Sorry, {product.title} is out of stock.")
        return redirect(product)
    Cart(request.session).add(product, quantity)
    cart_item_added.send(sender=request, product=product, quantity=quantity)
    messages.success(request, f"Added {product.title} to your cart.")
    return redirect(request.POST.get("next") if request.POST.get("next", "").startswith("/") else "orders:cart")


@require_POST
def cart_update(request, product_id: int):
    Cart(request.session).set(product_id, _quantity(request.POST.get("quantity"), 0))
    return redirect("orders:cart")


def checkout(request):
    cart = Cart(request.session)
    lines = cart.lines()
    if not lines:
        messages.info(request, "Your cart is empty.")
        return redirect("orders:cart")
    initial = {}
    if request.user.is_authenticated:
        initial = {"email": request.user.email, "full_name": request.user.get_full_name()}
    form = CheckoutForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            order = Order.objects.create(
                user=request.user if request.user.is_authenticated else None, **form.cleaned_data
            )
            for line in lines:
                product = Product.objects.select_for_update().get(pk=line.product.pk)
                quantity = min(line.quantity, product.stock)
                if quantity <= 0:
                    continue
                OrderLine.objects.create(
                    order=order, product=product, title=product.title,
                    unit_price=product.price, quantity=quantity,
                )
                product.stock -= quantity
                product.save(update_fields=["stock", "updated_at"])
            order.total = sum(line.line_total for line in order.lines.all())
            order.save(update_fields=["total"])
        cart.clear()
        order_placed.send(sender=Order, order=order, request=request)
        request.session.setdefault("guest_orders", []).append(order.number)
        request.session.modified = True
        return redirect("orders:detail", number=order.number)
    return render(request, "orders/checkout.html", {"form": form, "lines": lines, "total": cart.total})


def order_detail(request, number: str):
    """A customer sees only their own orders (or, as a guest, the ones placed in this session)."""
    order = get_object_or_404(Order.objects.prefetch_related("lines"), number=number)
    own = request.user.is_authenticated and order.user_id == request.user.pk
    guest = order.user_id is None and number in request.session.get("guest_orders", [])
    if not (own or guest or request.user.is_staff):
        return render(request, "orders/not_found.html", status=404)
    return render(request, "orders/detail.html", {"order": order})


@login_required
def order_history(request):
    orders = Order.objects.filter(user=request.user).prefetch_related("lines")
    return render(request, "orders/history.html", {"orders": orders})
