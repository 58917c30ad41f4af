"""``{% load ecom_ai %}``: the tags a shop puts in its templates. Each feature's tags live in their
own module and are merged here, so one ``load`` gives them all."""

from __future__ import annotations

from django import template

register = template.Library()


def _merge(library: template.Library) -> None:
    register.tags.update(library.tags)
    register.filters.update(library.filters)


# One line per feature module, e.g.:  from .search_tags import register as _search; _merge(_search)
from .search_tags import register as _search; _merge(_search)  # noqa: E402,E702,I001
