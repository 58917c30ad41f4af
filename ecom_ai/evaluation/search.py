"""Search quality on the Chorus/Icecat judgments: nDCG@10, recall@50 and latency per search mode."""

from __future__ import annotations

import csv
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

from tqdm import tqdm

from ..core.metrics import ndcg_at_k, percentile, recall_at_k
from .scratch import scratch_database

DEFAULT_DATASET = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "chorus_icecat_search"
LABELS_NAME = "Broad_Query_Set_rated_dev.csv"
DESCRIPTION_CHARS = 160
MODES = {
    "fts": ("fts", {}),
    "vector": ("vector", {}),
    "hybrid": ("hybrid", {}),  # the shipped default settings
}
FUSIONS = ("rrf", "weighted")


def add_arguments(parser) -> None:
    parser.add_argument(
        "--dataset",
        default=str(DEFAULT_DATASET),
        help="folder with products_*.json.zip (default: ../shared/datasets/chorus_icecat_search)",
    )
    parser.add_argument("--labels", default=None, help=f"query,docid,rating CSV (default: DATASET/{LABELS_NAME})")
    parser.add_argument("--limit", type=int, default=None, help="load at most this many products")
    parser.add_argument("--database", default="ecom_ai_search_eval", help="scratch database name (kept for reuse)")
    parser.add_argument("--k", type=int, default=10, help="cut-off of nDCG")
    parser.add_argument("--cv", type=int, default=5, help="folds of the held-out check of the fusion weights (0: skip)")


def read_labels(path: str | Path) -> dict[str, dict[str, float]]:
    """``{query: {docid: rating}}`` from a query,docid,rating CSV."""
    labels: dict[str, dict[str, float]] = defaultdict(dict)
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            labels[row["query"].strip()][row["docid"].strip()] = float(row["rating"])
    return dict(labels)


def icecat_text(doc) -> str:
    """What the encoder reads for an Icecat product: title, brand, category and the start of the
    description (as the reference dense run: title + brand + short description). Short texts keep the
    one-off CPU embedding of 19k products to minutes; MiniLM reads 256 tokens at most anyway."""
    from ..core.documents import clean_text

    parts = [
        doc.title,
        f"Brand: {doc.brand}" if doc.brand else "",
        f"Category: {doc.category}" if doc.category else "",
        clean_text(doc.description, DESCRIPTION_CHARS),
    ]
    return ". ".join(p for p in parts if p)


def load_catalogue(dataset: str | Path, limit: int | None = None) -> dict:
    """Index and embed the catalogue in the current (scratch) database; unchanged rows keep their vectors."""
    from ..services import vectors
    from ..services.indexing import embed_products, index_documents
    from ..services.search_catalog import catalog_index, reset
    from .icecat import iter_documents

    started = time.perf_counter()
    stale = index_documents(
        tqdm(iter_documents(dataset, limit), desc="indexing", file=sys.stderr, unit=" products"),
        text_of=icecat_text,
    )
    embedded = embed_products(stale) if stale else None
    from ..backends import get_encoder

    encoder = get_encoder()
    vectors.ensure_index(encoder.model_key, int(encoder.dimensions))
    reset()
    index = catalog_index(force=True)
    return {
        "products": index.stats.documents,
        "embedded_now": embedded.embedded if embedded else 0,
        "load_seconds": round(time.perf_counter() - started, 1),
    }


def _one_inference_thread() -> None:
    """Encode each query on one thread, as a web worker should: on a busy 2-core host, torch's default
    intra-op threads spin against each other and a 5-token query takes hundreds of milliseconds."""
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(1)


def evaluate(labels: dict[str, dict[str, float]], modes: dict[str, tuple[str, dict]], k: int = 10) -> dict:
    """Run every labelled query through ``search`` in each mode.

    Metrics are means over the queries with at least one relevant (rating > 0) product."""
    from ..services.query_encoding import _cached
    from ..services.search import SearchParams, search

    _one_inference_thread()
    queries = [q for q, judged in labels.items() if any(g > 0 for g in judged.values())]
    out: dict[str, dict] = {}
    for name, (mode, overrides) in modes.items():
        _cached.cache_clear()  # every mode pays for encoding its queries: honest latency
        ndcgs, recalls, latencies = [], [], []
        for query in tqdm(queries, desc=name, file=sys.stderr):
            t0 = time.perf_counter()
            result = search(SearchParams(q=query, mode=mode, page_size=50), overrides=overrides)
            latencies.append((time.perf_counter() - t0) * 1000)
            ndcgs.append(ndcg_at_k(result.ranking, labels[query], k))
            recalls.append(recall_at_k(result.ranking, labels[query], 50))
        out[name] = {
            f"ndcg@{k}": round(sum(ndcgs) / len(ndcgs), 4) if ndcgs else 0.0,
            "recall@50": round(sum(recalls) / len(recalls), 4) if recalls else 0.0,
            "p50_ms": round(percentile(latencies, 50), 1),
            "p95_ms": round(percentile(latencies, 95), 1),
        }
    return {"queries": len(queries), "modes": out}


def run(options: dict) -> dict:
    """Load the catalogue into the scratch database, evaluate each mode, return one JSON-able dict."""
    dataset = Path(options["dataset"])
    labels_path = Path(options.get("labels") or dataset / LABELS_NAME)
    labels = read_labels(labels_path)
    with scratch_database(options.get("database") or "ecom_ai_search_eval"):
        loaded = load_catalogue(dataset, options.get("limit"))
        from ..runtime import tuning

        shipped = tuning()["search_fusion"]
        # The fusion not shipped runs too, so every report shows the comparison.
        modes = {
            **MODES,
            **{f"hybrid_{f}": ("hybrid", {"search_fusion": f}) for f in FUSIONS if f != shipped},
        }
        report = evaluate(labels, modes, k=int(options.get("k") or 10))
        folds = int(options.get("cv") or 0)
        if folds > 1 and shipped == "weighted":
            from .search_cv import report as cv_report

            judged = [q for q, rated in labels.items() if any(g > 0 for g in rated.values())]
            report["cross_validation"] = cv_report(labels, judged, min(folds, len(judged)))
    modes = report["modes"]
    key = f"ndcg@{int(options.get('k') or 10)}"
    best_single = max(modes["fts"][key], modes["vector"][key])
    return {
        "evaluation": "search",
        "labels": str(labels_path),
        **loaded,
        "queries": report["queries"],
        "gain": "exponential (2^rel - 1) / log2(rank + 1)",
        "relevant_for_recall": "rating >= 2",
        "shipped_fusion": shipped,
        **{f"{name}": m for name, m in modes.items()},
        "hybrid_minus_best_single": round(modes["hybrid"][key] - best_single, 4),
        # Weights chosen on these labels: the k-fold held-out nDCG@10 is the honest figure.
        **({"cross_validation": report["cross_validation"]} if "cross_validation" in report else {}),
        # Latency depends on what else the machine runs: the load during the run, for context.
        "load_average_1m": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }
