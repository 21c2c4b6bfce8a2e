"""Students for tests."""

import datetime

import factory

from core.dates import local_today
from students.models import Student
from tests.schools.factories import SchoolFactory


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    school = factory.SubFactory(SchoolFactory)
    first_name = factory.Sequence(lambda n: f"Juan{n}")
    last_name = "Pérez"
    email = factory.Sequence(lambda n: f"alumno{n}@example.com")
    grade = "3"
    # A year before whatever day the suite runs, like every factory date (core.dates.local_today).
    enrolled_at = factory.LazyFunction(lambda: local_today() - datetime.timedelta(days=365))
