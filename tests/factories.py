"""Factories for every app. Money is written out, never random."""

import datetime
from decimal import Decimal

import factory

from billing.models import Allocation, Invoice, InvoiceStatus, Payment, PaymentMethod
from core.dates import local_today
from families.models import Family
from families.validators import reference_from_number
from schools.models import School
from students.models import Student
from users.models import Membership, Role, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"Colegio {n}")
    address = "Av. Reforma 100, CDMX"
    email = factory.Sequence(lambda n: f"colegio{n}@example.com")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    role = Role.VIEWER


class FamilyFactory(factory.django.DjangoModelFactory):
    """Writes rows directly; the reference comes from a factory sequence, not the school's counter
    (families.services.family_create is what assigns real ones)."""

    class Meta:
        model = Family

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Familia {n}")
    email = factory.Sequence(lambda n: f"familia{n}@example.com")
    reference = factory.Sequence(lambda n: reference_from_number(9_000_000 + n))


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    school = factory.SubFactory(SchoolFactory)
    first_name = factory.Sequence(lambda n: f"Juan{n}")
    last_name = "Pérez"
    email = factory.Sequence(lambda n: f"alumno{n}@example.com")
    grade = "3"
    enrolled_at = datetime.date(2024, 8, 20)


class InvoiceFactory(factory.django.DjangoModelFactory):
    """Writes rows directly, for arranging state; behaviour goes through billing.services."""

    class Meta:
        model = Invoice

    student = factory.SubFactory(StudentFactory)
    school = factory.SelfAttribute("student.school")
    # Far above what a school's document sequence hands out in a test (it starts at 000001 per
    # school): a factory row never takes the number the service gives the next one.
    number = factory.Sequence(lambda n: f"2026-{800000 + n:06d}")
    amount = Decimal("1000.00")
    paid_amount = Decimal("0.00")
    due_date = factory.LazyFunction(lambda: local_today() + datetime.timedelta(days=30))
    status = InvoiceStatus.PENDING
    description = "Colegiatura"


class PaymentFactory(factory.django.DjangoModelFactory):
    """A payment against one invoice, with its one allocation (as billing.services.payment_record
    writes it). The invoice's paid_amount is the caller's to arrange."""

    class Meta:
        model = Payment
        skip_postgeneration_save = True  # payments are immutable: no second save

    invoice = factory.SubFactory(InvoiceFactory)
    school = factory.SelfAttribute("invoice.school")
    family = factory.SelfAttribute("invoice.student.family")
    # Far above what a school's document sequence hands out in a test (it starts at 000001 per
    # school): a factory row never takes the number the service gives the next one.
    number = factory.Sequence(lambda n: f"2026-{800000 + n:06d}")
    amount = Decimal("100.00")
    allocated_amount = factory.SelfAttribute("amount")
    payment_date = factory.LazyFunction(local_today)
    method = PaymentMethod.CASH

    @factory.post_generation
    def _allocation(obj, create, extracted, **kwargs):
        if create and obj.invoice_id is not None and obj.allocated_amount > 0:
            Allocation.objects.create(payment=obj, invoice_id=obj.invoice_id, amount=obj.allocated_amount)
