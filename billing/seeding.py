"""Realistic demo and benchmark data: schools, students, monthly tuition and a mix of payments.

Everything is generated in Python from seeded random generators (one per school, so the first
schools of `--schools 3` and `--schools 100` are the same) and written set-based: PostgreSQL
gets one COPY per table and batch, SQLite gets `executemany` in batches. Rows never go through
`Model.save()`, so no history rows are written for seeded invoices and payments.

The generated books are consistent by construction, which `manage.py reconcile` verifies:
- every invoice's `paid_amount` is the sum of its payments, never above its amount;
- its stored `status` is `billing.services.invoice_status_derive` applied on the seed day, so
  past-due unpaid invoices are stored OVERDUE (as if the nightly sweep had just run);
- cancelled invoices have no payments;
- invoice and receipt numbers are unique per school and continue through `DocumentSequence`.
"""

from __future__ import annotations

import random
import time
import unicodedata
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from faker import Faker

from billing.models import DocumentSequence, Invoice, InvoiceStatus, Payment, PaymentMethod
from billing.services import invoice_status_derive
from core.dates import local_today
from schools.models import School
from students.models import Student

DUE_DAY = 10
ISSUE_DAYS_BEFORE_DUE = 20
CANCELLED_SHARE = 0.012
SCHOLARSHIP_SHARE = 0.15
BATCH_INVOICES = 50_000

MONTHS_ES = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
)

# Level -> (number of grades, base monthly tuition in pesos).
LEVELS = {
    "Preescolar": (3, 3200),
    "Primaria": (6, 3800),
    "Secundaria": (3, 4600),
    "Preparatoria": (3, 5400),
}
SCHOOL_OFFERS = (
    ("Preescolar", "Primaria"),
    ("Primaria",),
    ("Primaria", "Secundaria"),
    ("Secundaria", "Preparatoria"),
    ("Preescolar", "Primaria", "Secundaria"),
    ("Preescolar", "Primaria", "Secundaria", "Preparatoria"),
)
SCHOOL_KINDS = ("Colegio", "Instituto", "Escuela", "Centro Escolar", "Liceo", "Colegio Bilingüe")
PRICE_FACTORS = (0.6, 0.8, 1.0, 1.0, 1.25, 1.5, 2.0)
SCHOLARSHIPS = (10, 15, 20, 25, 30, 50)
EMAIL_DOMAINS = ("gmail.com", "hotmail.com", "outlook.com", "yahoo.com.mx", "prodigy.net.mx")
AREA_CODES = ("55", "33", "81", "222", "442", "477", "614", "664", "999", "998")

# A family's habit decides most of its invoices: (weight, outcome weights).
ON_TIME, LATE, SPLIT, PARTIAL, NEVER = "on_time", "late", "split", "partial", "never"
OUTCOMES = (ON_TIME, LATE, SPLIT, PARTIAL, NEVER)
PROFILES = (
    ("punctual", 55, (92, 5, 2, 0.5, 0.5)),
    ("late", 25, (35, 50, 8, 4, 3)),
    ("struggling", 15, (15, 35, 15, 20, 15)),
    ("defaulter", 5, (5, 10, 5, 20, 60)),
)
METHOD_WEIGHTS = (
    (PaymentMethod.BANK_TRANSFER, 40),
    (PaymentMethod.CASH, 18),
    (PaymentMethod.DEBIT_CARD, 17),
    (PaymentMethod.CREDIT_CARD, 15),
    (PaymentMethod.CHECK, 6),
    (PaymentMethod.OTHER, 4),
)
PREFERRED_METHOD_SHARE = 0.85

SCHOOL_COLUMNS = ("id", "created_at", "updated_at", "name", "address", "phone", "email", "is_active",
                  "cache_version")
STUDENT_COLUMNS = ("id", "created_at", "updated_at", "school_id", "first_name", "last_name", "email",
                   "grade", "enrolled_at", "is_active")
