"""The money rules of an invoice, defined once: balance, status, pending and overdue amounts, and
the collection rate.

    balance         = amount - paid_amount - credited_amount
    status          = CANCELLED  when cancelled (final);
                      PAID       when the balance is zero;
                      OVERDUE    when due before today;
                      PARTIAL    when something was paid or credited;
                      PENDING    otherwise.
    pending amount  = the balance; 0 for a cancelled invoice.
    overdue amount  = the balance of an invoice whose status is OVERDUE; 0 otherwise.
    pronto pago     = paid on or before `early_payment_until`, `early_payment_amount` settles the
                      invoice: a payment covering the balance less the discount earns a credit note
                      for the rest (`early_payment_discount`, `settling_amount`, `early_payment_credit`).
    collection rate = collected as a percentage of invoiced (core.money.rate_percent: two
                      decimals, half up); None when nothing was invoiced.

"Today" is always a parameter (core.dates.local_today(), the school's date in TIME_ZONE), never the
database's CURRENT_DATE. The stored `status` column only says CANCELLED for certain; every read
derives the rest from the columns, so a read is right before the nightly sweep has run.

Each rule is spelled here three ways, side by side, and every reader uses one of them:

- Python, over an invoice's values (`invoice_status_derive`, `invoice_balance`, ...): services, the
  admin, the AI's risk rules;
- ORM: Q objects for filters (`status_q`, `overdue_q`, `unsettled_q`, `countable_q`) and
  expressions for annotations and sums (`current_status_expression`, `balance_expression`);
- SQL text for hand-written SQL (`status_case_sql`, `balance_sql`, `overdue_sql`, ...): the
  statements' single query, and the template of `CurrentStatus`, so the ORM annotation *is* the
  SQL text.

The SQL views of reports (reports/migrations/sql) keep their own SQL; tests/billing/
test_rules_equivalence.py runs every spelling and every view over one table of cases, on SQLite
and PostgreSQL, and demands the same answers.

Credit notes (DESIGN-CYCLE.md part 2) add `Invoice.credited_amount`. Until that column exists the
credited amount is 0 everywhere. When it lands, set CREDITED_FIELD = "credited_amount" below: that
is the one line. Each spelling reads it through one place: Python through `_credited()`, the ORM
through `settled_expression()` (and CurrentStatus' source columns), SQL text through `settled_sql()`.
Then change the views' SQL (a reports migration) and turn on the credited cases of the equivalence
test (`CREDITED_CASES`). Note the partial index report_invoice_open_due_idx (billing 0005) is
defined on `paid_amount < amount`; with credits, open invoices read `amount > paid + credited`.
"""

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal

from django.db import models
from django.db.models import Case, F, Func, Q, Value, When
from django.db.models.expressions import Combinable

from core.dates import local_today
from core.money import ZERO, rate_percent


class InvoiceStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    PARTIAL = "PARTIAL", "Partial"
    PAID = "PAID", "Paid"
    OVERDUE = "OVERDUE", "Overdue"
    CANCELLED = "CANCELLED", "Cancelled"


# The one switch for credit notes: the name of the invoice's credited-amount column, or None while
# there is none (credited = 0). See the module docstring.
CREDITED_FIELD: str | None = "credited_amount"
# The columns a reader must load (`.only()`, `.values()`) to apply the Python spelling to a row.
CREDIT_FIELDS: tuple[str, ...] = (CREDITED_FIELD,) if CREDITED_FIELD else ()
BALANCE_FIELDS: tuple[str, ...] = ("amount", "paid_amount", *CREDIT_FIELDS)

_S = InvoiceStatus


# --- Python ------------------------------------------------------------------------------------


def _field(invoice, name: str):
    """A column of an invoice: a model instance (or any object with its attributes) or a
    `.values()` row (a mapping)."""
    return invoice[name] if isinstance(invoice, Mapping) else getattr(invoice, name)


def _credited(invoice) -> Decimal:
    """What was credited on an invoice."""
    return _field(invoice, CREDITED_FIELD) if CREDITED_FIELD else ZERO


def balance_derive(*, amount: Decimal, paid_amount: Decimal, credited_amount: Decimal = ZERO) -> Decimal:
    """What is still owed on an invoice, whatever its status."""
    return amount - paid_amount - credited_amount


