"""Reminder policies and the reminder run (`manage.py send_reminders`, the nightly task, "send now").

A run, for each school with an active policy:

1. reads, in one query, the open invoices of the school's families that have reached a step
   (due date + step offset <= as_of), the families that opted out left out;
2. puts each invoice at its current step (the last one it has reached) and groups, per family and
   step, the invoices no earlier reminder of that step covered: one reminder per family, step and
   invoice set;
3. writes each message (the policy's template, or AI-written text that passes the PROFECO check);
4. claims the reminder rows (a unique row per family, step and invoice set: inserted, or a FAILED
   one taken back) so no two runs send the same reminder, sends outside any transaction, and
   records each outcome. A failed send stays FAILED and is retried by the next run.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import structlog
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from ai_agent.messages import CollectionFacts, collection_message_build
from ai_agent.selectors import OpenInvoice
from ai_agent.text import date_long, date_short, money
from billing import rules
from billing.models import Invoice
from core.dates import local_today
from core.exceptions import DomainError
from core.unchanged import changes_apply
from families.models import Family
from reminders import channels, profeco, templates
from reminders.models import (
    MIN_SUSPENSION_NOTICE_DAYS,
    Channel,
    Reminder,
    ReminderPolicy,
    ReminderStatus,
    StepKind,
    TextSource,
)
from schools.models import School
from users.models import User

logger = structlog.get_logger(__name__)

MAX_STEPS = 10
OFFSET_RANGE = (-60, 365)
_MONEY = DecimalField(max_digits=12, decimal_places=2)


class InvalidPolicy(DomainError, code="invalid_reminder_policy"):
    default_detail = gettext_lazy("The reminder policy is not valid.")


class ProfecoViolation(DomainError, code="profeco_violation"):
    default_detail = gettext_lazy(
        "A reminder text breaks the consumer rules for school collections (PROFECO)."
    )


# --- Policies ---------------------------------------------------------------------------------

DEFAULT_STEPS = [
    {"offset_days": -3, "channel": Channel.EMAIL, "kind": StepKind.REMINDER},
    {"offset_days": 0, "channel": Channel.SMS, "kind": StepKind.REMINDER},
    {"offset_days": 7, "channel": Channel.EMAIL, "kind": StepKind.REMINDER},
    {"offset_days": 15, "channel": Channel.WHATSAPP, "kind": StepKind.REMINDER},
    {"offset_days": 30, "channel": Channel.EMAIL, "kind": StepKind.REMINDER},
    # After three unpaid colegiaturas only (checked per family at send time).
    {"offset_days": 60, "channel": Channel.EMAIL, "kind": StepKind.SUSPENSION_NOTICE},
]
_TEXT_FIELDS = ("subject_es", "body_es", "subject_en", "body_en")


def steps_validate(steps, *, field_name: str = "steps") -> list[dict]:
    """The steps in their stored form, sorted by offset; InvalidPolicy / ProfecoViolation naming the step."""
    if not isinstance(steps, list) or not steps:
        raise InvalidPolicy(fields={field_name: [gettext_lazy("At least one step is required.")]})
    if len(steps) > MAX_STEPS:
        raise InvalidPolicy(
            fields={field_name: [gettext_lazy("At most %(MAX_STEPS)s steps.") % {"MAX_STEPS": MAX_STEPS}]}
        )
    cleaned, errors = [], {}
    for index, step in enumerate(steps):
        where = f"{field_name}[{index}]"
        if not isinstance(step, dict):
            errors[where] = [gettext_lazy("Must be an object.")]
            continue
        unknown = set(step) - {"offset_days", "channel", "kind", *_TEXT_FIELDS}
        offset = step.get("offset_days")
        problems = [f"Unknown field {name!r}." for name in sorted(unknown)]
        if not isinstance(offset, int) or isinstance(offset, bool) or not (
            OFFSET_RANGE[0] <= offset <= OFFSET_RANGE[1]
        ):
            problems.append(f"offset_days must be a whole number of days from {OFFSET_RANGE[0]} to "
                            f"{OFFSET_RANGE[1]}.")
        if step.get("channel") not in Channel.values:
            problems.append(f"channel must be one of {', '.join(Channel.values)}.")
        kind = step.get("kind", StepKind.REMINDER)
        if kind not in StepKind.values:
            problems.append(f"kind must be one of {', '.join(StepKind.values)}.")
        elif kind == StepKind.SUSPENSION_NOTICE and isinstance(offset, int) and offset < 1:
            problems.append("A suspension notice comes after the due date (offset_days of 1 or more).")
        texts = {}
        for name in _TEXT_FIELDS:
            value = step.get(name, "")
            if not isinstance(value, str) or len(value) > (200 if name.startswith("subject") else 3000):
                problems.append(f"{name} must be a text of at most "
                                f"{200 if name.startswith('subject') else 3000} characters.")
                continue
            texts[name] = value.strip()
        for language in ("es", "en"):
            subject, body = texts.get(f"subject_{language}", ""), texts.get(f"body_{language}", "")
            problems += _text_problems(subject, body, language=language,
                                       suspension=kind == StepKind.SUSPENSION_NOTICE)
        if problems:
            errors[where] = problems
            continue
        cleaned.append({"offset_days": offset, "channel": step["channel"], "kind": kind, **texts})
    offsets = [step["offset_days"] for step in cleaned]
    if len(set(offsets)) != len(offsets):
        errors.setdefault(field_name, []).append(gettext_lazy("Two steps have the same offset_days."))
    if errors:
        violation = any("PROFECO" in message for messages in errors.values() for message in messages)
        raise (ProfecoViolation if violation else InvalidPolicy)(fields=errors)
    return sorted(cleaned, key=lambda step: step["offset_days"])


def _text_problems(subject: str, body: str, *, language: str, suspension: bool) -> list[str]:
    problems = []
    if not body:
        return problems  # the built-in template
    for name, text in ((f"subject_{language}", subject), (f"body_{language}", body)):
        try:
            used = templates.placeholders_in(text)
        except ValueError as exc:
            problems.append(f"{name}: {exc}.")
            continue
        unknown = used - set(templates.PLACEHOLDERS)
        if unknown:
            problems.append(f"{name}: unknown placeholder(s) {', '.join(sorted(unknown))}; use "
                            f"{', '.join(templates.PLACEHOLDERS)}.")
    try:
        missing = [name for name in templates.REQUIRED if name not in templates.placeholders_in(body)]
    except ValueError:
        missing = []
    if missing:
        problems.append(f"body_{language}: every message carries "
                        f"{' and '.join('{' + name + '}' for name in missing)}.")
    if suspension and "suspension_date" not in _safe_placeholders(body):
        problems.append(f"body_{language}: a suspension notice states {{suspension_date}}.")
    for violation in profeco.violations(f"{subject}\n{body}", suspension_notice=suspension):
        problems.append(f"PROFECO: the text {violation}.")
    return problems


def _safe_placeholders(text: str) -> set[str]:
    try:
        return templates.placeholders_in(text)
    except ValueError:
        return set()


@transaction.atomic
def policy_create(
    *, school_id: UUID, steps: list, is_active: bool = True, language: str = "es",
    text_source: str = TextSource.TEMPLATE, attach_statement: bool = False,
    suspension_notice_days: int = MIN_SUSPENSION_NOTICE_DAYS, actor: User | None = None,
) -> ReminderPolicy:
    """A school's reminder policy (one per school: a second is a 409). Raises InvalidPolicy,
    ProfecoViolation (400) or PolicyExists (409)."""
    School.objects.select_for_update().get(pk=school_id)
    if ReminderPolicy.objects.filter(school_id=school_id).exists():
        raise PolicyExists()
    _check_settings(language=language, text_source=text_source, suspension_notice_days=suspension_notice_days)
    return ReminderPolicy.objects.create(
        school_id=school_id, steps=steps_validate(steps), is_active=is_active, language=language,
        text_source=text_source, attach_statement=attach_statement,
        suspension_notice_days=suspension_notice_days,
    )


@transaction.atomic
def policy_update(*, policy_id: UUID, actor: User | None = None, **changes) -> ReminderPolicy:
    """Change a policy's fields (the school never changes); same checks as policy_create."""
    policy = ReminderPolicy.objects.select_for_update().get(pk=policy_id)
    if "steps" in changes:
        changes["steps"] = steps_validate(changes["steps"])
    merged = {name: changes.get(name, getattr(policy, name))
              for name in ("language", "text_source", "suspension_notice_days")}
    _check_settings(**merged)
    changes_apply(policy, changes)
    policy.save()
    return policy


