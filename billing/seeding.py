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

import bisect
import itertools
import queue
import random
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone
from faker import Faker

from billing.models import DocumentSequence, Invoice, Payment, PaymentMethod
from billing.services import invoice_status_derive
from core.dates import local_today
from schools.models import School
from students.models import Student

DUE_DAY = 10
ISSUE_DAYS_BEFORE_DUE = 30  # next month's invoice arrives when this month's is due
CANCELLED_SHARE = 0.012
SCHOLARSHIP_SHARE = 0.15

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


def _uuid(rng: random.Random) -> str:
    """A version-4 UUID from the seeded generator, never uuid4(): the same seed gives the same ids.

    Built as text (what COPY wants) with the version and variant bits uuid.UUID(version=4) sets.
    """
    n = rng.getrandbits(128) & ~(0xF000 << 64) & ~(0xC000 << 48) | (0x4000 << 64) | (0x8000 << 48)
    h = f"{n:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "")


def _at(day: date, seconds: int) -> datetime:
    """A UTC timestamp `seconds` after midnight UTC of `day`."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=seconds)


def _phone(rng: random.Random) -> str:
    area = rng.choice(AREA_CODES)
    digits = f"{rng.randrange(10 ** (10 - len(area))):0{10 - len(area)}d}"
    return f"{area} {digits[:-4]} {digits[-4:]}"


def _reference(rand: Callable[[], float], method: str) -> str:
    if method == "BANK_TRANSFER":
        return f"SPEI {1_000_000_000 + int(rand() * 9_000_000_000)}"
    if method in ("CREDIT_CARD", "DEBIT_CARD"):
        return f"Aut. {100_000 + int(rand() * 900_000)}"
    if method == "CHECK":
        return f"Cheque {1 + int(rand() * 99_999):06d}"
    if method == "OTHER":
        return ("Depósito OXXO", "Pago en ventanilla", "CoDi")[int(rand() * 3)]
    return ""


class _Weighted:
    """rng.choices(values, weights)[0] without its per-call setup: cumulative weights and bisect."""

    def __init__(self, values: Sequence, weights: Sequence[float]):
        self.values = tuple(values)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, rand: Callable[[], float]):
        return self.values[bisect.bisect(self.cumulative, rand() * self.total)]


_PROFILE = _Weighted([p[0] for p in PROFILES], [p[1] for p in PROFILES])
_OUTCOME = {name: _Weighted(OUTCOMES, weights) for name, _, weights in PROFILES}
_METHOD = _Weighted([m[0].value for m in METHOD_WEIGHTS], [m[1] for m in METHOD_WEIGHTS])


def _school_rows(
    *, seed: int, index: int, students_per_school: int, months: Sequence[tuple[int, int]],
    today: date, now: datetime, cache_version: int,
) -> _SchoolRows:
    """Every row of one school, from its own generator (seed, index). Touches no database."""
    rng = random.Random(f"billing-seed:{seed}:{index}")
    rand = rng.random
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
        (f"{n}° {level}", int(LEVELS[level][1] * factor / 50) * 50 * 100)
        for level in offer
        for n in range(1, LEVELS[level][0] + 1)
    ]
    first_year, first_month = _ym(months[0]) if months else (today.year, today.month)
    school_year_start = first_year if first_month >= 8 else first_year - 1

    students = []  # (student_id, monthly cents, outcome chooser, preferred method)
    for _ in range(students_per_school):
        student_id = _uuid(rng)
        first_name = fake.first_name()
        last_name = f"{fake.last_name()} {fake.last_name()}"
        grade, tuition = rng.choice(grades)
        if rand() < SCHOLARSHIP_SHARE:
            tuition = tuition * (100 - rng.choice(SCHOLARSHIPS)) // 100 // 100 * 100
        enrolled = date(school_year_start - rng.randrange(0, 4), 8, rng.randrange(12, 26))
        email = f"{_ascii(first_name)}.{_ascii(last_name.split()[0])}{rng.randrange(1, 999)}@" \
                f"{rng.choice(EMAIL_DOMAINS)}"
        created = _at(enrolled, 16 * 3600)
        rows.students.append((student_id, created, created, school_id, first_name, last_name, email,
                              grade, enrolled, True))
        students.append((student_id, tuition, _OUTCOME[_PROFILE.pick(rand)], _METHOD.pick(rand)))

    payments: list[tuple] = []  # (payment_date, created_at, id, invoice_id, cents, method, reference)
    invoice_numbers: Counter = Counter()
    start_of_today = _at(today, 0)
    midnight: dict[date, datetime] = {}
    zero = _money(0)
    for pair in months:
        year, month = _ym(pair)
        due = date(year, month, DUE_DAY)
        issued = due - timedelta(days=ISSUE_DAYS_BEFORE_DUE)
        created = min(_at(issued, 14 * 3600), start_of_today)
        description = f"Colegiatura {MONTHS_ES[month - 1]} {year}"
        # Paid on time: between the invoice's arrival and its due date. Late: up to 45 days after.
        # A part is usually paid soon after the invoice arrives, the rest when money comes in.
        early_days = [due - timedelta(days=d) for d in range(ISSUE_DAYS_BEFORE_DUE)]
        late_days = [due + timedelta(days=d) for d in range(1, 46)]
        first_part_days = [issued + timedelta(days=d) for d in range(10)]
        for day in (*early_days, *late_days, *first_part_days):
            if day not in midnight:
                midnight[day] = _at(day, 0)
        for student_id, cents, outcomes, preferred in students:
            invoice_id = _uuid(rng)
            invoice_numbers[created.year] += 1
            number = f"{created.year}-{invoice_numbers[created.year]:06d}"
            if rand() < CANCELLED_SHARE:
                cancelled_at = min(created + timedelta(days=1 + int(rand() * 5)), now)
                rows.invoices.append((invoice_id, created, cancelled_at, number, school_id, student_id,
                                      _money(cents), zero, due, "CANCELLED", description, None))
                continue
            rows.billed_cents += cents
            outcome = outcomes.pick(rand)
            # Partial payments are round hundreds of pesos, 30-70% of the tuition.
            part = max(10000, cents * (3 + int(rand() * 5)) // 10 // 10000 * 10000)
            if part >= cents and outcome in (SPLIT, PARTIAL):
                outcome = ON_TIME
            if outcome == ON_TIME:
                planned = ((early_days[int(rand() * len(early_days))], cents),)
            elif outcome == LATE:
                planned = ((late_days[int(rand() * len(late_days))], cents),)
            elif outcome == SPLIT:
                planned = ((first_part_days[int(rand() * len(first_part_days))], part),
                           (late_days[int(rand() * len(late_days))], cents - part))
            elif outcome == PARTIAL:
                days = first_part_days if rand() < 0.6 else late_days
                planned = ((days[int(rand() * len(days))], part),)
            else:
                planned = ()
            paid = 0
            last_change = created
            for paid_on, amount in planned:
                # Drawn whether or not it has happened yet, so the day the seed runs only decides
                # which payments exist, never the rest of the data.
                method = preferred if rand() < PREFERRED_METHOD_SHARE else _METHOD.pick(rand)
                # Registered at the desk between 09:00 and 18:00 Mexico City time (15-24 UTC).
                seconds = 15 * 3600 + int(rand() * 9 * 3600)
                payment_id, reference = _uuid(rng), _reference(rand, method)
                if paid_on > today:
                    continue
                at = max(min(midnight[paid_on] + timedelta(seconds=seconds), now), created)
                payments.append((paid_on, at, payment_id, invoice_id, amount, method, reference))
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


def _copy_escape(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


_COPY_TEXT: dict[type, Callable] = {
    str: _copy_escape,
    type(None): lambda v: "\\N",
    bool: lambda v: "t" if v else "f",
    int: str,
    Decimal: str,
    date: date.isoformat,
    datetime: datetime.isoformat,
}


def _copy_text(rows: Sequence[tuple]) -> str:
    """Rows as PostgreSQL COPY text: tab-separated, \\N for NULL, backslash escapes."""
    formats = _COPY_TEXT
    return "".join(["\t".join([formats[type(v)](v) for v in row]) + "\n" for row in rows])


@dataclass
class _Table:
    model: type[models.Model]
    columns: Sequence[str]

    def __post_init__(self):
        self.fields = [self.model._meta.get_field(name.removesuffix("_id")) for name in self.columns]
        quote = connection.ops.quote_name
        self.table_sql = quote(self.model._meta.db_table)
        self.columns_sql = ", ".join(quote(f.column) for f in self.fields)

    def copy(self, cursor, text: str) -> None:
        if text:
            with cursor.copy(f"COPY {self.table_sql} ({self.columns_sql}) FROM STDIN") as copy:
                copy.write(text)

    def insert(self, cursor, rows: Sequence[tuple]) -> None:
        placeholders = ", ".join(["%s"] * len(self.fields))
        sql = f"INSERT INTO {self.table_sql} ({self.columns_sql}) VALUES ({placeholders})"  # noqa: S608
        convert = [_sqlite_converter(f) for f in self.fields]
        for start in range(0, len(rows), 2000):
            cursor.executemany(sql, [
                [c(v) for c, v in zip(convert, row, strict=True)] for row in rows[start:start + 2000]
            ])


def _sqlite_converter(field: models.Field) -> Callable:
    """What Django's SQLite backend stores for this field, without its per-value dispatch."""
    target = field.target_field if field.is_relation else field
    if isinstance(target, models.UUIDField):
        return lambda v: None if v is None else v.replace("-", "")
    if isinstance(field, models.DateTimeField):  # naive UTC text, as USE_TZ stores it
        return lambda v: str(v.astimezone(UTC).replace(tzinfo=None))
    if isinstance(field, models.DecimalField | models.DateField):
        return str
    if isinstance(field, models.BooleanField):
        return int
    conn = connections[DEFAULT_DB_ALIAS]
    return lambda v: field.get_db_prep_save(v, conn)