def invoice_status_derive(
    *,
    amount: Decimal,
    paid_amount: Decimal,
    due_date: date,
    cancelled: bool,
    today: date,
    credited_amount: Decimal = ZERO,
) -> str:
    """The status rule: CANCELLED is final; then PAID, OVERDUE, PARTIAL, PENDING."""
    if cancelled:
        return _S.CANCELLED
    if balance_derive(amount=amount, paid_amount=paid_amount, credited_amount=credited_amount) <= ZERO:
        return _S.PAID
    if due_date < today:
        return _S.OVERDUE
    if paid_amount + credited_amount > ZERO:
        return _S.PARTIAL
    return _S.PENDING


def pending_amount_derive(
    *, amount: Decimal, paid_amount: Decimal, cancelled: bool, credited_amount: Decimal = ZERO
) -> Decimal:
    """The balance, 0 for a cancelled invoice: what counts as pending in every total."""
    if cancelled:
        return ZERO
    return balance_derive(amount=amount, paid_amount=paid_amount, credited_amount=credited_amount)


def overdue_amount_derive(
    *, amount: Decimal, paid_amount: Decimal, due_date: date, cancelled: bool, today: date,
    credited_amount: Decimal = ZERO,
) -> Decimal:
    """The balance of an OVERDUE invoice, 0 for any other."""
    status = invoice_status_derive(amount=amount, paid_amount=paid_amount, due_date=due_date,
                                   cancelled=cancelled, today=today, credited_amount=credited_amount)
    if status != _S.OVERDUE:
        return ZERO
    return balance_derive(amount=amount, paid_amount=paid_amount, credited_amount=credited_amount)


# The same over an invoice: a model instance or a `.values()` row holding BALANCE_FIELDS (and
# `status` for the pending amount, `status` and `due_date` for the status).


def invoice_balance(invoice) -> Decimal:
    """`balance_derive` of an invoice."""
    return balance_derive(amount=_field(invoice, "amount"), paid_amount=_field(invoice, "paid_amount"),
                          credited_amount=_credited(invoice))


def invoice_pending_amount(invoice) -> Decimal:
    """`pending_amount_derive` of an invoice; its stored status says whether it is cancelled."""
    if _field(invoice, "status") == _S.CANCELLED:
        return ZERO
    return invoice_balance(invoice)


def invoice_current_status(invoice, *, today: date | None = None) -> str:
    """`invoice_status_derive` of an invoice, today by default."""
    return invoice_status_derive(
        amount=_field(invoice, "amount"),
        paid_amount=_field(invoice, "paid_amount"),
        due_date=_field(invoice, "due_date"),
        cancelled=_field(invoice, "status") == _S.CANCELLED,
        today=today or local_today(),
        credited_amount=_credited(invoice),
    )


def invoice_is_settled(invoice) -> bool:
    """Nothing left to pay (the PAID branch of the rule, whatever the stored status says)."""
    return invoice_balance(invoice) <= ZERO


def early_payment_discount(invoice, *, paid_on: date) -> Decimal:
    """Pronto pago: what a payment made on `paid_on` need not pay of the invoice's balance.

    `amount - early_payment_amount` when paid on or before `early_payment_until`, never more than
    the balance; 0 for an invoice without the offer or paid after its day.
    """
    until, offer = _field(invoice, "early_payment_until"), _field(invoice, "early_payment_amount")
    if until is None or offer is None or paid_on > until:
        return ZERO
    return max(ZERO, min(_field(invoice, "amount") - offer, invoice_balance(invoice)))


def settling_amount(invoice, *, paid_on: date) -> Decimal:
    """What settles the invoice when paid on `paid_on`: its balance less any pronto pago discount."""
    return invoice_balance(invoice) - early_payment_discount(invoice, paid_on=paid_on)


def early_payment_credit(invoice, *, part: Decimal, paid_on: date) -> Decimal:
    """The credit note a payment of `part` on `paid_on` earns (judged before `part` is applied):
    the rest of the balance when `part` covers the settling amount in time, else 0."""
    discount = early_payment_discount(invoice, paid_on=paid_on)
    balance = invoice_balance(invoice)
    if discount <= ZERO or part < balance - discount:
        return ZERO
    return max(ZERO, balance - part)


def collection_rate(collected: Decimal | None, invoiced: Decimal | None) -> Decimal | None:
    """Collected as a percentage of invoiced, two decimals, half up; None when nothing was invoiced."""
    return rate_percent(collected, invoiced)


# Aging of the overdue debt: (bucket, first day past due, last day past due or None). An invoice
# due yesterday is 1 day past due, in 0-30; one due 31 days ago is in 31-60. The dashboard, the
# overdue report and its filter, the invoice admin's filter and the AI all split by these.
AGING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("90+", 91, None),
)
AGING_BUCKET_NAMES: tuple[str, ...] = tuple(name for name, _first, _last in AGING_BUCKETS)


