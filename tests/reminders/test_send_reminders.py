"""The reminder run: steps relative to the due date, at most once per family/step/invoice set,
opt-out, failures retried, PROFECO's rules, AI text with its fallback."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from billing.models import InvoiceStatus
from core.dates import local_today
from reminders import services
from reminders.channels import LocmemTextBackend
from reminders.models import Reminder, ReminderStatus, StepKind, TextSource
from reminders.services import reminders_send
from tests.billing.factories import InvoiceFactory
from tests.families.factories import FamilyFactory
from tests.schools.factories import SchoolFactory
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db

TODAY = local_today()


@pytest.fixture(autouse=True)
def _outboxes(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = settings.WHATSAPP_BACKEND = "reminders.channels.LocmemTextBackend"
    LocmemTextBackend.outbox.clear()
    yield
    LocmemTextBackend.outbox.clear()


@pytest.fixture
def school():
    school = SchoolFactory(name="Colegio Tepeyac", phone="55 5555 0101")
    services.default_policy_ensure(school_id=school.pk)
    return school


def family_with_invoice(school, *, due, amount="6900.00", paid="0.00", description="Colegiatura marzo 2026",
                        **family_fields):
    family = FamilyFactory(school=school, name="Ana Pérez Gómez", phone="55 1234 5678", **family_fields)
    student = StudentFactory(school=school, family=family, first_name="Luis")
    invoice = InvoiceFactory(student=student, amount=Decimal(amount), paid_amount=Decimal(paid), due_date=due,
                             description=description,
                             status=InvoiceStatus.OVERDUE if due < TODAY else InvoiceStatus.PENDING)
    return family, invoice


@pytest.mark.parametrize(("days_to_due", "offset", "channel"), [
    (3, -3, "EMAIL"), (0, 0, "SMS"), (-7, 7, "EMAIL"), (-15, 15, "WHATSAPP"), (-30, 30, "EMAIL"),
])
def test_each_step_sends_once_on_its_channel_with_reference_and_balance(school, days_to_due, offset, channel):
    family, invoice = family_with_invoice(school, due=TODAY + datetime.timedelta(days=days_to_due))

    result = reminders_send()

    assert result.sent == 1 and dict(result.by_step) == {offset: 1}
    reminder = Reminder.objects.get()
    assert (reminder.step_offset, reminder.channel, reminder.status) == (offset, channel, ReminderStatus.SENT)
    assert reminder.invoice_ids == [str(invoice.pk)]
    text = mail.outbox[0].body if channel == "EMAIL" else LocmemTextBackend.outbox[0].body
    assert family.reference in text and "$6,900.00" in text
    assert reminder.body == text
    if channel != "EMAIL":
        assert LocmemTextBackend.outbox[0].to == "+525512345678"


def test_a_second_run_sends_nothing(school):
    family_with_invoice(school, due=TODAY - datetime.timedelta(days=7))
    reminders_send()

    again = reminders_send()

    assert (again.sent, again.already_sent) == (0, 0)
    assert len(mail.outbox) == 1 and Reminder.objects.count() == 1


def test_an_invoice_between_steps_gets_its_latest_step_once(school):
    family_with_invoice(school, due=TODAY - datetime.timedelta(days=10))  # past +7, not yet +15

    reminders_send()
    reminders_send(as_of=TODAY)

    assert list(Reminder.objects.values_list("step_offset", flat=True)) == [7]


def test_nothing_before_the_first_step_or_for_paid_or_cancelled_invoices(school):
    family_with_invoice(school, due=TODAY + datetime.timedelta(days=4))
    family_with_invoice(school, due=TODAY - datetime.timedelta(days=7), paid="6900.00")
    _, cancelled = family_with_invoice(school, due=TODAY - datetime.timedelta(days=7))
    cancelled.status = InvoiceStatus.CANCELLED
    cancelled.save()

    assert reminders_send().sent == 0


def test_siblings_invoices_travel_in_one_reminder_to_the_family(school):
    family, first = family_with_invoice(school, due=TODAY - datetime.timedelta(days=7))
    sibling = StudentFactory(school=school, family=family, first_name="María")
    second = InvoiceFactory(student=sibling, amount=Decimal("5200.00"), due_date=first.due_date,
                            status=InvoiceStatus.OVERDUE)

    reminders_send()

    [sent] = mail.outbox
    assert first.number in sent.body and second.number in sent.body
    assert "$12,100.00" in sent.body
    assert sorted(Reminder.objects.get().invoice_ids) == sorted([str(first.pk), str(second.pk)])


def test_a_new_invoice_at_a_step_is_reminded_without_repeating_the_old_one(school):
    family, old = family_with_invoice(school, due=TODAY - datetime.timedelta(days=40))
    reminders_send()  # +30 for the old invoice
    new = InvoiceFactory(student=old.student, amount=Decimal("6900.00"),
                         due_date=TODAY - datetime.timedelta(days=30), status=InvoiceStatus.OVERDUE)

    reminders_send()  # the new one reaches +30 too: only it is the reminder's subject

    latest = Reminder.objects.order_by("created_at").last()
    assert latest.invoice_ids == [str(new.pk)]
    assert latest.balance == Decimal("13800.00")  # the message still states the whole balance


def test_families_that_opted_out_get_nothing(school):
    family_with_invoice(school, due=TODAY - datetime.timedelta(days=7), reminders_opt_out=True)

    result = reminders_send()

    assert (result.sent, result.opted_out) == (0, 1) and not mail.outbox and not Reminder.objects.exists()


def test_a_failed_send_is_recorded_and_retried_by_the_next_run(school, settings):
    family, _ = family_with_invoice(school, due=TODAY)  # step 0: SMS
    settings.SMS_BACKEND = "tests.reminders.test_channels.BrokenProvider"

    first = reminders_send()

    reminder = Reminder.objects.get()
    assert first.failed == 1 and reminder.status == ReminderStatus.FAILED
    assert reminder.last_error == "TimeoutError: provider down" and reminder.attempts == 1

    settings.SMS_BACKEND = "reminders.channels.LocmemTextBackend"
    second = reminders_send()

    reminder.refresh_from_db()
    assert second.sent == 1 and reminder.status == ReminderStatus.SENT and reminder.attempts == 2
    assert len(LocmemTextBackend.outbox) == 1 and Reminder.objects.count() == 1


def test_a_family_without_an_email_fails_with_the_reason(school):
    family_with_invoice(school, due=TODAY - datetime.timedelta(days=7), email="")

    reminders_send()

    assert Reminder.objects.get().last_error == "the family has no email address"


def test_dry_run_writes_and_sends_nothing(school):
    family_with_invoice(school, due=TODAY - datetime.timedelta(days=7))

    result = reminders_send(dry_run=True)

    assert dict(result.by_step) == {7: 1} and result.samples[7]["body"]
    assert not Reminder.objects.exists() and not mail.outbox


def test_a_row_claimed_by_another_run_is_not_sent_again(school):
    family, invoice = family_with_invoice(school, due=TODAY - datetime.timedelta(days=7))
    Reminder.objects.create(  # what a concurrent run inserted a moment earlier
        school=school, family=family, step_offset=7, channel="EMAIL", invoice_ids=[str(invoice.pk)],
        invoice_set=services.invoice_set_key(7, [invoice.pk]), as_of=TODAY, amount_due=Decimal("6900.00"),
        balance=Decimal("6900.00"), status=ReminderStatus.SENDING,
    )

    result = reminders_send()

    assert result.sent == 0 and not mail.outbox and Reminder.objects.count() == 1


def test_inactive_policy_sends_nothing(school):
    family_with_invoice(school, due=TODAY - datetime.timedelta(days=7))
    school.reminder_policy.is_active = False
    school.reminder_policy.save()

    assert reminders_send().sent == 0


def test_english_policy_writes_english(school):
    school.reminder_policy.language = "en"
    school.reminder_policy.save()
    family, _ = family_with_invoice(school, due=TODAY - datetime.timedelta(days=7))

    reminders_send()

    assert mail.outbox[0].subject == "Overdue balance – Colegio Tepeyac"
    assert f"Payment reference: {family.reference}" in mail.outbox[0].body


def test_a_custom_template_is_used(school):
    policy = school.reminder_policy
    policy.steps = services.steps_validate([{
        "offset_days": 7, "channel": "EMAIL", "subject_es": "Aviso {family_name}",
        "body_es": "Debe {balance}. Ref {reference}. {school_name}",
    }])
    policy.save()
    family, _ = family_with_invoice(school, due=TODAY - datetime.timedelta(days=7))

    reminders_send()

    assert mail.outbox[0].subject == "Aviso Ana Pérez Gómez"
    assert mail.outbox[0].body == f"Debe $6,900.00. Ref {family.reference}. Colegio Tepeyac"


def test_statement_pdf_is_attached_when_the_policy_says_so(school):
    school.reminder_policy.attach_statement = True
    school.reminder_policy.save()
    family_with_invoice(school, due=TODAY - datetime.timedelta(days=7))

    reminders_send()

    [(filename, content, mime_type)] = mail.outbox[0].attachments
    assert filename.endswith(".pdf") and content.startswith(b"%PDF-") and mime_type == "application/pdf"


def test_send_reminders_command_prints_the_summary_and_each_step(school):
    family_with_invoice(school, due=TODAY - datetime.timedelta(days=7))
    out = StringIO()

    call_command("send_reminders", "--show", stdout=out)

    assert "1 reminders sent" in out.getvalue() and "=== step +7 · EMAIL" in out.getvalue()


def test_send_reminders_command_refuses_a_future_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="in the future"):
        call_command("send_reminders", "--as-of", (TODAY + datetime.timedelta(days=1)).isoformat())


# --- PROFECO -----------------------------------------------------------------------------------

def _suspension_policy(school):
    policy = school.reminder_policy
    policy.steps = services.steps_validate([
        {"offset_days": 7, "channel": "EMAIL"},
        {"offset_days": 60, "channel": "EMAIL", "kind": StepKind.SUSPENSION_NOTICE},
    ])
    policy.save()


def test_suspension_notice_needs_three_unpaid_colegiaturas(school):
    _suspension_policy(school)
    family, first = family_with_invoice(school, due=TODAY - datetime.timedelta(days=60))
    InvoiceFactory(student=first.student, due_date=TODAY - datetime.timedelta(days=30),
                   description="Colegiatura abril 2026", status=InvoiceStatus.OVERDUE)

    result = reminders_send()

    assert result.suspension_not_eligible == 1
    assert not Reminder.objects.filter(kind=StepKind.SUSPENSION_NOTICE).exists()


def test_suspension_notice_after_three_unpaid_colegiaturas_gives_fifteen_days(school):
    _suspension_policy(school)
    family, first = family_with_invoice(school, due=TODAY - datetime.timedelta(days=60))
    for days in (45, 20):
        InvoiceFactory(student=first.student, due_date=TODAY - datetime.timedelta(days=days),
                       description="Colegiatura abril 2026", status=InvoiceStatus.OVERDUE)

    reminders_send()

    notice = Reminder.objects.get(kind=StepKind.SUSPENSION_NOTICE)
    suspension_day = TODAY + datetime.timedelta(days=15)
    assert "3 colegiaturas vencidas" in notice.body
    assert f"{suspension_day.day} de" in notice.body and str(suspension_day.year) in notice.body
    assert services.profeco.is_compliant(notice.body, suspension_notice=True)


def test_non_tuition_debts_never_make_a_suspension_notice(school):
    _suspension_policy(school)
    family, first = family_with_invoice(school, due=TODAY - datetime.timedelta(days=60),
                                        description="Transporte marzo")
    for days in (45, 20):
        InvoiceFactory(student=first.student, due_date=TODAY - datetime.timedelta(days=days),
                       description="Uniformes", status=InvoiceStatus.OVERDUE)

    assert reminders_send().suspension_not_eligible == 1


def test_suspension_notice_days_below_fifteen_are_refused(school):
    with pytest.raises(services.InvalidPolicy) as refused:
        services.policy_update(policy_id=school.reminder_policy.pk, suspension_notice_days=10)

    assert "suspension_notice_days" in refused.value.fields


@pytest.mark.parametrize("threat", [
    "Si no paga {balance} (ref {reference}), retendremos la boleta de calificaciones.",
    "Ref {reference}: sin el pago de {balance} su hijo no podrá presentar los exámenes finales.",
    "Saldo {balance}, ref {reference}. Los documentos no serán entregados hasta liquidar.",
    "Balance {balance}, ref {reference}. We will withhold the report card until you pay.",
    "Balance {balance}, ref {reference}. Your child will not be allowed to sit the final exams.",
])
def test_a_template_threatening_documents_grades_or_exams_is_refused(threat):
    with pytest.raises(services.ProfecoViolation) as refused:
        services.steps_validate([{"offset_days": 7, "channel": "EMAIL", "body_es": threat}])

    assert refused.value.code == "profeco_violation"
    assert "PROFECO" in refused.value.fields["steps[0]"][0]


def test_only_a_suspension_notice_may_mention_a_suspension():
    with pytest.raises(services.ProfecoViolation):
        services.steps_validate([{"offset_days": 7, "channel": "SMS",
                                  "body_es": "Saldo {balance}, ref {reference}: suspenderemos el servicio."}])


def test_every_built_in_template_passes_the_profeco_check():
    from reminders import templates

    for language in ("es", "en"):
        for key, (subject, body) in templates.EMAIL[language].items():
            assert services.profeco.is_compliant(subject + body, suspension_notice=key == "suspension")
        for key, body in templates.TEXT[language].items():
            assert services.profeco.is_compliant(body, suspension_notice=key == "suspension")


@pytest.mark.parametrize("bad_step, field_error", [
    ({"offset_days": 7, "channel": "FAX"}, "channel"),
    ({"offset_days": 9999, "channel": "EMAIL"}, "offset_days"),
    ({"offset_days": 0, "channel": "EMAIL", "kind": "SUSPENSION_NOTICE"}, "after the due date"),
    ({"offset_days": 7, "channel": "EMAIL", "body_es": "Pague ya"}, "{reference} and {balance}"),
    ({"offset_days": 7, "channel": "EMAIL", "body_es": "{balance} {reference} {nope}"}, "unknown placeholder"),  # noqa: E501
    ({"offset_days": 7, "channel": "EMAIL", "body_es": "{balance} {reference} {"}, "malformed"),
])
def test_bad_steps_are_refused_naming_the_problem(bad_step, field_error):
    with pytest.raises(services.InvalidPolicy) as refused:
        services.steps_validate([bad_step])

    assert field_error in " ".join(refused.value.fields["steps[0]"])


# --- AI-written text -----------------------------------------------------------------------------

def test_ai_policy_without_a_key_sends_the_rules_text_with_reference_and_balance(school, settings):
    settings.OPENAI_API_KEY = None
    school.reminder_policy.text_source = TextSource.AI
    school.reminder_policy.save()
    family, _ = family_with_invoice(school, due=TODAY - datetime.timedelta(days=7))

    reminders_send()

    reminder = Reminder.objects.get()
    assert reminder.text_source == "RULES"
    assert family.reference in reminder.body and "$6,900.00" in reminder.body


def test_ai_text_that_threatens_documents_falls_back_to_the_template(school, monkeypatch):
    school.reminder_policy.text_source = TextSource.AI
    school.reminder_policy.save()
    family, _ = family_with_invoice(school, due=TODAY - datetime.timedelta(days=7))

    def threatening(**kwargs):
        return ({"subject": "Pago", "body": "Pague $6,900.00 o retendremos las calificaciones de su hijo."},
                "openai")

    monkeypatch.setattr(services, "collection_message_build", threatening)

    reminders_send()

    reminder = Reminder.objects.get()
    assert reminder.text_source == TextSource.TEMPLATE
    assert "calificaciones" not in reminder.body and family.reference in reminder.body
