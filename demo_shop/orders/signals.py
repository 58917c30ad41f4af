"""The shop's own signals, so other code (analytics, plugins) can follow the cart and orders."""

from django.dispatch import Signal

# sender=request; kwargs: product, quantity
cart_item_added = Signal()
# sender=Order; kwargs: order, request
order_placed = Signal()
