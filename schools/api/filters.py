import django_filters

from core.filters import StrictBooleanFilter
from schools.models import School


class SchoolFilter(django_filters.FilterSet):
    is_active = StrictBooleanFilter()

    class Meta:
        model = School
        fields = ["is_active"]
