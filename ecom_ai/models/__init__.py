"""ecom_ai's models. No foreign keys to host product/order models: products are ``product_ref``."""

from .events import Event
from .products import IndexedProduct
from .recs import ItemPair, ItemStat, MerchandisingRule

__all__ = ["Event", "IndexedProduct", "ItemPair", "ItemStat", "MerchandisingRule"]