INVOICE_COLUMNS = ("id", "created_at", "updated_at", "number", "school_id", "student_id", "amount",
                   "paid_amount", "due_date", "status", "description", "created_by_id")
PAYMENT_COLUMNS = ("id", "created_at", "updated_at", "number", "school_id", "invoice_id", "amount",
                   "payment_date", "method", "reference", "created_by_id")

_CENTS: dict[int, Decimal] = {}


def _money(cents: int) -> Decimal:
    value = _CENTS.get(cents)
    if value is None:
        value = _CENTS[cents] = Decimal(cents).scaleb(-2)
    return value


@dataclass
class SeedSummary:
    schools: int = 0
    students: int = 0
    invoices: int = 0
    payments: int = 0
    invoices_by_status: Counter = field(default_factory=Counter)
    payments_by_method: Counter = field(default_factory=Counter)
    billed: Decimal = Decimal("0.00")
    collected: Decimal = Decimal("0.00")
    first_due: date | None = None
    last_due: date | None = None
    seconds: float = 0.0


@dataclass
class _SchoolRows:
    school: tuple
    students: list[tuple] = field(default_factory=list)
    invoices: list[tuple] = field(default_factory=list)
    payments: list[tuple] = field(default_factory=list)
    sequences: dict[tuple[str, int], int] = field(default_factory=dict)
    billed_cents: int = 0
    collected_cents: int = 0


# --- The data --------------------------------------------------------------------------------------


def billing_months(*, today: date, months: int) -> list[tuple[int, int]]:
    """The (year, month) of each tuition invoice: `months` months ending next month.

    Ending one month ahead gives the demo upcoming invoices as well as paid, partial and overdue ones.
    """
    last = today.year * 12 + today.month  # next month, zero-based: (today.month - 1) + 1
    return [divmod(m, 12) for m in range(last - months + 1, last + 1)]


def _ym(pair: tuple[int, int]) -> tuple[int, int]:
    year, zero_based_month = pair
    return year, zero_based_month + 1


def _uuid(rng: random.Random) -> uuid.UUID:
    # From the seeded generator, never uuid4(): the same seed gives the same ids.
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "")


