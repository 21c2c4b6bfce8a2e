"""Bounds on free-text search, shared by the API, the report filters and the admin.

A search term is an `icontains` over several columns: a LIKE '%term%' that no index serves, once
per term and column. Without a bound a `?search=` of thousands of words makes one request scan
the tables thousands of times and hold a worker (and a database connection) until the statement
timeout. With at most SEARCH_MAX_TERMS terms of a query at most SEARCH_MAX_LENGTH characters long,
a search costs at most terms x columns predicates on the rows the caller may see anyway.
"""

from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext_lazy

SEARCH_MAX_LENGTH = 200
SEARCH_MAX_TERMS = 10


class SearchTooBroad(ValueError):
    """The query is longer than SEARCH_MAX_LENGTH or has more than SEARCH_MAX_TERMS terms."""


def search_problem(value: str) -> str | None:
    """Why this search cannot run (a sentence), or None when it is within the bounds."""
    if "\x00" in value:
        return gettext_lazy("Null characters are not allowed.")
    if len(value) > SEARCH_MAX_LENGTH:
        return gettext_lazy("Ensure this field has no more than %(max)s characters.") % {
            "max": SEARCH_MAX_LENGTH
        }
    if len(search_split(value)) > SEARCH_MAX_TERMS:
        return gettext_lazy("Use at most %(max)s words.") % {"max": SEARCH_MAX_TERMS}
    return None


def search_split(value: str) -> list[str]:
    """Terms as the admin and DRF split them: on spaces and commas, "quoted phrases" kept whole."""
    terms = []
    for term in smart_split(value.replace(",", " ")):
        if term[:1] in ('"', "'") and term[-1:] == term[:1]:
            term = unescape_string_literal(term)
        if term.strip():
            terms.append(term)
    return terms


def search_bounded(value: str) -> str:
    """The admin's search box cannot answer 400: it keeps what fits within the bounds."""
    value = value.replace("\x00", "")[:SEARCH_MAX_LENGTH]
    terms = search_split(value)
    if len(terms) <= SEARCH_MAX_TERMS:
        return value
    return " ".join(f'"{t}"' if " " in t else t for t in terms[:SEARCH_MAX_TERMS])


class BoundedAdminSearchMixin:
    """ModelAdmin mixin: the search box runs at most SEARCH_MAX_TERMS terms of SEARCH_MAX_LENGTH."""

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_bounded(search_term or ""))
