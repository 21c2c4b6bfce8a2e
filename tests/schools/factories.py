"""Schools for tests."""

import factory

from schools.models import School


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"Colegio {n}")
    address = "Av. Reforma 100, CDMX"
    email = factory.Sequence(lambda n: f"colegio{n}@example.com")