def aging_due_range(bucket: str, today: date) -> tuple[date | None, date]:
    """(earliest, latest) due dates of the overdue invoices in this bucket today; None: no limit.
    Raises ValueError for an unknown bucket."""
    for name, first_day, last_day in AGING_BUCKETS:
        if name == bucket:
            earliest = today - timedelta(days=last_day) if last_day is not None else None
            return earliest, today - timedelta(days=first_day)
    raise ValueError(f"unknown aging bucket {bucket!r}")


# --- ORM -----------------------------------------------------------------------------------------

MONEY_SUM = models.DecimalField(max_digits=16, decimal_places=2)


def settled_expression(prefix: str = "") -> Combinable:
    """paid_amount (+ credited_amount): the part of the amount no longer owed. `prefix`: a relation
    path to the invoice, e.g. "invoices__"."""
    paid = F(f"{prefix}paid_amount")
    return paid + F(f"{prefix}{CREDITED_FIELD}") if CREDITED_FIELD else paid


def balance_expression(prefix: str = "") -> Combinable:
    """amount - paid_amount (- credited_amount), per row; sum it over `countable_q()` rows."""
    return F(f"{prefix}amount") - settled_expression(prefix)


def pending_amount_expression(prefix: str = "") -> Case:
    """The pending amount per row: the balance, 0 for a cancelled invoice."""
    return Case(
        When(~countable_q(prefix), then=Value(ZERO)),
        default=balance_expression(prefix),
        output_field=MONEY_SUM,
    )


def countable_q(prefix: str = "") -> Q:
    """Every invoice that counts in a total: cancelled ones count in none."""
    return ~Q(**{f"{prefix}status": _S.CANCELLED})


def unsettled_q(prefix: str = "") -> Q:
    """Something is still owed (balance > 0). Without credits it is written `paid_amount < amount`,
    the predicate of the partial index report_invoice_open_due_idx (billing 0005)."""
    if CREDITED_FIELD is None:
        return Q(**{f"{prefix}paid_amount__lt": F(f"{prefix}amount")})
    return Q(**{f"{prefix}amount__gt": settled_expression(prefix)})


def something_settled_q(prefix: str = "") -> Q:
    """Something was paid or credited (what tells PARTIAL from PENDING)."""
    paid = Q(**{f"{prefix}paid_amount__gt": 0})
    return paid | Q(**{f"{prefix}{CREDITED_FIELD}__gt": 0}) if CREDITED_FIELD else paid


def open_q(prefix: str = "") -> Q:
    """Not cancelled and not settled: the invoices that still carry debt."""
    return countable_q(prefix) & unsettled_q(prefix)


def overdue_q(today: date, prefix: str = "") -> Q:
    """Status OVERDUE today: open and due before today."""
    return open_q(prefix) & Q(**{f"{prefix}due_date__lt": today})


def aging_bucket_q(bucket: str, today: date, prefix: str = "") -> Q:
    """Due dates in this aging bucket (combine with `overdue_q`): constant dates, so an index on
    due_date serves it."""
    earliest, latest = aging_due_range(bucket, today)
    q = Q(**{f"{prefix}due_date__lte": latest})
    return q & Q(**{f"{prefix}due_date__gte": earliest}) if earliest else q


def aging_bucket_expression(today: date, prefix: str = "") -> Case:
    """The aging bucket of an overdue row, by its due date (compared with constant dates)."""
    *bounded, (last_name, _first, _last) = AGING_BUCKETS
    return Case(
        *[
            When(**{f"{prefix}due_date__gte": today - timedelta(days=last_day)}, then=Value(name))
            for name, _first_day, last_day in bounded
        ],
        default=Value(last_name),
        output_field=models.CharField(),
    )


def status_q(status: str, today: date, prefix: str = "") -> Q:
    """Rows whose status derived today is `status`, as plain column predicates (indexes serve them)."""
    not_due = Q(**{f"{prefix}due_date__gte": today})
    conditions = {
        _S.CANCELLED: ~countable_q(prefix),
        _S.PAID: countable_q(prefix) & ~unsettled_q(prefix),
        _S.OVERDUE: overdue_q(today, prefix),
        _S.PARTIAL: open_q(prefix) & not_due & something_settled_q(prefix),
        _S.PENDING: open_q(prefix) & not_due & ~something_settled_q(prefix),
    }
    return conditions[status]


