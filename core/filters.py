"""Filter backends that refuse what they do not understand instead of silently ignoring it."""

from rest_framework import filters
from rest_framework.exceptions import ValidationError


class StrictOrderingFilter(filters.OrderingFilter):
    """`?ordering=a,-b`: an unknown field is a 400 listing the allowed ones.

    The primary key is appended as a last tie-breaker, so rows with equal sort values keep a
    stable order across pages.
    """

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = [item[0] for item in self.get_valid_fields(queryset, view, {"request": request})]
        invalid = [term for term in fields if term.removeprefix("-") not in valid]
        if invalid:
            message = f"Unknown ordering {', '.join(invalid)}; use one of: {', '.join(valid)}."
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
