"""``manage.py ecom_ai_embed [--all|--stale] [--batch-size N] [--inline]``.

Syncs the shop's products into the index, then embeds what is stale: in this process with
``--inline`` (no worker needed), else by queueing batches for the inference workers and following
their progress. Ends with a throughput summary.
"""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from ...conf import ecom_ai_settings
from ...models import IndexedProduct
from ...services import indexing


class Command(BaseCommand):
    help = "Sync products from the shop and embed them (stale ones by default, or --all)."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--all", action="store_true", help="re-embed every product")
        group.add_argument("--stale", action="store_true", help="embed missing or outdated vectors (default)")
        parser.add_argument("--batch-size", type=int, default=None, help="texts per encoder batch")
        parser.add_argument("--inline", action="store_true", help="encode in this process, without a worker")
        parser.add_argument("--no-follow", action="store_true", help="queue the work and return at once")
        parser.add_argument(
            "--timeout",
            type=float,
            default=300,
            help="give up following when no progress is seen for this many seconds",
        )

    def handle(
        self,
        *args,
        all: bool,
        stale: bool,
        batch_size: int | None,
        inline: bool,
        no_follow: bool,
        timeout: float,
        **options,
    ):
        if batch_size is not None and batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        started = time.perf_counter()
        sync = indexing.sync_products()
        if all:
            indexing.mark_all_stale()
        model_key = indexing.current_model_key()
        refs = list(IndexedProduct.objects.stale(model_key).values_list("product_ref", flat=True))
        self.stdout.write(
            f"synced {sync.upserted} products ({sync.deleted} removed); {len(refs)} to embed with {model_key}"
        )
        if not refs:
            self._summary(0, 0, time.perf_counter() - started, None)
            return
        if inline:
            self._inline(refs, batch_size, started)
        else:
            self._queued(refs, model_key, batch_size, started, no_follow, timeout)

    def _inline(self, refs: list[str], batch_size: int | None, started: float) -> None:
        chunk = max(batch_size or 0, ecom_ai_settings.EMBED_CHUNK_SIZE)
        embedded = skipped = 0
        encode_seconds = 0.0
        with tqdm(total=len(refs), unit="product", desc="embedding", file=sys.stderr) as bar:
            for start in range(0, len(refs), chunk):
                part = refs[start : start + chunk]
                result = indexing.embed_products(part, batch_size=batch_size, chunk_size=chunk)
                embedded += result.embedded
                skipped += result.skipped
                encode_seconds += result.encode_seconds
                bar.update(len(part))
        self._summary(embedded, skipped, time.perf_counter() - started, encode_seconds)

    def _queued(self, refs, model_key, batch_size, started, no_follow, timeout) -> None:
        from ...tasks import enqueue_embed_batches

        try:
            tasks = enqueue_embed_batches(refs, sync=False)
        except Exception as exc:
            raise CommandError(
                f"could not reach the broker ({exc}); use --inline to embed without workers"
            ) from exc
        queue = ecom_ai_settings.QUEUES["inference"]
        self.stdout.write(f"queued {len(refs)} products in {tasks} tasks on {queue}")
        if no_follow:
            return
        stale_qs = IndexedProduct.objects.stale(model_key)
        first = stale_qs.count()
        done = 0
        last_progress = time.monotonic()
        with tqdm(total=len(refs), unit="product", desc="embedding (workers)", file=sys.stderr) as bar:
            while done < len(refs):
                time.sleep(0.5)
                now_done = min(len(refs), first - stale_qs.count())
                if now_done > done:
                    bar.update(now_done - done)
                    done, last_progress = now_done, time.monotonic()
                elif time.monotonic() - last_progress > timeout:
                    self.stderr.write(
                        f"no progress for {timeout:.0f}s: is an inference worker running? "
                        f"(celery -A <project> worker -Q {queue} --pool solo). The work stays queued."
                    )
                    break
        skipped = IndexedProduct.objects.exclude(skip_reason="").filter(product_ref__in=refs[:5000]).count()
        self._summary(done, skipped, time.perf_counter() - started, None)

    def _summary(self, embedded: int, skipped: int, elapsed: float, encode_seconds: float | None) -> None:
        rate = embedded / elapsed if elapsed else 0.0
        line = f"embedded {embedded}, skipped {skipped} in {elapsed:.1f}s ({rate:.1f} products/s overall"
        if encode_seconds:
            line += f", {embedded / encode_seconds:.1f}/s encoding"
        self.stdout.write(self.style.SUCCESS(line + ")"))