@transaction.atomic
def policy_delete(*, policy_id: UUID, actor: User | None = None) -> None:
    """The school stops sending reminders; the reminders already sent stay in the log."""
    ReminderPolicy.objects.filter(pk=policy_id).delete()


class PolicyExists(DomainError, code="reminder_policy_exists", status=409):
    default_detail = gettext_lazy("This school already has a reminder policy; change it instead.")


def _check_settings(*, language: str, text_source: str, suspension_notice_days: int) -> None:
    errors = {}
    if language not in ("es", "en"):
        errors["language"] = [gettext_lazy("Must be es or en.")]
    if text_source not in TextSource.values:
        errors["text_source"] = [f"Must be one of {', '.join(TextSource.values)}."]
    if not isinstance(suspension_notice_days, int) or suspension_notice_days < MIN_SUSPENSION_NOTICE_DAYS:
        errors["suspension_notice_days"] = [
            f"PROFECO: a suspension is announced at least {MIN_SUSPENSION_NOTICE_DAYS} days ahead."
        ]
    if errors:
        raise InvalidPolicy(fields=errors)


def default_policy_ensure(*, school_id: UUID) -> ReminderPolicy:
    """The built-in policy for a school that has none (the seed's demo schools); idempotent."""
    policy, _ = ReminderPolicy.objects.get_or_create(
        school_id=school_id, defaults={"steps": steps_validate(DEFAULT_STEPS)}
    )
    return policy


