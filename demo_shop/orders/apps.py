"""App config of orders."""

from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "demo_shop.orders"
    label = "orders"

    def ready(self):
        # The shop's cart/order signals feed ecom_ai's event log (the host wires this, not ecom_ai).
        from demo_shop.ecom_ai_adapter import connect_ecom_ai_events

        connect_ecom_ai_events()
