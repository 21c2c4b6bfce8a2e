"""core.prepared: a queryset compiled once gives the instances the ORM gives, for any values."""

import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import Invoice
from core.prepared import PreparedQuery
from tests.billing.factories import InvoiceFactory
from tests.conftest import member
from tests.students.factories import StudentFactory
from users.models import Role

pytestmark = pytest.mark.django_db


def _read(pk, user_id=None):
    invoices = Invoice.objects.select_related("student", "school")
    if user_id is not None:
        invoices = invoices.filter(school__memberships__user_id=user_id)
    return invoices.filter(pk=pk)


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_the_instances_and_their_related_objects_equal_the_orms(school, other_school):
    prepared = PreparedQuery(_read, pk=uuid.UUID)
    first = InvoiceFactory(student=StudentFactory(school=school), amount=Decimal("120.50"))
    second = InvoiceFactory(student=StudentFactory(school=other_school))

    for invoice in (first, second, first):  # compiled once, then run with other values
        ours, orm = prepared.first(pk=invoice.pk), _read(invoice.pk).get()
        assert _fields(ours) == _fields(orm)
        with CaptureQueriesContext(connection) as queries:
            assert _fields(ours.student) == _fields(orm.student)
            assert _fields(ours.school) == _fields(orm.school)
        assert len(queries) == 0  # select_related: already attached
    assert prepared.first(pk=uuid.uuid4()) is None


def test_a_second_placeholder_filters_like_the_orm(school, other_school):
    prepared = PreparedQuery(_read, pk=uuid.UUID, user_id=uuid.UUID)
    accountant = member(school, Role.ACCOUNTANT)
    mine = InvoiceFactory(student=StudentFactory(school=school))
    foreign = InvoiceFactory(student=StudentFactory(school=other_school))

    assert prepared.first(pk=mine.pk, user_id=accountant.pk).pk == mine.pk
    assert prepared.first(pk=foreign.pk, user_id=accountant.pk) is None
    assert prepared.first(pk=mine.pk, user_id=uuid.uuid4()) is None


def test_a_placeholder_the_query_does_not_use_is_refused(school):
    prepared = PreparedQuery(
        lambda pk, user_id: Invoice.objects.filter(pk=pk), pk=uuid.UUID, user_id=uuid.UUID)
    with pytest.raises(ValueError, match="user_id"):
        prepared.first(pk=uuid.uuid4(), user_id=uuid.uuid4())