# --- The run ----------------------------------------------------------------------------------

@dataclass
class _Candidate:
    policy: ReminderPolicy
    family: dict
    step: dict
    invoices: list[dict]
    balance: Decimal
    unpaid_colegiaturas: int
    family_invoices: list[dict] = field(default_factory=list)  # all its open ones (suspension notices)
    key: str = ""
    recipient: str = ""
    subject: str = ""
    body: str = ""
    source: str = ""

    @property
    def amount_due(self) -> Decimal:
        return sum((row["pending"] for row in self.invoices), Decimal("0.00"))


@dataclass
class RunResult:
    as_of: date
    dry_run: bool
    schools: int = 0
    families: int = 0
    opted_out: int = 0
    sent: int = 0
    failed: int = 0
    already_sent: int = 0
    suspension_not_eligible: int = 0
    by_step: Counter = field(default_factory=Counter)
    samples: dict = field(default_factory=dict)  # step offset -> {channel, recipient, subject, body}
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(), "dry_run": self.dry_run, "schools": self.schools,
            "families": self.families, "opted_out": self.opted_out, "sent": self.sent,
            "failed": self.failed, "already_sent": self.already_sent,
            "suspension_not_eligible": self.suspension_not_eligible,
            "by_step": {str(k): v for k, v in sorted(self.by_step.items())},
            "seconds": round(self.seconds, 3),
        }


def _pending():
    """What an invoice still owes (billing.rules: amount - paid - credited)."""
    return ExpressionWrapper(rules.balance_expression(), output_field=_MONEY)


def _tuition_filter() -> Q:
    """A colegiatura: an invoice with a TUITION line where invoices have lines, else by its name."""
    by_name = Q(description__istartswith="colegiatura")
    try:
        from billing.models import InvoiceLine  # noqa: F401  (fee plans, when installed)
    except ImportError:
        return by_name
    # An invoice with lines is a colegiatura by its concept; one loaded without lines, by its name.
    return Q(lines__concept__kind="TUITION") | (Q(lines__isnull=True) & by_name)


def unpaid_colegiaturas_count(*, family_ids, as_of: date) -> dict:
    """Per family, its colegiaturas past due on `as_of` that still owe something."""
    rows = (
        Invoice.objects.filter(rules.overdue_q(as_of), student__family_id__in=family_ids)
        .filter(_tuition_filter())
        .values("student__family_id").annotate(n=Count("id", distinct=True))
    )
    return {row["student__family_id"]: row["n"] for row in rows}


def invoice_set_key(step_offset: int, invoice_ids) -> str:
    joined = ",".join(sorted(str(i) for i in invoice_ids))
    return hashlib.sha256(f"{step_offset}|{joined}".encode()).hexdigest()


def _current_step(due: date, as_of: date, steps: list[dict]) -> dict | None:
    reached = None
    for step in steps:  # sorted by offset
        if due + timedelta(days=step["offset_days"]) <= as_of:
            reached = step
    return reached


