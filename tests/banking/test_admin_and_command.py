"""The admin's upload + summary and review queue, and manage.py import_bank_statement."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from banking.models import BankAccount, BankLine, BankLineStatus
from billing import services as billing_services
from billing.models import Payment
from tests.backoffice.conftest import client_for, staff_member
from tests.banking.factories import CLABE_BBVA, BankAccountFactory, csv_file
from tests.students.factories import StudentFactory
from users.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _yesterday() -> str:
    return (date.today() - timedelta(days=1)).strftime("%d/%m/%Y")


def test_admin_upload_shows_the_import_summary(school):
    account = BankAccountFactory(school=school)
    client = client_for(staff_member((school, Role.ACCOUNTANT)))
    url = reverse("admin:banking_bankaccount_import", args=[account.pk])
    content = csv_file([f"{_yesterday()},DEP A,,1000.00", f"{_yesterday()},FEE,,-3.00"])
    response = client.post(url, {"file": SimpleUploadedFile("nov.csv", content)})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="import-summary"' in page
    assert response.context["outcome"].statement.imported == 1
    assert BankLine.objects.count() == 1


def test_admin_upload_of_a_bad_file_lists_the_lines_and_imports_nothing(school):
    account = BankAccountFactory(school=school)
    client = client_for(staff_member((school, Role.ACCOUNTANT)))
    url = reverse("admin:banking_bankaccount_import", args=[account.pk])
    response = client.post(url, {"file": SimpleUploadedFile("bad.csv", csv_file(["99/99/2026,X,,1.00"]))})
    page = response.content.decode()
    assert 'id="import-refusal"' in page and "line 2:" in page
    assert not BankLine.objects.exists()


def test_admin_review_confirms_a_suggestion_once(school):
    account = BankAccountFactory(school=school)
    student = StudentFactory(school=school, first_name="Ana", last_name="Torres")
    billing_services.invoice_create(student_id=student.pk, amount=Decimal("800.00"), due_date=date.today())
    client = client_for(staff_member((school, Role.ACCOUNTANT)))
    client.post(
        reverse("admin:banking_bankaccount_import", args=[account.pk]),
        {"file": SimpleUploadedFile("n.csv", csv_file([f"{_yesterday()},SPEI ANA TORRES,,800.00"]))},
    )
    line = BankLine.objects.get(status=BankLineStatus.SUGGESTED)
    queue = client.get(reverse("admin:banking_bankline_changelist"))
    assert line in queue.context["cl"].result_list
    page = client.get(reverse("admin:banking_bankline_change", args=[line.pk])).content.decode()
    assert "Confirm the suggestion" in page
    decide = reverse("admin:banking_bankline_decide", args=[line.pk])
    client.post(decide, {"_confirm": "1"})
    client.post(decide, {"_confirm": "1"})  # the double click
    line.refresh_from_db()
    assert line.status == BankLineStatus.MATCHED
    assert Payment.objects.count() == 1


def test_admin_ignore_needs_a_reason(school):
    account = BankAccountFactory(school=school)
    client = client_for(staff_member((school, Role.ACCOUNTANT)))
    client.post(
        reverse("admin:banking_bankaccount_import", args=[account.pk]),
        {"file": SimpleUploadedFile("n.csv", csv_file([f"{_yesterday()},TRASPASO,,50.00"]))},
    )
    line = BankLine.objects.get()
    decide = reverse("admin:banking_bankline_decide", args=[line.pk])
    client.post(decide, {"_ignore": "1", "reason": ""})
    line.refresh_from_db()
    assert line.status == BankLineStatus.UNMATCHED
    client.post(decide, {"_ignore": "1", "reason": "Traspaso entre cuentas"})
    line.refresh_from_db()
    assert (line.status, line.ignore_reason) == (BankLineStatus.IGNORED, "Traspaso entre cuentas")


def test_a_viewer_sees_the_queue_but_cannot_decide_or_upload(school):
    account = BankAccountFactory(school=school)
    client = client_for(staff_member((school, Role.VIEWER)))
    response = client.post(
        reverse("admin:banking_bankaccount_import", args=[account.pk]),
        {"file": SimpleUploadedFile("n.csv", csv_file([f"{_yesterday()},X,,5.00"]))},
    )
    assert response.status_code == 302
    assert not BankLine.objects.exists()
    assert client.get(reverse("admin:banking_bankline_changelist")).status_code == 200


def test_admin_adds_an_account_through_the_service_and_checks_the_clabe(school):
    client = client_for(staff_member((school, Role.ACCOUNTANT)))
    url = reverse("admin:banking_bankaccount_add")
    bad = client.post(
        url,
        {"school": school.pk, "clabe": "012180001234567890", "csv_profile": "GENERIC", "csv_mapping": "{}"},
    )
    assert bad.status_code == 200 and not BankAccount.objects.exists()
    client.post(
        url,
        {
            "school": school.pk,
            "clabe": CLABE_BBVA,
            "name": "Cuenta",
            "csv_profile": "GENERIC",
            "csv_mapping": "{}",
        },
    )
    assert BankAccount.objects.get().bank == "BBVA Mexico"


def test_command_imports_a_file_and_reports_counts(tmp_path, capsys):
    account = BankAccountFactory()
    path = tmp_path / "nov.csv"
    path.write_bytes(csv_file([f"{_yesterday()},DEP,,10.00", f"{_yesterday()},FEE,,-1.00"]))
    call_command("import_bank_statement", str(path), "--account", str(account.pk))
    out = capsys.readouterr().out
    assert "1 imported, 0 duplicates, 1 skipped" in out
    call_command("import_bank_statement", str(path), "--clabe", account.clabe)
    assert "0 imported, 1 duplicates" in capsys.readouterr().out


def test_command_reports_per_line_errors_and_exits_non_zero(tmp_path):
    account = BankAccountFactory()
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_file(["05/11/2026,DEP,,1,5"]))
    with pytest.raises(CommandError, match="statement_lines_invalid"):
        call_command("import_bank_statement", str(path), "--account", str(account.pk))
    with pytest.raises(CommandError, match="No bank account"):
        call_command("import_bank_statement", str(path), "--account", "nope")