class CurrentStatus(Func):
    """The status rule as one SQL CASE over the invoice's own columns (`status_case_sql`).

    A template rather than Case()/When(): every invoice list, statement and report page annotates
    it, and the ORM's resolving of the 14 lookups of a Case() cost ~2 ms of CPU per query
    (bench/README.md), more than the rest of the query's compilation.
    """

    output_field = models.CharField()

    def __init__(self, today: date):
        columns = [F("status"), F("paid_amount"), F("amount"), F("due_date")]
        if CREDITED_FIELD:
            columns.append(F(CREDITED_FIELD))
        super().__init__(*columns, Value(today, output_field=models.DateField()))

    def as_sql(self, compiler, connection, **extra_context):
        compiled = [compiler.compile(expression) for expression in self.get_source_expressions()]
        *columns, (today, today_params) = compiled
        for _sql, params in columns:
            if params:  # plain columns, whatever the alias; anything else would misplace params
                raise ValueError("CurrentStatus expects column references")
        status, paid, amount, due, *credited = (sql for sql, _params in columns)
        sql = _status_case(status=status, settled=_settled(paid, credited[0] if credited else None),
                           amount=amount, due_date=due, today=today)
        return sql, list(today_params)


def current_status_expression(today: date | None = None) -> CurrentStatus:
    """The status rule as an annotation (`current_status`), today by default."""
    return CurrentStatus(today or local_today())


# --- SQL text ------------------------------------------------------------------------------------
# For hand-written SQL over billing_invoice under an alias (`i` by default). "Today" is a
# placeholder (`%s` by default) for the caller to bind.


def _settled(paid: str, credited: str | None) -> str:
    return f"({paid} + {credited})" if credited else paid


def settled_sql(alias: str = "i") -> str:
    return _settled(f"{alias}.paid_amount", f"{alias}.{CREDITED_FIELD}" if CREDITED_FIELD else None)


def balance_sql(alias: str = "i") -> str:
    """amount - paid_amount (- credited_amount) of one row."""
    settled = settled_sql(alias)
    return f"{alias}.amount - {settled}"


def countable_sql(alias: str = "i") -> str:
    return f"{alias}.status <> '{_S.CANCELLED}'"


def unsettled_sql(alias: str = "i") -> str:
    return f"{settled_sql(alias)} < {alias}.amount"


def overdue_sql(alias: str = "i", today: str = "%s") -> str:
    """Status OVERDUE: not cancelled, something owed, due before `today` (one placeholder)."""
    return f"{countable_sql(alias)} AND {unsettled_sql(alias)} AND {alias}.due_date < {today}"


def pending_amount_sql(alias: str = "i") -> str:
    """The balance, 0 for a cancelled invoice (reports_invoice_details.pending_amount)."""
    return f"CASE WHEN {alias}.status = '{_S.CANCELLED}' THEN 0 ELSE {balance_sql(alias)} END"


def _status_case(*, status: str, settled: str, amount: str, due_date: str, today: str) -> str:
    return (
        f"CASE WHEN {status} = '{_S.CANCELLED}' THEN '{_S.CANCELLED}'"
        f" WHEN {settled} >= {amount} THEN '{_S.PAID}'"
        f" WHEN {due_date} < {today} THEN '{_S.OVERDUE}'"
        f" WHEN {settled} > 0 THEN '{_S.PARTIAL}'"
        f" ELSE '{_S.PENDING}' END"
    )


def status_case_sql(alias: str = "i", today: str = "%s") -> str:
    """The status rule as a SQL CASE over one row of billing_invoice; `today` is one placeholder."""
    return _status_case(status=f"{alias}.status", settled=settled_sql(alias), amount=f"{alias}.amount",
                        due_date=f"{alias}.due_date", today=today)


# The collection rate in SQL, as reports_school_summary computes it from its sums (PostgreSQL's
# ROUND on numeric rounds half away from zero, i.e. half up for these non-negative figures).
# SQLite sums money as floats, so its view rounds whole cents with integer arithmetic instead.
COLLECTION_RATE_SQL: Mapping[str, str] = {
    "postgresql": "CASE WHEN {invoiced} > 0 THEN ROUND({collected} * 100 / {invoiced}, 2) END",
    "sqlite": "CASE WHEN {invoiced_cents} > 0 THEN CAST((({collected_cents} * 20000 + {invoiced_cents})"
              " / (2 * {invoiced_cents})) / 100.0 AS NUMERIC) END",
}