def _candidates(policy: ReminderPolicy, *, as_of: date, family_ids, result: RunResult) -> list[_Candidate]:
    steps = policy.steps
    if not steps:
        return []
    latest_due = as_of - timedelta(days=steps[0]["offset_days"])
    families = Family.objects.filter(school_id=policy.school_id, is_active=True)
    if family_ids is not None:
        families = families.filter(pk__in=family_ids)
    invoices = (
        Invoice.objects.filter(rules.open_q(), student__family__in=families, due_date__lte=latest_due)
        .annotate(pending=_pending())
    )
    result.opted_out += (
        invoices.filter(student__family__reminders_opt_out=True)
        .values("student__family_id").distinct().count()
    )
    rows = list(
        invoices.filter(student__family__reminders_opt_out=False)
        .order_by("student__family_id", "due_date", "number")
        .values("id", "number", "description", "due_date", "amount", "paid_amount", "pending",
                "student__family_id", "student__first_name")
    )
    if not rows:
        return []
    family_ids_found = {row["student__family_id"] for row in rows}
    family_rows = {
        row["id"]: row for row in Family.objects.filter(pk__in=family_ids_found).values(
            "id", "name", "email", "phone", "reference")
    }
    covered = set()
    for family_id, offset, invoice_ids in Reminder.objects.filter(
        family_id__in=family_ids_found, status__in=[ReminderStatus.SENT, ReminderStatus.SENDING]
    ).values_list("family_id", "step_offset", "invoice_ids"):
        covered.update((family_id, offset, invoice_id) for invoice_id in invoice_ids)

    by_family: dict = defaultdict(list)
    for row in rows:
        by_family[row["student__family_id"]].append(row)
    suspension_offsets = {s["offset_days"] for s in steps if s["kind"] == StepKind.SUSPENSION_NOTICE}
    candidates = []
    needs_tuition_count = []
    for family_id, family_invoices in by_family.items():
        balance = sum((row["pending"] for row in family_invoices), Decimal("0.00"))
        per_step: dict = defaultdict(list)
        for row in family_invoices:
            step = _current_step(row["due_date"], as_of, steps)
            if step and (family_id, step["offset_days"], str(row["id"])) not in covered:
                per_step[step["offset_days"]].append(row)
        for offset, step_invoices in per_step.items():
            step = next(s for s in steps if s["offset_days"] == offset)
            candidates.append(_Candidate(policy=policy, family=family_rows[family_id], step=step,
                                         invoices=step_invoices, balance=balance, unpaid_colegiaturas=0,
                                         family_invoices=family_invoices))
            if offset in suspension_offsets:
                needs_tuition_count.append(family_id)
        result.families += 1
    if needs_tuition_count:
        counts = unpaid_colegiaturas_count(family_ids=needs_tuition_count, as_of=as_of)
        eligible = []
        for candidate in candidates:
            candidate.unpaid_colegiaturas = counts.get(candidate.family["id"], 0)
            # PROFECO: a suspension notice only after three unpaid colegiaturas.
            if candidate.step["kind"] == StepKind.SUSPENSION_NOTICE and candidate.unpaid_colegiaturas < 3:
                result.suspension_not_eligible += 1
                continue
            eligible.append(candidate)
        candidates = eligible
    for candidate in candidates:
        candidate.key = invoice_set_key(candidate.step["offset_days"], [r["id"] for r in candidate.invoices])
    return candidates


def _values(candidate: _Candidate, *, as_of: date, school: School) -> dict:
    language = candidate.policy.language
    first_due = min(row["due_date"] for row in candidate.invoices)
    due_word = "vence" if language == "es" else "due"
    # A suspension notice lists everything owed (the unpaid colegiaturas it counts among them).
    listed = candidate.family_invoices if candidate.step["kind"] == StepKind.SUSPENSION_NOTICE else None
    lines = [
        f"- {row['number']} · {row['description']} ({row['student__first_name']}): {money(row['pending'])}, "
        f"{due_word} {date_short(row['due_date'], language)}"
        for row in (listed or candidate.invoices)
    ]
    suspension_date = as_of + timedelta(days=candidate.policy.suspension_notice_days)
    return {
        "family_name": candidate.family["name"],
        "school_name": school.name,
        "school_phone": school.phone or "",
        "school_email": school.email or "",
        "contact": _contact(school, language),
        "reference": candidate.family["reference"],
        "balance": money(candidate.balance),
        "amount_due": money(candidate.amount_due),
        "due_date": date_long(first_due, language),
        "days": abs((as_of - first_due).days),
        "invoices": "\n".join(lines),
        "students": ", ".join(sorted({row["student__first_name"] for row in candidate.invoices})),
        "unpaid_colegiaturas": candidate.unpaid_colegiaturas,
        "suspension_date": date_long(suspension_date, language),
    }


