"""ecom_ai: self-hosted semantic search, recommendations and a shop assistant for Django shops."""

__version__ = "0.1.0"
