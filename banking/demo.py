"""Demo bank statements: what a school's bank account receives in a month, for `seed` and the bench.

Deposits are written the way Mexican bank concepts look ("SPEI RECIBIDO BANORTE REF 1000015778
ROBERTO NUNEZ"), from the school's real open balances, in a mix that shows every status:

- most carry the family's payment reference          -> MATCHED (a family payment at once)
- some carry a reference with a typo (two digits swapped) -> SUGGESTED to that family
- some carry no reference, only the payer's or student's name and an exact balance -> SUGGESTED
- some are cash deposits or transfers nobody can place -> UNMATCHED
- a transfer between the school's own accounts         -> IGNORED by the seed, with a reason
- bank fees (withdrawals)                              -> skipped
and the month comes as two statements whose days overlap, so the second reports duplicates.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import clabe as clabe_package
from django.db.models import Sum

from banking.models import BankAccount, BankLine, BankLineStatus, CsvProfile
from banking.parsers import normalize_name
from banking.services import bank_account_create, bank_line_ignore, bank_statement_import
from billing.models import Invoice
from billing.rules import balance_expression, open_q
from core.dates import local_today
from families.models import Family

HEADER = "Fecha,Descripción,Referencia,Importe"
SENDING_BANKS = [
    "BBVA MEXICO",
    "BANORTE",
    "SANTANDER",
    "BANAMEX",
    "HSBC",
    "SCOTIABANK",
    "INBURSA",
    "BANCOPPEL",
]
# Shares of the deposit kinds (the rest of the lines are fees).
MIX = {"reference": 0.70, "typo": 0.08, "name": 0.10, "unknown": 0.07, "fee": 0.05}


@dataclass
class DemoRow:
    day: date
    description: str
    reference: str
    amount: Decimal
    kind: str
    # Whom the deposit is really from (the family, or the invoice of a student billed alone): what
    # a correct match or suggestion names. Not in the file.
    family_id: UUID | None = None
    invoice_id: UUID | None = None

    def csv(self) -> str:
        return f'{self.day:%d/%m/%Y},"{self.description}",{self.reference},"{self.amount:,.2f}"'


def demo_clabe(number: int) -> str:
    """A valid CLABE of BBVA (012), branch 180, for the n-th demo account."""
    body = f"012180{number:011d}"
    return body + clabe_package.compute_control_digit(body)


def _ascii_upper(text: str) -> str:
    return normalize_name(text).upper()


def _swap_two_digits(reference: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(reference) - 1)
    if reference[i] == reference[i + 1]:
        return reference[:i] + str((int(reference[i]) + 1) % 10) + reference[i + 1 :]
    return reference[:i] + reference[i + 1] + reference[i] + reference[i + 2 :]


def demo_rows(
    *, school_id: UUID, lines: int, rng: random.Random, first_day: date, last_day: date
) -> list[DemoRow]:
    """`lines` statement rows for a school, from its families' and students' open balances."""
    families = list(
        Family.objects.filter(school_id=school_id, students__invoices__in=Invoice.objects.filter(open_q()))
        .annotate(open_total=Sum(balance_expression("students__invoices__")))
        .values_list("reference", "name", "open_total", "pk")
        .order_by("reference")
    )
    invoices = list(
        Invoice.objects.filter(open_q(), school_id=school_id, student__family__isnull=True)
        .annotate(balance=balance_expression())
        .values_list("balance", "student__first_name", "student__last_name", "pk")
        .order_by("number")
    )
    span = (last_day - first_day).days + 1
    rows: list[DemoRow] = []
    kinds = list(MIX)
    weights = [MIX[k] for k in kinds]
    for n in range(lines):
        day = first_day + timedelta(days=rng.randrange(span))
        kind = rng.choices(kinds, weights)[0]
        if kind in ("reference", "typo") and not families:
            kind = "name"
        if kind == "name" and not (invoices or families):
            kind = "unknown"
        bank = rng.choice(SENDING_BANKS)
        if kind in ("reference", "typo"):
            reference, payer, total, family_id = rng.choice(families)
            if kind == "typo":
                reference = _swap_two_digits(reference, rng)
            payer = _ascii_upper(payer)
            # The reference goes in the concept field, or inside the description, as banks do.
            if rng.random() < 0.5:
                description, concept = f"SPEI RECIBIDO {bank} {payer}", reference
            else:
                description, concept = f"SPEI RECIBIDO {bank} REF {reference} {payer}", ""
            rows.append(DemoRow(day, description, concept, total, kind, family_id=family_id))
        elif kind == "name":
            if invoices and (not families or rng.random() < 0.5):
                balance, first, last, invoice_id = rng.choice(invoices)
                name, target = _ascii_upper(f"{first} {last}"), {"invoice_id": invoice_id}
            else:
                _reference, name, balance, family_id = rng.choice(families)
                name, target = _ascii_upper(name), {"family_id": family_id}
            rows.append(DemoRow(day, f"SPEI RECIBIDO {bank} {name} COLEGIATURA", "", balance, kind, **target))
        elif kind == "unknown":
            amount = Decimal(rng.randrange(200, 9000)) + Decimal(rng.choice([0, 50])) / 100
            text = rng.choice(
                ["DEPOSITO EN EFECTIVO SUC", "DEPOSITO CHEQUE SUC", "TRANSFERENCIA SIN CONCEPTO"]
            )
            rows.append(DemoRow(day, f"{text} {rng.randrange(1000, 9999)}", "", amount, kind))
        else:
            rows.append(
                DemoRow(day, "COMISION SPEI" if n % 2 else "IVA COMISION", "", Decimal("-5.80"), kind)
            )
    rows.sort(key=lambda row: row.day)
    return rows


def demo_csv(rows: list[DemoRow]) -> bytes:
    return ("\n".join([HEADER, *(row.csv() for row in rows)]) + "\n").encode("utf-8")


def demo_bank_statements_load(*, seed: int, school_ids: list[UUID], deposits_per_school: int = 40) -> dict:
    """For each school: a bank account and two overlapping statements of the last 20 days,
    imported and matched through the import service; one own-account transfer ignored.
    Returns the counts of every line status."""
    rng = random.Random(seed)
    today = local_today()
    totals = {"accounts": 0, "statements": 0, "imported": 0, "duplicates": 0, "skipped": 0}
    for number, school_id in enumerate(school_ids, start=1):
        account = BankAccount.objects.filter(school_id=school_id).first() or bank_account_create(
            school_id=school_id, clabe=demo_clabe(number), name="Colegiaturas", csv_profile=CsvProfile.GENERIC
        )
        totals["accounts"] += 1
        first_day, last_day = today - timedelta(days=20), today - timedelta(days=1)
        rows = demo_rows(
            school_id=school_id, lines=deposits_per_school, rng=rng, first_day=first_day, last_day=last_day
        )
        rows.append(DemoRow(last_day, "TRASPASO ENTRE CUENTAS PROPIAS", "", Decimal("15000.00"), "own"))
        middle = first_day + timedelta(days=12)
        # Two statements: days 1-14 and days 9-20 (the overlap comes back as duplicates).
        first = [row for row in rows if row.day <= middle + timedelta(days=2)]
        second = [row for row in rows if row.day >= middle - timedelta(days=4)]
        for name, part in (("movimientos-1.csv", first), ("movimientos-2.csv", second)):
            statement = bank_statement_import(
                account_id=account.pk, content=demo_csv(part), file_name=name
            ).statement
            totals["statements"] += 1
            for key in ("imported", "duplicates", "skipped"):
                totals[key] += getattr(statement, key)
        own = BankLine.objects.filter(account=account, description="TRASPASO ENTRE CUENTAS PROPIAS").first()
        if own is not None and own.status != BankLineStatus.IGNORED:
            bank_line_ignore(line_id=own.pk, reason="Traspaso entre cuentas propias de la escuela.")
    for status in BankLineStatus.values:
        totals[status.lower()] = BankLine.objects.filter(school_id__in=school_ids, status=status).count()
    return totals