def _contact(school: School, language: str) -> str:
    ways = [way for way in (school.phone, school.email) if way]
    if not ways:
        return ""
    return (" (" if language == "es" else " (") + " · ".join(ways) + ")"


_SPACES = re.compile(r"[ \t]+\n")


def _compose(candidate: _Candidate, *, as_of: date, school: School) -> None:
    """Subject, body and source of the message; AI text only when it passes every check."""
    policy, step = candidate.policy, candidate.step
    language, channel = policy.language, step["channel"]
    suspension = step["kind"] == StepKind.SUSPENSION_NOTICE
    values = _values(candidate, as_of=as_of, school=school)
    subject, body = templates.default_texts(channel=channel, language=language,
                                            offset_days=step["offset_days"], suspension=suspension)
    if step.get(f"body_{language}"):
        subject, body = step.get(f"subject_{language}", "") or subject, step[f"body_{language}"]
    candidate.subject = templates.render(subject, values).strip()
    candidate.body = _SPACES.sub("\n", templates.render(body, values)).strip()
    candidate.source = TextSource.TEMPLATE
    # Suspension notices are legal notices: always the reviewed template, never generated text.
    if policy.text_source == TextSource.AI and not suspension:
        written = _ai_text(candidate, values=values, as_of=as_of, school=school)
        if written is not None:
            candidate.subject, candidate.body, candidate.source = written


def _ai_text(candidate: _Candidate, *, values: dict, as_of: date, school: School):
    """The ai_agent's message (OpenAI, or its rules with no key) plus the reference and balance;
    None when it fails the PROFECO check (the template is used)."""
    language, channel = candidate.policy.language, candidate.step["channel"]
    offset = candidate.step["offset_days"]
    facts = CollectionFacts(
        student_name=candidate.family["name"], amount=candidate.amount_due,
        due_date=min(row["due_date"] for row in candidate.invoices), today=as_of, school_name=school.name,
        invoices=[OpenInvoice(number=r["number"], description=r["description"], amount=r["amount"],
                              paid_amount=r["paid_amount"], pending=r["pending"], due_date=r["due_date"],
                              status="OVERDUE" if r["due_date"] < as_of else "PENDING")
                  for r in candidate.invoices],
    )
    tone = "friendly" if offset <= 7 else "firm"
    message, source = collection_message_build(facts=facts, channel=channel, tone=tone, language=language)
    body = message["body"]
    payment_line = (f"Referencia de pago: {values['reference']}. Saldo total: {values['balance']}."
                    if language == "es" else
                    f"Payment reference: {values['reference']}. Total balance: {values['balance']}.")
    if values["reference"] not in body or values["balance"] not in body:
        body = f"{body}\n{payment_line}" if channel != Channel.SMS else f"{body} {payment_line}"
    subject = message.get("subject") or ""
    if not profeco.is_compliant(f"{subject}\n{body}"):
        logger.warning("reminder.ai_text_refused", family_id=str(candidate.family["id"]), source=source,
                       reasons=profeco.violations(f"{subject}\n{body}"))
        return None
    return subject, body, source.upper()


_PHONE_DIGITS = re.compile(r"\D+")


def normalize_phone(phone: str) -> str | None:
    """A Mexican number in E.164 (+52 and ten digits), or None when it cannot be one."""
    raw = (phone or "").strip()
    digits = _PHONE_DIGITS.sub("", raw)
    if len(digits) == 10:
        return f"+52{digits}"
    if len(digits) == 12 and digits.startswith("52"):
        return f"+{digits}"
    if raw.startswith("+") and 11 <= len(digits) <= 15:
        return f"+{digits}"
    return None


