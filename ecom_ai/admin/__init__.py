"""Django admin for ecom_ai; one module per feature, imported here so autodiscovery finds them."""

from . import (  # noqa: F401,E402
    chat,
    dashboard,
    experiments,
    products,
    recs,
    tuning,
)
