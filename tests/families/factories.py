"""Families for tests."""

import factory

from families.models import Family
from families.validators import reference_from_number
from tests.schools.factories import SchoolFactory


class FamilyFactory(factory.django.DjangoModelFactory):
    """Writes rows directly; the reference comes from a factory sequence, not the school's counter
    (families.services.family_create is what assigns real ones)."""

    class Meta:
        model = Family

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Familia {n}")
    email = factory.Sequence(lambda n: f"familia{n}@example.com")
    reference = factory.Sequence(lambda n: reference_from_number(9_000_000 + n))