def _attachments(candidate: _Candidate) -> list[tuple[str, bytes, str]]:
    """The statement PDF of each child the reminder is about (the family statement when it exists)."""
    from accounting.documents import statement_filename, student_statement_pdf
    from accounting.selectors import Period
    from students.models import Student

    invoice_ids = [row["id"] for row in candidate.invoices]
    students = Student.objects.filter(invoices__id__in=invoice_ids).select_related("school").distinct()
    return [(statement_filename(student), student_statement_pdf(student, period=Period()), "application/pdf")
            for student in students]


def _recipient(candidate: _Candidate) -> str:
    """The family's address on the step's channel; "" when it has none."""
    family = candidate.family
    if candidate.step["channel"] == Channel.EMAIL:
        return family["email"] or ""
    return normalize_phone(family["phone"]) or ""


def _deliver(candidate: _Candidate, *, connection) -> str:
    """Hand the message to its channel; the provider's id, or ChannelError."""
    family, channel = candidate.family, candidate.step["channel"]
    if not candidate.recipient:
        if channel == Channel.EMAIL:
            raise channels.ChannelError("the family has no email address")
        raise channels.ChannelError(f"the family has no usable phone number ({family['phone']!r})")
    if channel == Channel.EMAIL:
        attachments = _attachments(candidate) if candidate.policy.attach_statement else []
        return channels.send_email(
            channels.EmailReminder(to=candidate.recipient, subject=candidate.subject, body=candidate.body,
                                   attachments=attachments, reply_to=candidate.policy.school.email or ""),
            connection=connection,
        )
    message = channels.TextMessage(to=candidate.recipient, body=candidate.body, channel=channel)
    return channels.send_text(message)


def _claim(candidates: list[_Candidate], *, as_of: date, token: uuid.UUID, result: RunResult) -> dict:
    """Take the rows these reminders will be recorded in; {key: row} of those this run may send.

    New reminders are inserted (a concurrent run's insert of the same row wins, and this run
    skips it); FAILED ones are taken back by a conditional update. SENT ones are skipped.
    """
    by_family_key = {(c.family["id"], c.step["offset_days"], c.key): c for c in candidates}
    existing = {}
    family_ids = sorted({identity[0] for identity in by_family_key}, key=str)
    for chunk in _chunks(family_ids, 1000):
        for row in Reminder.objects.filter(family_id__in=chunk).values(
            "id", "family_id", "step_offset", "invoice_set", "status"
        ):
            identity = (row["family_id"], row["step_offset"], row["invoice_set"])
            if identity in by_family_key:
                existing[identity] = row
    retry_ids = [row["id"] for row in existing.values() if row["status"] == ReminderStatus.FAILED]
    result.already_sent += sum(1 for row in existing.values() if row["status"] != ReminderStatus.FAILED)
    for chunk in _chunks(retry_ids, 500):
        Reminder.objects.filter(pk__in=chunk, status=ReminderStatus.FAILED).update(
            status=ReminderStatus.SENDING, claim=token, updated_at=timezone.now())
    # New rows are written with the message as it will leave, so recording the outcome afterwards
    # is a narrow update (status, time, provider id), not a rewrite of every column.
    new_rows = [
        Reminder(
            school_id=c.policy.school_id, family_id=c.family["id"], step_offset=c.step["offset_days"],
            kind=c.step["kind"], channel=c.step["channel"], invoice_set=c.key, status=ReminderStatus.SENDING,
            claim=token, **_content(c, as_of=as_of),
        )
        for identity, c in by_family_key.items() if identity not in existing
    ]
    Reminder.objects.bulk_create(new_rows, batch_size=1000, ignore_conflicts=True)
    claimed = {}
    for row in Reminder.objects.filter(claim=token, status=ReminderStatus.SENDING).only(
        "id", "family_id", "step_offset", "invoice_set", "attempts"
    ).iterator(chunk_size=2000):
        claimed[(row.family_id, row.step_offset, row.invoice_set)] = row
    retried = []
    for identity, row in claimed.items():
        if existing.get(identity):  # a FAILED row taken back: today's figures and text
            for name, value in _content(by_family_key[identity], as_of=as_of).items():
                setattr(row, name, value)
            retried.append(row)
    if retried:
        Reminder.objects.bulk_update(retried, list(_CONTENT_FIELDS), batch_size=200)
    return {identity: (row, by_family_key[identity]) for identity, row in claimed.items()}


