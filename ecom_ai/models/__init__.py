"""ecom_ai's models. No foreign keys to host models: products are referenced by ``product_ref``."""

from .products import IndexedProduct

__all__ = ["IndexedProduct"]