def _at(day: date, seconds: int) -> datetime:
    """A UTC timestamp `seconds` after midnight UTC of `day`."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=seconds)


def _phone(rng: random.Random) -> str:
    area = rng.choice(AREA_CODES)
    digits = f"{rng.randrange(10 ** (10 - len(area))):0{10 - len(area)}d}"
    return f"{area} {digits[:-4]} {digits[-4:]}"


def _reference(rng: random.Random, method: str) -> str:
    if method == PaymentMethod.BANK_TRANSFER:
        return f"SPEI {rng.randrange(10**9, 10**10)}"
    if method in (PaymentMethod.CREDIT_CARD, PaymentMethod.DEBIT_CARD):
        return f"Aut. {rng.randrange(100000, 1000000)}"
    if method == PaymentMethod.CHECK:
        return f"Cheque {rng.randrange(1, 100000):06d}"
    if method == PaymentMethod.OTHER:
        return rng.choice(("Depósito OXXO", "Pago en ventanilla", "CoDi"))
    return ""


def _school_rows(
    *, seed: int, index: int, students_per_school: int, months: Sequence[tuple[int, int]],
    today: date, now: datetime, cache_version: int,
) -> _SchoolRows:
    """Every row of one school, from its own generator (seed, index)."""
    rng = random.Random(f"billing-seed:{seed}:{index}")
    fake = Faker("es_MX")
    fake.seed_instance(rng.getrandbits(64))

    school_id = _uuid(rng)
    kind = rng.choice(SCHOOL_KINDS)
    namesake = rng.choice((fake.last_name, fake.city, fake.first_name))()
    name = f"{kind} {namesake}"
    address = f"{fake.street_address()}, {fake.city()}, {fake.state()}, C.P. {fake.postcode()[:5]}"
    email = f"contacto@{_ascii(kind.split()[0])}{_ascii(namesake)}{index}.edu.mx"
    school_created = _at(date(today.year - 6, 8, 1), 15 * 3600)
    rows = _SchoolRows(school=(school_id, school_created, school_created, name, address, _phone(rng),
                               email, True, cache_version))

    offer = rng.choice(SCHOOL_OFFERS)
    factor = rng.choice(PRICE_FACTORS)
    grades = [
        (f"{n}° {level}", int(base * factor / 50) * 50 * 100)
        for level in offer
        for base in (LEVELS[level][1],)
        for n in range(1, LEVELS[level][0] + 1)
    ]
    first_year, first_month = _ym(months[0])
    school_year_start = first_year if first_month >= 8 else first_year - 1
    profiles = [p[0] for p in PROFILES]
    profile_weights = [p[1] for p in PROFILES]
    outcome_weights = {p[0]: p[2] for p in PROFILES}
    methods = [m[0].value for m in METHOD_WEIGHTS]
    method_weights = [m[1] for m in METHOD_WEIGHTS]

    # (student_id, monthly cents, profile, preferred method)
    students = []
    for _ in range(students_per_school):
        student_id = _uuid(rng)
        first_name = fake.first_name()
        last_name = f"{fake.last_name()} {fake.last_name()}"
        grade, tuition = rng.choice(grades)
        if rng.random() < SCHOLARSHIP_SHARE:
            tuition = tuition * (100 - rng.choice(SCHOLARSHIPS)) // 100 // 100 * 100
        enrolled = date(school_year_start - rng.randrange(0, 4), 8, rng.randrange(12, 26))
        email = f"{_ascii(first_name)}.{_ascii(last_name.split()[0])}{rng.randrange(1, 999)}@" \
                f"{rng.choice(EMAIL_DOMAINS)}"
        created = _at(enrolled, 16 * 3600)
        rows.students.append((student_id, created, created, school_id, first_name, last_name, email,
                              grade, enrolled, True))
        profile = rng.choices(profiles, profile_weights)[0]
        students.append((student_id, tuition, profile, rng.choices(methods, method_weights)[0]))

    payments: list[tuple] = []  # (payment_date, created_at, id, invoice_id, cents, method, reference)
    invoice_numbers: Counter = Counter()
    start_of_today = _at(today, 0)
    for pair in months:
        year, month = _ym(pair)
        due = date(year, month, DUE_DAY)
        issued = due - timedelta(days=ISSUE_DAYS_BEFORE_DUE)
        created = min(_at(issued, 14 * 3600), start_of_today)
        description = f"Colegiatura {MONTHS_ES[month - 1]} {year}"
        for student_id, cents, profile, preferred in students:
            invoice_id = _uuid(rng)
            invoice_numbers[created.year] += 1
            number = f"{created.year}-{invoice_numbers[created.year]:06d}"
            rows.billed_cents += cents
            if rng.random() < CANCELLED_SHARE:
                cancelled_at = min(created + timedelta(days=rng.randrange(1, 6)), now)
                rows.invoices.append((invoice_id, created, cancelled_at, number, school_id, student_id,
                                      _money(cents), _money(0), due, InvoiceStatus.CANCELLED.value,
                                      description, None))
                rows.billed_cents -= cents
                continue
            outcome = rng.choices(OUTCOMES, outcome_weights[profile])[0]
            # Partial payments are round hundreds of pesos, 30-70% of the tuition.
            part = max(10000, cents * rng.randrange(3, 8) // 10 // 10000 * 10000)
            if part >= cents:
                outcome = ON_TIME if outcome in (SPLIT, PARTIAL) else outcome
            early = due - timedelta(days=rng.randrange(0, ISSUE_DAYS_BEFORE_DUE))
            late = due + timedelta(days=rng.randrange(1, 46))
            # A part is usually paid soon after the invoice arrives, the rest when money comes in.
            first_part = issued + timedelta(days=rng.randrange(0, 10))
            planned: list[tuple[date, int]]
            if outcome == ON_TIME:
                planned = [(early, cents)]
            elif outcome == LATE:
                planned = [(late, cents)]
            elif outcome == SPLIT:
                planned = [(first_part, part), (late, cents - part)]
            elif outcome == PARTIAL:
                planned = [(first_part if rng.random() < 0.6 else late, part)]
            else:
                planned = []
            paid = 0
            last_change = created
            for paid_on, amount in planned:
                if paid_on > today:  # that payment has not happened yet
                    break
                method = preferred if rng.random() < PREFERRED_METHOD_SHARE else rng.choices(
                    methods, method_weights)[0]
                at = min(_at(paid_on, rng.randrange(15 * 3600, 24 * 3600)), now)
                at = max(at, created)
                payments.append((paid_on, at, _uuid(rng), invoice_id, amount, method,
                                 _reference(rng, method)))
                paid += amount
                last_change = max(last_change, at)
            rows.collected_cents += paid
            # The one status rule; cents compare like pesos, so it is applied to integer cents.
            status = invoice_status_derive(amount=cents, paid_amount=paid, due_date=due, cancelled=False,
                                           today=today)
            rows.invoices.append((invoice_id, created, last_change, number, school_id, student_id,
                                  _money(cents), _money(paid), due, str(status), description, None))

    # Receipt numbers follow the order money came in, per calendar year.
    payments.sort(key=lambda p: (p[0], p[1], p[2]))
    receipt_numbers: Counter = Counter()
    for paid_on, at, payment_id, invoice_id, cents, method, reference in payments:
        receipt_numbers[paid_on.year] += 1
        number = f"{paid_on.year}-{receipt_numbers[paid_on.year]:06d}"
        rows.payments.append((payment_id, at, at, number, school_id, invoice_id, _money(cents), paid_on,
                              method, reference, None))
    for year, last in invoice_numbers.items():
        rows.sequences[(DocumentSequence.Kind.INVOICE.value, year)] = last
    for year, last in receipt_numbers.items():
        rows.sequences[(DocumentSequence.Kind.RECEIPT.value, year)] = last
    return rows


# --- Writing ---------------------------------------------------------------------------------------


def _pg_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


class _Writer:
    """Buffers rows per table and flushes them set-based: COPY on PostgreSQL, executemany elsewhere."""

    def __init__(self):
        self.postgres = connection.vendor == "postgresql"
        self.buffers: dict[type[models.Model], tuple[Sequence[str], list[tuple]]] = {}

    def add(self, model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]) -> None:
        self.buffers.setdefault(model, (columns, []))[1].extend(rows)

    def flush(self) -> None:
        with connection.cursor() as cursor:
            for model, (columns, rows) in self.buffers.items():
                if rows:
                    (self._copy if self.postgres else self._insert)(cursor, model, columns, rows)
                    rows.clear()

    @staticmethod
    def _db_columns(model, columns):
        fields = [model._meta.get_field(name.removesuffix("_id")) for name in columns]
        return fields, ", ".join(connection.ops.quote_name(f.column) for f in fields)

    def _copy(self, cursor, model, columns, rows) -> None:
        _, column_sql = self._db_columns(model, columns)
        table = connection.ops.quote_name(model._meta.db_table)
        text = _pg_text
        with cursor.copy(f"COPY {table} ({column_sql}) FROM STDIN") as copy:
            chunk = []
            for row in rows:
                chunk.append("\t".join([text(v) for v in row]))
                if len(chunk) >= 10_000:
                    copy.write("\n".join(chunk) + "\n")
                    chunk.clear()
            if chunk:
                copy.write("\n".join(chunk) + "\n")

    def _insert(self, cursor, model, columns, rows) -> None:
        fields, column_sql = self._db_columns(model, columns)
        table = connection.ops.quote_name(model._meta.db_table)
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({column_sql}) VALUES ({placeholders})"  # noqa: S608 - our own names
        prepared = [
            [f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)] for row in rows
        ]
        for start in range(0, len(prepared), 2000):
            cursor.executemany(sql, prepared[start:start + 2000])


# --- Services --------------------------------------------------------------------------------------


def seed_tables() -> list[type[models.Model]]:
    return [Payment, Payment.history.model, Invoice, Invoice.history.model, DocumentSequence, Student, School]


def seed_counts() -> dict[str, int]:
    return {
        "schools": School.objects.count(),
        "students": Student.objects.count(),
        "invoices": Invoice.objects.count(),
        "payments": Payment.objects.count(),
    }


def seed_data_reset() -> None:
    """Delete every school, student, invoice, payment and number series, and what hangs off them.

    PostgreSQL: one TRUNCATE ... CASCADE (the payment trigger refuses row DELETEs by design).
    SQLite: DELETE FROM each table and every table referencing them (only payment UPDATEs are
    trigger-guarded there). Runs in the caller's transaction when there is one.
    """
    tables = [model._meta.db_table for model in seed_tables()]
    statements = connection.ops.sql_flush(no_style(), tables, allow_cascade=True)
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def seed_data_load(
    *,
    schools: int,
    students_per_school: int,
    months: int,
    seed: int,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SeedSummary:
    """Generate and insert the demo books in one transaction; returns what was written.

    Same arguments on the same day -> the same rows, ids and numbers. Expects no seeded school with
    the same ids (run it on an empty database or after seed_data_reset). Sets each school's
    DocumentSequence to the highest number used, so numbers the API hands out later continue the
    series. Each school's cache_version starts at the load's Unix time: a reset followed by a new
    seed with the same ids never meets cache entries written under the old data's versions.
    """
    if schools < 0 or students_per_school < 0 or months < 0:
        raise ValueError("schools, students per school and months must not be negative")
    started = time.monotonic()
    today = today or local_today()
    now = timezone.now()
    month_list = billing_months(today=today, months=months)
    cache_version = int(time.time())
    summary = SeedSummary()
    if month_list:
        summary.first_due = date(*_ym(month_list[0]), DUE_DAY)
        summary.last_due = date(*_ym(month_list[-1]), DUE_DAY)
    writer = _Writer()
    sequences: list[DocumentSequence] = []
    billed = collected = 0
    pending_invoices = 0
    with transaction.atomic():
        for index in range(schools):
            rows = _school_rows(
                seed=seed, index=index, students_per_school=students_per_school, months=month_list,
                today=today, now=now, cache_version=cache_version,
            )
            writer.add(School, SCHOOL_COLUMNS, [rows.school])
            writer.add(Student, STUDENT_COLUMNS, rows.students)
            writer.add(Invoice, INVOICE_COLUMNS, rows.invoices)
            writer.add(Payment, PAYMENT_COLUMNS, rows.payments)
            school_id = rows.school[0]
            sequences.extend(
                DocumentSequence(school_id=school_id, kind=kind, year=year, last_value=last)
                for (kind, year), last in sorted(rows.sequences.items())
            )
            summary.schools += 1
            summary.students += len(rows.students)
            summary.invoices += len(rows.invoices)
            summary.payments += len(rows.payments)
            summary.invoices_by_status.update(row[9] for row in rows.invoices)
            summary.payments_by_method.update(row[8] for row in rows.payments)
            billed += rows.billed_cents
            collected += rows.collected_cents
            pending_invoices += len(rows.invoices)
            if pending_invoices >= BATCH_INVOICES:
                writer.flush()
                pending_invoices = 0
            if progress:
                progress(index + 1, schools)
        writer.flush()
        DocumentSequence.objects.bulk_create(sequences, batch_size=2000)
    if connection.vendor == "postgresql":
        # Fresh statistics, so the first sweep and report queries get good plans.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(
                connection.ops.quote_name(m._meta.db_table) for m in (School, Student, Invoice, Payment)
            ))
    summary.billed = _money(billed)
    summary.collected = _money(collected)
    summary.seconds = time.monotonic() - started
    return summary