_CONTENT_FIELDS = (
    "invoice_ids", "as_of", "amount_due", "balance", "recipient", "subject", "body", "text_source",
)


def _content(c: _Candidate, *, as_of: date) -> dict:
    return {
        "invoice_ids": [str(row["id"]) for row in c.invoices], "as_of": as_of, "amount_due": c.amount_due,
        "balance": c.balance, "recipient": c.recipient[:254], "subject": c.subject[:200], "body": c.body,
        "text_source": c.source,
    }


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def reminders_send(
    *, as_of: date | None = None, school_ids=None, family_ids=None, dry_run: bool = False,
) -> RunResult:
    """Send every reminder due on `as_of` (default today) under each school's active policy.

    At most once per family, step and invoice set (a unique row claimed before sending); families
    that opted out get nothing; a failure is recorded (FAILED, with the error) and retried by the
    next run. `dry_run` composes the messages and writes nothing. Sends happen outside any
    transaction; each row is written in short statements. Safe to run twice or concurrently.
    """
    started = time.monotonic()
    today = local_today()
    as_of = as_of or today
    if as_of > today:
        raise ValueError(f"as_of {as_of} is in the future (today is {today}).")
    result = RunResult(as_of=as_of, dry_run=dry_run)
    policies = ReminderPolicy.objects.filter(is_active=True).select_related("school").order_by("school__name")
    if school_ids is not None:
        policies = policies.filter(school_id__in=school_ids)
    if family_ids is not None:
        policies = policies.filter(school__families__in=family_ids).distinct()
    token = uuid.uuid4()
    connection = get_connection()
    for policy in policies:
        result.schools += 1
        candidates = _candidates(policy, as_of=as_of, family_ids=family_ids, result=result)
        if dry_run:
            for candidate in candidates:
                _compose(candidate, as_of=as_of, school=policy.school)
                _sample(result, candidate, recipient="")
                result.by_step[candidate.step["offset_days"]] += 1
            continue
        for candidate in candidates:
            _compose(candidate, as_of=as_of, school=policy.school)
            candidate.recipient = _recipient(candidate)
        claimed = _claim(candidates, as_of=as_of, token=token, result=result)
        _send_claimed(claimed, connection=connection, result=result)
    result.seconds = time.monotonic() - started
    logger.info("reminders_send.done", **result.as_dict())
    return result


def _sample(result: RunResult, candidate: _Candidate, *, recipient: str) -> None:
    offset = candidate.step["offset_days"]
    if offset not in result.samples:
        result.samples[offset] = {
            "channel": candidate.step["channel"], "kind": candidate.step["kind"], "recipient": recipient,
            "subject": candidate.subject, "body": candidate.body, "source": candidate.source,
        }


def _send_claimed(claimed: dict, *, connection, result: RunResult) -> None:
    sent, failed = [], []
    for row, candidate in claimed.values():
        try:
            provider_id = _deliver(candidate, connection=connection)
        except channels.ChannelError as exc:
            row.status, row.last_error = ReminderStatus.FAILED, str(exc)[:2000]
            row.attempts += 1
            failed.append(row)
            result.failed += 1
            logger.warning("reminder.failed", family_id=str(candidate.family["id"]),
                           step=candidate.step["offset_days"], error=row.last_error)
        else:
            row.provider_message_id = provider_id[:200]
            sent.append(row)
            result.sent += 1
            result.by_step[candidate.step["offset_days"]] += 1
            _sample(result, candidate, recipient=candidate.recipient)
        if len(sent) + len(failed) >= 1000:
            _record(sent, failed)
            sent, failed = [], []
    _record(sent, failed)


def _record(sent: list[Reminder], failed: list[Reminder]) -> None:
    """Write the outcomes: one UPDATE for the sent rows, their provider ids, then the failures."""
    now = timezone.now()
    if sent:
        Reminder.objects.filter(pk__in=[row.pk for row in sent]).update(
            status=ReminderStatus.SENT, sent_at=now, attempts=F("attempts") + 1, last_error="", claim=None,
            updated_at=now,
        )
        Reminder.objects.bulk_update(sent, ["provider_message_id"], batch_size=100)
    if failed:
        for row in failed:
            row.claim, row.updated_at = None, now
        Reminder.objects.bulk_update(failed, ["status", "last_error", "attempts", "claim", "updated_at"],
                                     batch_size=100)
