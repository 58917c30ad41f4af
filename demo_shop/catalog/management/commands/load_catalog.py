"""``manage.py load_catalog --icecat DIR``: import the Icecat catalogue into the shop's own catalogue.

Reads the products_*.json.zip files in place (ecom_ai's Icecat reader), creates one category per
product type and one product per Icecat id (SKU ``icecat-<id>``, ``source="icecat"``), in bulk.
Idempotent: existing products are compared field by field and only changed ones are written, so a
second run changes nothing. Bulk writes send no save signals: run ``manage.py ecom_ai_embed`` (or
let ecom_ai's periodic sweep find them) to embed the new products.
"""

from __future__ import annotations

import hashlib
import sys
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from tqdm import tqdm

from demo_shop.catalog.models import Category, Product
from ecom_ai.evaluation.icecat import iter_documents

FIELDS = [
    "title",
    "brand",
    "category_id",
    "description",
    "price",
    "stock",
    "attributes",
    "source",
    "is_active",
]
CHUNK = 1000


def _stock(ref: str) -> int:
    """A stable stock level per product (about one in eight is out of stock)."""
    n = int(hashlib.sha1(ref.encode()).hexdigest()[:6], 16)
    return 0 if n % 8 == 0 else n % 60 + 1


class Command(BaseCommand):
    help = "Import the Icecat product catalogue (products_*.json.zip in DIR) into the shop. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--icecat",
            required=True,
            metavar="DIR",
            help="folder with products_*.json.zip (e.g. ../shared/datasets/chorus_icecat_search)",
        )
        parser.add_argument("--limit", type=int, default=None, help="import only the first N products")

    def handle(self, *args, icecat: str, limit: int | None, **options):
        folder = Path(icecat)
        if not folder.is_dir() or not any(folder.glob("products_*.json.zip")):
            raise CommandError(f"{folder} has no products_*.json.zip files")
        docs = list(
            tqdm(iter_documents(folder, limit=limit), desc="reading", unit="product", file=sys.stderr)
        )
        categories = self._categories(sorted({d.category for d in docs}))
        created = updated = unchanged = 0
        with tqdm(total=len(docs), desc="importing", unit="product", file=sys.stderr) as bar:
            for start in range(0, len(docs), CHUNK):
                chunk = docs[start : start + CHUNK]
                c, u, n = self._import_chunk(chunk, categories)
                created, updated, unchanged = created + c, updated + u, unchanged + n
                bar.update(len(chunk))
        self.stdout.write(
            self.style.SUCCESS(
                f"Icecat: {created} products created, {updated} updated, {unchanged} unchanged "
                f"in {len(categories)} categories."
            )
        )
        if created or updated:
            self.stdout.write(
                "Run `manage.py ecom_ai_embed` to embed them now (the periodic sweep also finds them)."
            )

    def _categories(self, names: list[str]) -> dict[str, Category]:
        out = {}
        for name in names:
            slug = "icecat-" + slugify(name)[:70]
            category, _ = Category.objects.get_or_create(slug=slug, defaults={"name": name})
            out[name] = category
        return out

    @transaction.atomic
    def _import_chunk(self, docs, categories) -> tuple[int, int, int]:
        existing = {p.sku: p for p in Product.objects.filter(sku__in=[f"icecat-{d.ref}" for d in docs])}
        new, changed = [], []
        now = timezone.now()
        for doc in docs:
            sku = f"icecat-{doc.ref}"
            values = {
                "title": doc.title[:300] or sku,
                "brand": doc.brand[:120],
                "category_id": categories[doc.category].pk,
                "description": doc.description,
                "price": (doc.price or Decimal("0")).quantize(Decimal("0.01")),
                "stock": _stock(doc.ref),
                "attributes": doc.attributes,
                "source": "icecat",
                "is_active": True,
            }
            product = existing.get(sku)
            if product is None:
                slug = f"{slugify(doc.title)[:150] or 'product'}-{doc.ref}"[:200]
                new.append(Product(sku=sku, slug=slug, **values))
            elif any(getattr(product, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(product, k, v)
                product.updated_at = now  # bulk_update skips auto_now
                changed.append(product)
        Product.objects.bulk_create(new, batch_size=CHUNK)
        if changed:
            Product.objects.bulk_update(changed, [*FIELDS, "updated_at"], batch_size=CHUNK)
        return len(new), len(changed), len(docs) - len(new) - len(changed)
