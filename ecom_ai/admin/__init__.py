"""Django admin for ecom_ai; one module per feature, imported here so autodiscovery finds them."""

from . import products  # noqa: F401
from . import recs  # noqa: F401,E402,I001
