"""Back office: the reminder log and policies for a school's ADMINs; "send now" for a family."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from billing.models import InvoiceStatus
from core.dates import local_today
from reminders import services
from reminders.models import Reminder, ReminderPolicy
from tests.backoffice.conftest import client_for, staff_member
from tests.billing.factories import InvoiceFactory
from tests.families.factories import FamilyFactory
from tests.schools.factories import SchoolFactory
from tests.students.factories import StudentFactory
from users.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def school():
    school = SchoolFactory()
    services.default_policy_ensure(school_id=school.pk)
    return school


def owing_family(school):
    family = FamilyFactory(school=school)
    InvoiceFactory(student=StudentFactory(school=school, family=family), amount=Decimal("900.00"),
                   due_date=local_today() - datetime.timedelta(days=7), status=InvoiceStatus.OVERDUE)
    return family


def test_send_now_on_the_families_list_sends_that_familys_due_reminder_once(school):
    family, other = owing_family(school), owing_family(school)
    client = client_for(staff_member((school, Role.ADMIN)))
    url = reverse("admin:families_family_changelist")

    response = client.post(url, {"action": "send_family_reminders_now", "_selected_action": [str(family.pk)]},
                           follow=True)
    again = client.post(url, {"action": "send_family_reminders_now", "_selected_action": [str(family.pk)]},
                        follow=True)

    assert "1 reminder sent" in response.content.decode()
    assert "Nothing is due" in again.content.decode()
    assert [m.to for m in mail.outbox] == [[family.email]]
    assert not Reminder.objects.filter(family=other).exists()


def test_the_log_is_shown_to_admins_only(school):
    owing_family(school)
    services.reminders_send()
    admin_client = client_for(staff_member((school, Role.ADMIN)))
    accountant_client = client_for(staff_member((school, Role.ACCOUNTANT)))
    url = reverse("admin:reminders_reminder_changelist")

    assert admin_client.get(url).context["cl"].result_count == 1
    assert accountant_client.get(url).status_code == 403
    assert "send_family_reminders_now" not in accountant_client.get(
        reverse("admin:families_family_changelist")).content.decode()


def test_a_policy_text_that_breaks_profeco_is_refused_in_the_admin(school):
    policy = ReminderPolicy.objects.get(school=school)
    client = client_for(staff_member((school, Role.ADMIN)))
    steps = ('[{"offset_days": 7, "channel": "EMAIL", '
             '"body_es": "{balance} {reference}: retendremos su boleta"}]')

    response = client.post(reverse("admin:reminders_reminderpolicy_change", args=[policy.pk]), {
        "is_active": "on", "language": "es", "text_source": "TEMPLATE", "suspension_notice_days": "15",
        "steps": steps,
    }, follow=True)

    policy.refresh_from_db()
    assert len(policy.steps) == len(services.DEFAULT_STEPS)
    assert "consumer rules for school collections (PROFECO)" in response.content.decode()
