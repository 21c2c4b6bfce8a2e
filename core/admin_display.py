"""List columns that several admins show the same way."""

from django.contrib import admin

from core.formats import money


def money_column(field: str, description):
    """A column with the amount in `field` as people read it ($12,345.00), sorted by that field
    (a column or an annotation of the admin's queryset)."""

    @admin.display(description=description, ordering=field)
    def column(model_admin, obj):
        return money(getattr(obj, field))

    return column
