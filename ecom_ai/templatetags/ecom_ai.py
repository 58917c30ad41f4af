"""``{% load ecom_ai %}``: the tags a shop puts in its templates. Each feature's tags live in their
own module and are merged here, so one ``load`` gives them all."""

from __future__ import annotations

from django import template

register = template.Library()


def _merge(library: template.Library) -> None:
    register.tags.update(library.tags)
    register.filters.update(library.filters)


# One line per feature module, e.g.:  from .search_tags import register as _search; _merge(_search)
from .chat_tags import register as _chat  # noqa: E402,I001

_merge(_chat)
from .recs_tags import register as _recs  # noqa: E402,I001

_merge(_recs)
from .search_tags import register as _search  # noqa: E402,I001

_merge(_search)
