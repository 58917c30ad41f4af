"""ecom_ai's HTTP API (DRF)."""
