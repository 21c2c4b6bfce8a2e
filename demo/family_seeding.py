"""Demo families for `manage.py seed`: siblings share one paying family, and a few families show
what part 2 of the design adds (one payment for two children with credit left over, a credit note,
a bounced cheque reversed).

Families are written in bulk (a school of 500 students has ~250 families); the money goes through
billing's services, so it is exactly what the API would have written. Deterministic for a seed,
except the ids of the rows the services create.
"""

import random
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import F

from billing.corrections import credit_note_issue, payment_reverse
from billing.credit import AllocationRequest, family_payment_record
from billing.models import (
    Allocation,
    CreditNote,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PaymentReversal,
    ReversalReason,
)
from core.money import to_money
from families.models import Family, FamilyReferenceCounter
from families.validators import reference_from_number
from students.models import Student

DEMO_CREDIT = Decimal("200.00")


@dataclass
class FamilySeedSummary:
    families: int = 0
    students_in_families: int = 0
    family_payments: int = 0
    credit_notes: int = 0
    reversals: int = 0


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


@contextmanager
def _seeded_ids(rng: random.Random):
    """The rows the services create take ids from the seeded generator, not uuid4(): the same seed
    gives the same ids (the seed's promise). Restores the models' defaults afterwards."""
    fields = [model._meta.pk for model in (Payment, Allocation, CreditNote, PaymentReversal)]
    saved = [(f, f.default) for f in fields]
    try:
        for f in fields:
            f.default = lambda: _uuid(rng)
            f.__dict__.pop("_get_default", None)  # Field caches its default callable
        yield
    finally:
        for f, default in saved:
            f.default = default
            f.__dict__.pop("_get_default", None)


def families_group(*, school_ids, seed: int) -> tuple[FamilySeedSummary, list[random.Random]]:
    """Group each school's students into families of one to three children (siblings take the
    family's last name). Expects freshly seeded schools. Returns the counts and each school's
    generator, which families_money_history goes on drawing from.

    Set-based: every school's families in one bulk insert and their students in one UPDATE per
    5,000 rows, then fresh statistics (the fee setup and the money history query by family).
    """
    summary = FamilySeedSummary()
    families, changed, rngs = [], [], []
    for index, school_id in enumerate(school_ids):
        rng = random.Random(f"{seed}:families:{index}")
        students = list(
            Student.objects.filter(school_id=school_id).order_by("id").values_list("id", "last_name")
        )
        position, number = 0, 0
        while position < len(students):
            size = rng.choice((1, 1, 2, 2, 2, 3))
            children = students[position:position + size]
            position += size
            number += 1
            last_name = children[0][1]
            family = Family(
                id=_uuid(rng), school_id=school_id, name=f"{rng.choice(PARENT_NAMES)} {last_name}",
                email=f"familia{number}@{str(school_id)[:8]}.example.mx",
                reference=reference_from_number(number),
                rfc="XAXX010101000", cfdi_use="D10",
            )
            families.append(family)
            changed.extend((student_id, family.id, last_name) for student_id, _ in children)
        FamilyReferenceCounter.objects.update_or_create(school_id=school_id, defaults={"last_value": number})
        rngs.append(rng)
    Family.objects.bulk_create(families, batch_size=2000)
    _students_family_set(changed)
    summary.families += len(families)
    summary.students_in_families += len(changed)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Student._meta.db_table}, {Family._meta.db_table}")
    return summary, rngs


def families_money_history(*, school_ids, rngs, summary: FamilySeedSummary, today: date) -> None:
    """Give a few families of each school some money history through billing's services (one
    payment for two children with credit left, a credit note, a bounced cheque)."""
    for school_id, rng in zip(school_ids, rngs, strict=True):
        with _seeded_ids(rng):
            _money_history(school_id, rng, summary, today)


def _students_family_set(rows: list[tuple[uuid.UUID, uuid.UUID, str]]) -> None:
    """Set (student id, family id, last name) on the students: PostgreSQL in one UPDATE ... FROM
    (VALUES ...) per 5,000 students (bulk_update's CASE per row cost most of the seed)."""
    if connection.vendor != "postgresql":
        Student.objects.bulk_update(
            [Student(id=sid, family_id=fid, last_name=name) for sid, fid, name in rows],
            ["family", "last_name"], batch_size=2000,
        )
        return
    table = connection.ops.quote_name(Student._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            part = rows[start:start + 5000]
            values = ", ".join(["(%s::uuid, %s::uuid, %s)"] * len(part))
            cursor.execute(
                f"UPDATE {table} AS s SET family_id = v.family_id, last_name = v.last_name "  # noqa: S608
                f"FROM (VALUES {values}) AS v (id, family_id, last_name) WHERE s.id = v.id",
                [value for row in part for value in (str(row[0]), str(row[1]), row[2])],
            )


def _open_invoices(family_id):
    return (
        Invoice.objects.filter(student__family_id=family_id)
        .exclude(status=InvoiceStatus.CANCELLED)
        .filter(paid_amount__lt=F("amount") - F("credited_amount"))
        .order_by("due_date", "number")
    )


def _money_history(school_id, rng: random.Random, summary: FamilySeedSummary, today: date) -> None:
    """One family pays for two children at once and keeps a credit; one gets a beca as a credit
    note; one family's cheque bounces."""
    siblings = list(
        Family.objects.filter(school_id=school_id, students__isnull=False)
        .values_list("pk", flat=True).distinct().order_by("reference")
    )
    with_two_open = []
    for family_id in siblings:
        open_students = {i.student_id for i in _open_invoices(family_id)[:20]}
        if len(open_students) >= 2:
            with_two_open.append(family_id)
        if len(with_two_open) >= 2:
            break
    if with_two_open:
        family_id = with_two_open[0]
        first_per_child = {}
        for invoice in _open_invoices(family_id):
            first_per_child.setdefault(invoice.student_id, invoice)
        owed = sum((i.balance for i in list(first_per_child.values())[:2]), Decimal("0"))
        family_payment_record(
            family_id=family_id, amount=to_money(owed + DEMO_CREDIT), method=PaymentMethod.BANK_TRANSFER,
            payment_date=today,
            reference="SPEI demo: una transferencia para los dos hermanos",
            # Listed, so the money goes to one invoice of each child; the 200 left over is credit.
            allocations=[_request(i) for i in list(first_per_child.values())[:2]],
        )
        summary.family_payments += 1
    if len(with_two_open) > 1:
        invoice = _open_invoices(with_two_open[1]).first()
        if invoice is not None:
            credit_note_issue(invoice_id=invoice.pk, amount=to_money(invoice.balance / 10),
                              reason="Beca del 10 % otorgada después de emitir la factura")
            summary.credit_notes += 1
    cheque = (
        Payment.objects.filter(school_id=school_id, invoice__student__family__isnull=False, is_reversed=False)
        .order_by("-payment_date", "number").first()
    )
    if cheque is not None:
        payment_reverse(payment_id=cheque.pk, reason=ReversalReason.BOUNCED_CHECK,
                        note="Cheque devuelto por fondos insuficientes",
                        reversal_date=max(today, cheque.payment_date))
        summary.reversals += 1


def _request(invoice):
    return AllocationRequest(invoice_id=invoice.pk, amount=invoice.balance)


PARENT_NAMES = (
    "María", "José", "Guadalupe", "Juan", "Verónica", "Luis", "Alejandra", "Carlos", "Patricia", "Jorge",
    "Gabriela", "Miguel", "Rosa", "Fernando", "Laura", "Ricardo",
)
