"""Baselines for the recommendations evaluation, computed in memory on the same split:
popularity, item-kNN on co-occurrence (last items of the history), and ALS from ``implicit``."""

from __future__ import annotations

import logging

import numpy as np
from scipy import sparse

from ..core.ranking import ndcg_at, recall_at

logger = logging.getLogger(__name__)
KS = (5, 10)


def metrics(ranked_lists: list[list[int]], targets: list[int]) -> dict[str, float]:
    """Mean Recall@5/10 and NDCG@5/10 of ranked item lists against one held-out item each."""
    n = max(len(targets), 1)
    out = {}
    for k in KS:
        out[f"recall@{k}"] = round(
            sum(recall_at(r, t, k) for r, t in zip(ranked_lists, targets, strict=True)) / n, 5
        )
        out[f"ndcg@{k}"] = round(
            sum(ndcg_at(r, t, k) for r, t in zip(ranked_lists, targets, strict=True)) / n, 5
        )
    return out


def train_matrix(histories: list[list[int]], n_items: int) -> sparse.csr_matrix:
    rows = np.repeat(np.arange(len(histories)), [len(h) for h in histories])
    cols = np.fromiter((i for h in histories for i in h), dtype=np.int64, count=len(rows))
    matrix = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(histories), n_items)
    )
    matrix.data[:] = 1.0  # repeated items count once
    return matrix


def _top_k_excluding(scores: np.ndarray, seen: list[int], k: int) -> list[int]:
    scores = scores.copy()
    scores[list(seen)] = -np.inf
    top = np.argpartition(-scores, k)[:k]
    return top[np.argsort(-scores[top])].tolist()


def popularity(histories: list[list[int]], n_items: int, k: int = 10) -> list[list[int]]:
    counts = np.bincount(np.fromiter((i for h in histories for i in h), dtype=np.int64), minlength=n_items)
    counts = counts.astype(np.float64)
    return [_top_k_excluding(counts, h, k) for h in histories]


def item_knn(histories: list[list[int]], n_items: int, k: int = 10, last: int = 5) -> list[list[int]]:
    """Cosine item-item co-occurrence; a user's score is the sum of similarities to the last items."""
    x = train_matrix(histories, n_items)
    co = (x.T @ x).tocsr().astype(np.float64)
    co.setdiag(0)
    co.eliminate_zeros()
    pop = np.asarray(x.sum(axis=0)).ravel()
    norm = 1.0 / np.sqrt(np.maximum(pop, 1.0))
    sim = sparse.diags(norm) @ co @ sparse.diags(norm)
    sim = sim.tocsr()
    out = []
    for h in histories:
        row = np.asarray(sim[h[-last:]].sum(axis=0)).ravel()
        out.append(_top_k_excluding(row, h, k))
    return out


def als(
    histories: list[list[int]],
    n_items: int,
    k: int = 10,
    factors: int = 64,
    iterations: int = 15,
    regularization: float = 0.05,
    alpha: float = 10.0,
) -> tuple[list[list[int]], str]:
    """ALS (Hu, Koren & Volinsky) from the ``implicit`` library; returns (lists, implementation)."""
    x = train_matrix(histories, n_items)
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(
            factors=factors,
            iterations=iterations,
            regularization=regularization,
            alpha=alpha,
            random_state=7,
            num_threads=2,
            calculate_training_loss=False,
        )
        model.fit(x, show_progress=False)
        ids, _ = model.recommend(np.arange(len(histories)), x, N=k, filter_already_liked_items=True)
    import implicit

    return [list(map(int, row)) for row in ids], f"implicit {implicit.__version__}"
