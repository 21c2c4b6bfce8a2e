"""reminder-policies and reminders (the log): ADMINs of the school only; errors in the API's shape."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail

from billing.models import InvoiceStatus
from core.dates import local_today
from reminders import services
from reminders.models import Reminder, ReminderPolicy, ReminderStatus
from tests.billing.factories import InvoiceFactory
from tests.conftest import authenticated_client, member
from tests.families.factories import FamilyFactory
from tests.schools.factories import SchoolFactory
from tests.students.factories import StudentFactory
from users.models import Role

pytestmark = pytest.mark.django_db

STEPS = [{"offset_days": -3, "channel": "EMAIL"}, {"offset_days": 7, "channel": "SMS"}]


@pytest.fixture
def school():
    return SchoolFactory()


def test_admin_creates_a_policy_and_reads_it_back(school, school_admin):
    response = school_admin.post("/api/v1/reminder-policies", {"school_id": str(school.pk), "steps": STEPS},
                          format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["school_id"] == str(school.pk) and body["language"] == "es"
    assert [(s["offset_days"], s["channel"], s["kind"]) for s in body["steps"]] == [
        (-3, "EMAIL", "REMINDER"), (7, "SMS", "REMINDER"),
    ]
    assert school_admin.get(f"/api/v1/reminder-policies/{body['id']}").json() == body


def test_a_second_policy_for_the_school_is_a_409(school, school_admin):
    services.default_policy_ensure(school_id=school.pk)

    response = school_admin.post("/api/v1/reminder-policies", {"school_id": str(school.pk), "steps": STEPS},
                          format="json")

    assert response.status_code == 409 and response.json()["code"] == "reminder_policy_exists"


def test_a_threatening_template_is_a_400_profeco_violation_and_writes_nothing(school, school_admin):
    steps = [{"offset_days": 7, "channel": "EMAIL",
              "body_es": "Debe {balance} (ref. {reference}); retendremos la boleta de su hijo."}]

    response = school_admin.post("/api/v1/reminder-policies", {"school_id": str(school.pk), "steps": steps},
                          format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "profeco_violation" and "steps[0]" in response.json()["fields"]
    assert not ReminderPolicy.objects.exists()


@pytest.mark.parametrize(("body", "field"), [
    ({"steps": []}, "steps"),
    ({"steps": [{"offset_days": 7, "channel": "FAX"}]}, "steps"),
    ({"steps": STEPS, "suspension_notice_days": 10}, "suspension_notice_days"),
    ({"steps": STEPS, "colour": "red"}, "colour"),
    ({"steps": [{"offset_days": 7, "channel": "SMS"}, {"offset_days": 7, "channel": "EMAIL"}]}, "steps"),
])
def test_bad_policies_are_400_naming_the_field(school, school_admin, body, field):
    response = school_admin.post(
        "/api/v1/reminder-policies", {"school_id": str(school.pk), **body}, format="json"
    )

    assert response.status_code == 400 and field in response.json()["fields"]
    assert not ReminderPolicy.objects.exists()


def test_patch_changes_only_what_is_sent(school, school_admin):
    policy = services.default_policy_ensure(school_id=school.pk)

    response = school_admin.patch(f"/api/v1/reminder-policies/{policy.pk}", {"language": "en"}, format="json")

    assert response.status_code == 200 and response.json()["language"] == "en"
    policy.refresh_from_db()
    assert len(policy.steps) == len(services.DEFAULT_STEPS)


def test_accountants_and_viewers_get_403_and_other_schools_404(school, accountant):
    policy = services.default_policy_ensure(school_id=school.pk)
    outsider = authenticated_client(member(SchoolFactory(), Role.ADMIN))

    assert accountant.get(f"/api/v1/reminder-policies/{policy.pk}").status_code == 403
    assert accountant.post("/api/v1/reminder-policies", {"school_id": str(school.pk), "steps": STEPS},
                           format="json").status_code == 403
    assert accountant.get("/api/v1/reminder-policies").json()["count"] == 0
    assert outsider.get(f"/api/v1/reminder-policies/{policy.pk}").status_code == 404
    assert outsider.patch(f"/api/v1/reminder-policies/{policy.pk}", {"is_active": False},
                          format="json").status_code == 404


def test_delete_stops_reminders_and_keeps_the_log(school, school_admin, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    policy = services.default_policy_ensure(school_id=school.pk)
    _family_owing(school, days_late=7)
    services.reminders_send()

    assert school_admin.delete(f"/api/v1/reminder-policies/{policy.pk}").status_code == 204
    assert Reminder.objects.count() == 1 and not ReminderPolicy.objects.exists()


def _family_owing(school, *, days_late: int, **fields):
    family = FamilyFactory(school=school, phone="5512345678", **fields)
    student = StudentFactory(school=school, family=family)
    InvoiceFactory(student=student, amount=Decimal("1500.00"),
                   due_date=local_today() - datetime.timedelta(days=days_late), status=InvoiceStatus.OVERDUE)
    return family


def test_reminder_log_filters_by_family_and_status(school, school_admin, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    services.default_policy_ensure(school_id=school.pk)
    sent_to = _family_owing(school, days_late=7)
    failed_for = _family_owing(school, days_late=7, email="")
    services.reminders_send()

    by_family = school_admin.get("/api/v1/reminders", {"family_id": str(sent_to.pk)}).json()
    failed = school_admin.get("/api/v1/reminders", {"status": "FAILED"}).json()

    assert by_family["count"] == 1
    row = by_family["results"][0]
    assert (row["status"], row["step_offset"], row["channel"]) == ("SENT", 7, "EMAIL")
    assert row["amount_due"] == 1500 and sent_to.reference in row["body"]
    assert row["body"] == mail.outbox[0].body
    assert [r["family_id"] for r in failed["results"]] == [str(failed_for.pk)]
    assert failed["results"][0]["last_error"] == "the family has no email address"
    assert school_admin.get(f"/api/v1/reminders/{row['id']}").json() == row


def test_reminder_log_is_for_admins(school, settings, viewer):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    services.default_policy_ensure(school_id=school.pk)
    _family_owing(school, days_late=7)
    services.reminders_send()
    reminder = Reminder.objects.get()

    assert viewer.get("/api/v1/reminders").json()["count"] == 0
    assert viewer.get(f"/api/v1/reminders/{reminder.pk}").status_code == 403
    assert reminder.status == ReminderStatus.SENT


@pytest.mark.parametrize("query", [{"status": "LOST"}, {"family_id": "nope"}, {"ordering": "body"}])
def test_bad_log_filters_are_400(school_admin, query):
    response = school_admin.get("/api/v1/reminders", query)

    assert response.status_code == 400 and response.json()["code"] == "validation_error"
