"""Filter backends that refuse what they do not understand instead of silently ignoring it."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy
from rest_framework import filters
from rest_framework.exceptions import ValidationError

from core.search import search_problem


class StrictSearchFilter(filters.SearchFilter):
    """`?search=`: bounded (core.search: length, number of words, no NUL); else a 400 naming `search`."""

    def get_search_terms(self, request):
        value = request.query_params.get(self.search_param, "")
        problem = search_problem(value)
        if problem:
            raise ValidationError({self.search_param: [problem]})
        return filters.search_smart_split(value)


class BoundedSearchCharFilter(django_filters.CharFilter):
    """A django-filter `search` parameter with the same bounds as `?search=` on the lists."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, validators=[_bounded_search], **kwargs)


def _bounded_search(value: str) -> None:
    problem = search_problem(value or "")
    if problem:
        raise forms.ValidationError(problem, code="invalid")


class StrictOrderingFilter(filters.OrderingFilter):
    """`?ordering=a,-b`: an unknown field is a 400 listing the allowed ones.

    The primary key is appended as a last tie-breaker, so rows with equal sort values keep a
    stable order across pages.
    """

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = [item[0] for item in self.get_valid_fields(queryset, view, {"request": request})]
        invalid = [term for term in fields if term.removeprefix("-") not in valid]
        if invalid:
            message = gettext_lazy("Unknown ordering %(invalid)s; use one of: %(valid)s.") % {
                "invalid": ", ".join(invalid), "valid": ", ".join(valid),
            }
            raise ValidationError({self.ordering_param: [message]})
        return fields

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if ordering:
            ordering = list(ordering)
            if not {"pk", "-pk", "id", "-id"} & set(ordering):
                ordering.append("pk")
            return queryset.order_by(*ordering)
        return queryset

    def get_schema_operation_parameters(self, view):
        fields = getattr(view, "ordering_fields", None) or []
        names = [f if isinstance(f, str) else f[0] for f in fields]
        description = "Comma-separated fields to sort by; prefix with `-` for descending."
        if names:
            description += " Allowed: " + ", ".join(f"`{n}`" for n in names) + "."
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": description,
                "schema": {"type": "string"},
            }
        ]


class _StrictNullBooleanField(forms.NullBooleanField):
    # A plain text widget hands over the raw value; django-filter's maps unknown words to "unset".
    widget = forms.TextInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        result = super().to_python(value.lower() if isinstance(value, str) else value)
        if result is None:
            raise forms.ValidationError(gettext_lazy("Use true or false."), code="invalid")
        return result


class StrictBooleanFilter(django_filters.BooleanFilter):
    """`?is_active=true|false`; anything else is a 400, not silently "no filter"."""

    field_class = _StrictNullBooleanField


class SchoolRowsFilterSet(django_filters.FilterSet):
    """A list of one kind of a school's setup rows (years, plans, accounts...): ?school_id= narrows
    it to one of the caller's schools, ?is_active= to live or retired rows. Subclasses name both in
    Meta.fields, where the order is the API's."""

    school_id = django_filters.UUIDFilter(field_name="school_id")
    is_active = StrictBooleanFilter()
