"""The migration that gives every existing invoice one line of its amount."""

import importlib
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from billing.models import InvoiceLine
from tests.billing.factories import InvoiceFactory

pytestmark = pytest.mark.django_db
backfill = importlib.import_module("billing.migrations.0009_invoice_lines_backfill")


def test_each_invoice_without_lines_gets_one_line_of_its_amount(school):
    tuition = InvoiceFactory(
        student__school=school, amount=Decimal("3800.00"), description="Colegiatura marzo 2026"
    )
    other = InvoiceFactory(student__school=school, amount=Decimal("120.50"), description="")

    backfill.forwards(apps, SimpleNamespace(connection=connection))
    backfill.forwards(apps, SimpleNamespace(connection=connection))  # a second pass adds nothing

    [line] = InvoiceLine.objects.filter(invoice=tuition)
    assert (line.amount, line.concept.kind, line.concept.code, line.student_id) == (
        Decimal("3800.00"), "TUITION", "COLEGIATURA", tuition.student_id,
    )
    [line] = InvoiceLine.objects.filter(invoice=other)
    assert (line.amount, line.concept.code, line.description) == (Decimal("120.50"), "OTROS", "Otros cargos")
