"""The shop's catalogue: categories and products."""
