"""``manage.py ecom_ai_embed [--all|--stale] [--batch-size N] [--inline]``."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from ...conf import ecom_ai_settings
from ...models import IndexedProduct
from ...services import indexing, vectors


class Command(BaseCommand):
    help = "Sync products from the shop and embed them (stale ones by default, or --all)."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--all", action="store_true", help="re-embed every product")
        group.add_argument("--stale", action="store_true", help="embed missing or outdated vectors (default)")
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument("--inline", action="store_true", help="encode in this process, without a worker")

    def handle(self, *args, all: bool, stale: bool, batch_size: int | None, inline: bool, **options):
        started = time.perf_counter()
        sync = indexing.sync_products()
        if all:
            IndexedProduct.objects.update(embedded_hash="")
        refs = list(IndexedProduct.objects.stale(indexing.current_model_key()).values_list("product_ref", flat=True))
        batch_size = batch_size or ecom_ai_settings.EMBED_BATCH_SIZE
        self.stdout.write(f"synced {sync.upserted} products ({sync.deleted} removed); {len(refs)} to embed")
        if not refs:
            return
        if not inline:
            from ...tasks import schedule_embedding

            for start in range(0, len(refs), batch_size):
                schedule_embedding(refs[start:start + batch_size])
            self.stdout.write(f"queued {len(refs)} products in batches of {batch_size} for the inference workers")
            return
        embedded = skipped = 0
        encode_seconds = 0.0
        model_key = dims = None
        with tqdm(total=len(refs), unit="product", desc="embedding") as bar:
            for start in range(0, len(refs), batch_size):
                result = indexing.embed_products(refs[start:start + batch_size], batch_size=batch_size)
                embedded += result.embedded
                skipped += result.skipped
                encode_seconds += result.encode_seconds
                bar.update(len(refs[start:start + batch_size]))
        row = IndexedProduct.objects.exclude(dimensions=None).values("model_key", "dimensions").first()
        if row:
            model_key, dims = row["model_key"], row["dimensions"]
            vectors.ensure_index(model_key, dims)
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(
            f"embedded {embedded}, skipped {skipped} in {elapsed:.1f}s "
            f"({embedded / elapsed if elapsed else 0:.0f} products/s overall, "
            f"{embedded / encode_seconds if encode_seconds else 0:.0f}/s encoding)"))
