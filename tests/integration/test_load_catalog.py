"""`manage.py load_catalog --icecat DIR` on a small zip made here; a second run changes nothing."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command

from demo_shop.catalog.models import Product

pytestmark = pytest.mark.django_db

RECORDS = [
    {
        "id": 101,
        "title": "HP 305 Black Original Ink Cartridge",
        "supplier": "HP",
        "price": 1299,
        "short_description": "Black ink <b>cartridge</b>",
        "attr_t_colour": "Black",
    },
    {
        "id": 102,
        "title": 'Lenovo ThinkPad X1 Carbon notebook 14"',
        "supplier": "Lenovo",
        "price": 189900,
        "short_description": "Ultralight business laptop",
    },
    {"id": 103, "title": "Logitech MX Master 3 mouse", "supplier": "Logitech", "price": 9999},
    {"name": "no id: skipped"},
]


def _write_zip(folder, records) -> None:
    with zipfile.ZipFile(folder / "products_1.json.zip", "w") as archive:
        archive.writestr("1.json", json.dumps(records))


def _run(folder) -> str:
    out = io.StringIO()
    call_command("load_catalog", "--icecat", str(folder), stdout=out)
    return out.getvalue()


def test_import_is_complete_and_idempotent(tmp_path):
    _write_zip(tmp_path, RECORDS)
    assert "3 products created, 0 updated, 0 unchanged" in _run(tmp_path)
    products = {p.sku: p for p in Product.objects.filter(source="icecat").select_related("category")}
    assert set(products) == {"icecat-101", "icecat-102", "icecat-103"}
    ink = products["icecat-101"]
    assert ink.brand == "HP" and str(ink.price) == "12.99" and ink.category.name == "Printer supplies"
    assert ink.description == "Black ink cartridge" and ink.attributes == {"colour": "Black"}
    assert products["icecat-102"].category.name == "Laptops"
    before = {p.sku: (p.updated_at, p.title, p.price) for p in products.values()}

    assert "0 products created, 0 updated, 3 unchanged" in _run(tmp_path)
    after = {p.sku: (p.updated_at, p.title, p.price) for p in Product.objects.filter(source="icecat")}
    assert after == before

    changed = [dict(RECORDS[0], price=1499), *RECORDS[1:]]
    _write_zip(tmp_path, changed)
    assert "0 products created, 1 updated, 2 unchanged" in _run(tmp_path)
    assert str(Product.objects.get(sku="icecat-101").price) == "14.99"


def test_a_folder_without_the_zips_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no products_"):
        _run(tmp_path)
