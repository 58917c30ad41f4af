"""The knowledge base: policy articles split into sections, embedded, retrieved with citations."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from pgvector.django import CosineDistance

from ...backends import get_encoder
from ...models import KnowledgeArticle, KnowledgeChunk
from ..query_encoding import encode_query


@dataclass(frozen=True)
class KnowledgeHit:
    """A retrieved section, with what the customer needs to check the source."""

    slug: str
    title: str
    heading: str
    text: str
    url: str
    score: float

    def citation(self) -> dict:
        return {"slug": self.slug, "title": self.title, "section": self.heading, "url": self.url}


def split_sections(body: str) -> list[tuple[str, str]]:
    """``(heading, text)`` per ``## `` section; text before the first heading is its own section."""
    sections: list[tuple[str, str]] = []
    heading, lines = "", []
    for line in body.splitlines():
        if m := re.match(r"^#{1,3}\s+(.*)", line):
            if "".join(lines).strip():
                sections.append((heading, "\n".join(lines).strip()))
            heading, lines = m.group(1).strip(), []
        else:
            lines.append(line)
    if "".join(lines).strip():
        sections.append((heading, "\n".join(lines).strip()))
    return sections


def index_article(article: KnowledgeArticle, *, embed: bool = True) -> int:
    """(Re)build an article's sections and their vectors; returns the number of sections."""
    sections = split_sections(article.body)
    vectors = None
    encoder = None
    if embed and sections:
        encoder = get_encoder()
        vectors = encoder.encode_documents([f"{article.title}. {h}. {t}" for h, t in sections])
    with transaction.atomic():
        article.chunks.all().delete()
        KnowledgeChunk.objects.bulk_create(
            [
                KnowledgeChunk(
                    article=article,
                    position=i,
                    heading=h[:200],
                    text=t,
                    model_key=encoder.model_key if encoder else "",
                    embedding=vectors[i].tolist() if vectors is not None else None,
                )
                for i, (h, t) in enumerate(sections)
            ]
        )
    return len(sections)


def _is_indexed(article: KnowledgeArticle, embed: bool) -> bool:
    from ..indexing import current_model_key

    chunks = article.chunks.all()
    if not chunks.exists():
        return False
    return not embed or not chunks.exclude(model_key=current_model_key()).exists()


def load_articles(items: Iterable[dict], *, embed: bool = True, url_pattern: str = "") -> tuple[int, int]:
    """Create or update articles from ``{"slug", "title", "body"[, "url"]}`` dicts; (created, updated).

    ``url_pattern`` (e.g. ``/help/{slug}/``) gives articles without a ``url`` their link.
    """
    created = updated = 0
    for item in items:
        slug, title, body = item.get("slug"), item.get("title"), item.get("body")
        if not (slug and title and body):
            raise ValueError(f"article needs slug, title and body: {str(item)[:80]}")
        url = item.get("url") or (url_pattern.format(slug=slug) if url_pattern else "")
        existing = KnowledgeArticle.objects.filter(slug=slug).first()
        if (existing is not None and (existing.title, existing.body, existing.url, existing.is_published)
                == (title, body, url, True) and _is_indexed(existing, embed)):
            continue  # unchanged and already indexed: a repeated load changes nothing
        article, was_created = KnowledgeArticle.objects.update_or_create(
            slug=slug, defaults={"title": title, "body": body, "url": url, "is_published": True}
        )
        index_article(article, embed=embed)
        created += was_created
        updated += not was_created
    return created, updated


def load_articles_file(path: str | Path, **kwargs) -> tuple[int, int]:
    """Load a JSON list of articles (the demo shop's ``data/policies.json`` format)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = data.get("articles", [])
    return load_articles(data, **kwargs)


def search_knowledge(query: str, k: int = 3) -> list[KnowledgeHit]:
    """The sections closest to ``query`` among published articles."""
    vector = encode_query(query)
    key = get_encoder().model_key
    rows = (
        KnowledgeChunk.objects.filter(article__is_published=True, model_key=key, embedding__isnull=False)
        .select_related("article")
        .annotate(distance=CosineDistance("embedding", vector.tolist()))
        .order_by("distance")[: max(k, 1)]
    )
    return [
        KnowledgeHit(
            c.article.slug,
            c.article.title,
            c.heading,
            c.text,
            c.article.url,
            round(1.0 - float(c.distance), 4),
        )
        for c in rows
    ]
