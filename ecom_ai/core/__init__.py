"""Pure-Python core of ecom_ai: data shapes, protocols, rank fusion, metrics (no Django, no torch)."""
