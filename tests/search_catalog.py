"""A small demo-shop catalogue, indexed and embedded with the real encoder, for search tests."""

from __future__ import annotations

import contextlib

PRODUCTS = [
    # title, category, brand, price, stock, description
    (
        "ProBook 450 G9 15.6 inch laptop",
        "Laptops",
        "HP",
        "899.00",
        5,
        "Business notebook with Intel Core i5.",
    ),
    (
        "ThinkPad X1 Carbon ultrabook laptop",
        "Laptops",
        "Lenovo",
        "1499.00",
        2,
        "Light 14 inch business notebook.",
    ),
    ("Chromebook 314 laptop", "Laptops", "Acer", "299.00", 0, "Affordable Chrome OS notebook for school."),
    ("Urban 15.6 inch laptop backpack", "Bags", "Targus", "49.90", 12, "Padded bag for notebooks."),
    ("Slim laptop sleeve 13 inch", "Bags", "Targus", "19.90", 30, "Neoprene sleeve for a notebook."),
    (
        "TN-2110 black toner cartridge",
        "Printer supplies",
        "Brother",
        "39.00",
        8,
        "Original toner, 1500 pages.",
    ),
    ("TN-2120 high yield toner", "Printer supplies", "Brother", "59.00", 4, "Original high yield toner."),
    ("HL-2140 mono laser printer", "Printers", "Brother", "129.00", 3, "Compact laser printer."),
    ("LaserJet Pro M404dn printer", "Printers", "HP", "249.00", 6, "Fast monochrome laser printer."),
    (
        "MX Master 3 wireless mouse",
        "Peripherals",
        "Logitech",
        "99.00",
        20,
        "Ergonomic mouse with fast scrolling.",
    ),
    (
        "M185 wireless mouse",
        "Peripherals",
        "Logitech",
        "14.90",
        50,
        "Compact cordless mouse with USB receiver.",
    ),
    ("K380 bluetooth keyboard", "Peripherals", "Logitech", "39.90", 15, "Multi-device keyboard."),
    ("Wired USB keyboard", "Peripherals", "Acme", "9.90", 0, "Plain office keyboard."),
    ("SoundLink Flex bluetooth speaker", "Audio", "Bose", "149.00", 7, "Portable waterproof speaker."),
    ("AA alkaline batteries 8 pack", "Power", "Duracell", "7.49", 100, "Long lasting AA battery pack."),
    ("USB-C charging cable 2 m", "Power", "Anker", "12.99", 40, "Braided USB C to USB C cable."),
]


@contextlib.contextmanager
def indexed_catalog(encoder, monkeypatch):
    """The products above in the shop and in ecom_ai's index (synchronously, no Celery); each test
    module wraps this in its own ``search_catalog`` fixture."""
    from ecom_ai.conf import ecom_ai_settings
    from ecom_ai.services import vectors
    from ecom_ai.services.indexing import embed_products, sync_products
    from ecom_ai.services.search_catalog import reset
    from tests.factories import make_product

    # Index synchronously below instead of through Celery (patched, not settings: a settings change
    # reloads the encoder).
    monkeypatch.setattr(ecom_ai_settings, "SIGNAL_PROCESSOR", "none", raising=False)
    products = {}
    for title, category, brand, price, stock, description in PRODUCTS:
        products[title] = make_product(
            title, category=category, brand=brand, price=price, stock=stock, description=description
        )
    result = sync_products()
    embed_products(result.stale_refs)
    vectors.ensure_index(encoder.model_key, encoder.dimensions)
    reset()
    yield products
    reset()
