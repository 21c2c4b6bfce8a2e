"""Students for tests."""

import datetime

import factory

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
    enrolled_at = datetime.date(2024, 8, 20)