_DONE = object()


class _Producer(threading.Thread):
    """Generates the schools' rows (and their COPY text) while the main thread writes.

    Python generation and PostgreSQL's COPY work then run on two cores at once. The thread never
    touches the database; only the main thread, which owns the connection and the transaction, does.
    """

    def __init__(self, *, count: int, make_rows: Callable[[int], _SchoolRows], copy_text: bool):
        super().__init__(name="seed-producer", daemon=True)
        self.count = count
        self.make_rows = make_rows
        self.copy_text = copy_text
        self.results: queue.Queue = queue.Queue(maxsize=4)
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            for index in range(self.count):
                rows = self.make_rows(index)
                parts = ([rows.school], rows.students, rows.invoices, rows.payments)
                texts = [_copy_text(part) for part in parts] if self.copy_text else None
                if not self._put((rows, texts)):
                    return
            self._put(_DONE)
        except BaseException as exc:  # handed to the main thread, which raises it
            self._put(exc)

    def _put(self, item) -> bool:
        while not self.stopped.is_set():
            try:
                self.results.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self):
        while True:
            item = self.results.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item


def _pending_checks_run() -> None:
    """PostgreSQL: run the deferred foreign-key checks already queued in this transaction now.

    ALTER TABLE and TRUNCATE refuse a table with pending trigger events (rows written earlier in
    the same transaction). Django declares every foreign key DEFERRABLE INITIALLY DEFERRED, so
    switching back to DEFERRED restores the usual behaviour.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@contextmanager
def _bulk_load_mode(models_: Sequence[type[models.Model]]):
    """PostgreSQL: drop these tables' foreign keys and secondary indexes for the load, then restore.

    What pg_restore does: adding a key back checks every row in one join instead of one trigger
    query per inserted row at commit, and building an index once from sorted rows costs about half
    of updating it row by row. Primary keys and unique constraints stay, so duplicates still fail
    at once. Everything happens inside the load's transaction: if anything fails, the rollback
    restores the schema as it was. Other databases: nothing to do.
    """
    if connection.vendor != "postgresql":
        yield
        return
    tables = [m._meta.db_table for m in models_]
    quote = connection.ops.quote_name
    _pending_checks_run()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            [tables],
        )
        keys = cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisunique AND NOT indisprimary ORDER BY 1",
            [tables],
        )
        indexes = cursor.fetchall()
        for table, name, _ in keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")


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
    with transaction.atomic():
        _pending_checks_run()
        with connection.cursor() as cursor:
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
    the same ids (run it on an empty database or after seed_data_reset). On PostgreSQL the load
    holds ACCESS EXCLUSIVE locks on the student, invoice and payment tables until it commits (see
    _bulk_load_mode): run it when the app is not serving those tables. Sets each school's
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
    postgres = connection.vendor == "postgresql"
    tables = [_Table(School, SCHOOL_COLUMNS), _Table(Student, STUDENT_COLUMNS),
              _Table(Invoice, INVOICE_COLUMNS), _Table(Payment, PAYMENT_COLUMNS)]
    producer = _Producer(
        count=schools,
        copy_text=postgres,
        make_rows=lambda index: _school_rows(
            seed=seed, index=index, students_per_school=students_per_school, months=month_list,
            today=today, now=now, cache_version=cache_version,
        ),
    )
    sequences: list[DocumentSequence] = []
    billed = collected = 0
    with transaction.atomic(), _bulk_load_mode([Student, Invoice, Payment]):
        producer.start()
        try:
            with connection.cursor() as cursor:
                for rows, texts in producer:
                    parts = ([rows.school], rows.students, rows.invoices, rows.payments)
                    for table, part, text in zip(tables, parts, texts or parts, strict=True):
                        if postgres:
                            table.copy(cursor, text)
                        else:
                            table.insert(cursor, part)
                    sequences.extend(
                        DocumentSequence(school_id=rows.school[0], kind=kind, year=year, last_value=last)
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
                    if progress:
                        progress(summary.schools, schools)
        finally:
            producer.stopped.set()
            producer.join()
        DocumentSequence.objects.bulk_create(sequences, batch_size=2000)
    if postgres:
        # Fresh statistics, so the first sweep and report queries get good plans.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(t.table_sql for t in tables))
    summary.billed = _money(billed)
    summary.collected = _money(collected)
    summary.seconds = time.monotonic() - started
    return summary
