"""The bank endpoints: roles, scoping (404 outside your schools), status codes and error codes."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from banking.models import BankAccount, BankLine, BankLineStatus, BankStatement
from billing import services as billing_services
from billing.models import Payment
from tests.banking.factories import CLABE_BANORTE, CLABE_BBVA, BankAccountFactory, csv_file
from tests.banking.files import ofx_file
from tests.conftest import authenticated_client, member
from tests.students.factories import StudentFactory
from users.models import Role

pytestmark = pytest.mark.django_db


def upload(client, account, content: bytes, name="nov.csv", **extra):
    return client.post(
        f"/api/v1/bank-accounts/{account.pk}/statements",
        {"file": SimpleUploadedFile(name, content), **extra},
        format="multipart",
    )


# --- accounts ------------------------------------------------------------------------------------


def test_an_accountant_registers_a_bank_account_and_the_bank_comes_from_the_clabe(school, accountant):
    response = accountant.post(
        "/api/v1/bank-accounts", {"school_id": str(school.pk), "clabe": CLABE_BBVA, "name": "Colegiaturas"}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["bank"], body["currency"], body["csv_profile"]) == ("BBVA Mexico", "MXN", "GENERIC")
    assert body["csv_mapping"] == {}


def test_a_clabe_with_a_wrong_control_digit_is_a_400_naming_the_field(school, accountant):
    response = accountant.post(
        "/api/v1/bank-accounts", {"school_id": str(school.pk), "clabe": CLABE_BBVA[:-1] + "0"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "clabe" in response.json()["fields"]
    assert not BankAccount.objects.exists()


def test_a_custom_mapping_must_name_the_columns_it_needs(school, accountant):
    response = accountant.post(
        "/api/v1/bank-accounts",
        {
            "school_id": str(school.pk),
            "clabe": CLABE_BBVA,
            "csv_profile": "CUSTOM",
            "csv_mapping": {"date": "F"},
        },
    )
    assert response.status_code == 400
    assert "csv_mapping" in response.json()["fields"]


def test_the_same_clabe_twice_in_a_school_is_a_409(school, accountant):
    BankAccountFactory(school=school, clabe=CLABE_BBVA)
    response = accountant.post("/api/v1/bank-accounts", {"school_id": str(school.pk), "clabe": CLABE_BBVA})
    assert (response.status_code, response.json()["code"]) == (409, "bank_account_exists")


def test_a_viewer_reads_but_cannot_write(school, viewer):
    account = BankAccountFactory(school=school)
    assert viewer.get("/api/v1/bank-accounts").json()["count"] == 1
    response = viewer.post("/api/v1/bank-accounts", {"school_id": str(school.pk), "clabe": CLABE_BANORTE})
    assert response.status_code == 403
    assert upload(viewer, account, csv_file(["05/11/2026,X,,10.00"])).status_code == 403
    assert viewer.patch(f"/api/v1/bank-accounts/{account.pk}", {"name": "x"}).status_code == 403


def test_another_schools_accounts_and_lines_are_invisible(school, other_school, accountant):
    foreign = BankAccountFactory(school=other_school)
    assert accountant.get("/api/v1/bank-accounts").json()["count"] == 0
    assert accountant.get(f"/api/v1/bank-accounts/{foreign.pk}").status_code == 404
    assert upload(accountant, foreign, csv_file(["05/11/2026,X,,10.00"])).status_code == 404
    response = accountant.post(
        "/api/v1/bank-accounts", {"school_id": str(other_school.pk), "clabe": CLABE_BANORTE}
    )
    assert response.status_code == 404


def test_an_account_can_switch_to_a_bank_profile_but_never_change_its_clabe(school, accountant):
    account = BankAccountFactory(school=school)
    response = accountant.patch(f"/api/v1/bank-accounts/{account.pk}", {"csv_profile": "BANORTE"})
    assert (response.status_code, response.json()["csv_profile"]) == (200, "BANORTE")
    response = accountant.patch(f"/api/v1/bank-accounts/{account.pk}", {"clabe": CLABE_BANORTE})
    assert response.status_code == 400
    assert response.json()["fields"] == {"clabe": ["Unknown field."]}


# --- statements ----------------------------------------------------------------------------------


def test_uploading_a_statement_answers_its_counts(school, accountant):
    account = BankAccountFactory(school=school)
    response = upload(accountant, account, csv_file(["05/11/2026,DEP A,,1000.00", "06/11/2026,FEE,,-5.00"]))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {
        k: body[k]
        for k in ("format", "imported", "duplicates", "skipped", "matched", "suggested", "unmatched")
    } == {
        "format": "CSV",
        "imported": 1,
        "duplicates": 0,
        "skipped": 1,
        "matched": 0,
        "suggested": 0,
        "unmatched": 1,
    }
    assert body["total_deposits"] == 1000.00
    assert body["skipped_lines"] == [{"line": 3, "reason": "withdrawal: only deposits are imported"}]
    again = upload(
        accountant, account, csv_file(["05/11/2026,DEP A,,1000.00", "06/11/2026,FEE,,-5.00"])
    ).json()
    assert (again["imported"], again["duplicates"]) == (0, 1)
    listed = accountant.get(f"/api/v1/bank-accounts/{account.pk}/statements").json()
    assert listed["count"] == 2


def test_a_bad_file_is_a_400_with_per_line_errors_and_imports_nothing(school, accountant):
    account = BankAccountFactory(school=school)
    response = upload(accountant, account, csv_file(["05/11/2026,OK,,10.00", "32/11/2026,BAD,,10.00"]))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "statement_lines_invalid"
    assert body["fields"]["file"][0].startswith("line 3:")
    assert not BankStatement.objects.exists() and not BankLine.objects.exists()


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "validation_error"),  # DRF refuses an empty upload before the parser sees it
        (b"\n\n", "statement_empty"),
        (b"Date;Amount\n2026-01-01;5\n", "statement_columns_unknown"),
    ],
)
def test_empty_and_unknown_files_are_400s(school, content, code, accountant):
    account = BankAccountFactory(school=school)
    response = upload(accountant, account, content)
    assert (response.status_code, response.json()["code"]) == (400, code)


def test_another_accounts_ofx_is_refused(school, accountant):
    account = BankAccountFactory(school=school, clabe=CLABE_BBVA)
    response = upload(accountant, account, ofx_file(account="072180009999999999"), name="x.ofx")
    assert (response.status_code, response.json()["code"]) == (400, "statement_account_mismatch")


def test_a_json_body_is_a_415_and_a_missing_file_a_400(school, accountant):
    account = BankAccountFactory(school=school)
    response = accountant.post(f"/api/v1/bank-accounts/{account.pk}/statements", {"file": "x"}, format="json")
    assert (response.status_code, response.json()["code"]) == (415, "unsupported_media_type")
    response = accountant.post(f"/api/v1/bank-accounts/{account.pk}/statements", {}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["fields"]


# --- lines and the review queue -------------------------------------------------------------------


@pytest.fixture
def queue(school):
    """One suggested line (María González, 3,500.00) and one unmatched line."""
    account = BankAccountFactory(school=school)
    student = StudentFactory(school=school, first_name="María", last_name="González")
    invoice = billing_services.invoice_create(
        student_id=student.pk, amount=Decimal("3500.00"), due_date=date.today() + timedelta(days=3)
    )
    yesterday = (date.today() - timedelta(days=1)).strftime("%d/%m/%Y")
    client = authenticated_client(member(school, Role.ACCOUNTANT))
    upload(
        client,
        account,
        csv_file([f"{yesterday},SPEI MARIA GONZALEZ,R1,3500.00", f"{yesterday},DEPOSITO,R2,99.00"]),
    )
    return {
        "client": client,
        "invoice": invoice,
        "suggested": BankLine.objects.get(status=BankLineStatus.SUGGESTED),
        "unmatched": BankLine.objects.get(status=BankLineStatus.UNMATCHED),
    }


def test_bank_lines_filter_by_status(queue, django_assert_max_num_queries):
    client = queue["client"]
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/bank-lines?status=SUGGESTED").json()
    assert [row["id"] for row in body["results"]] == [str(queue["suggested"].pk)]
    assert body["results"][0]["suggested_invoice_id"] == str(queue["invoice"].pk)
    assert client.get("/api/v1/bank-lines?status=NOPE").status_code == 400


def test_confirming_over_the_api_makes_one_payment_and_a_retry_is_a_409(queue):
    client, line = queue["client"], queue["suggested"]
    response = client.post(f"/api/v1/bank-lines/{line.pk}/confirm", {})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "MATCHED"
    payment = Payment.objects.get()
    assert response.json()["payment_id"] == str(payment.pk)
    retry = client.post(f"/api/v1/bank-lines/{line.pk}/confirm", {})
    assert (retry.status_code, retry.json()["code"]) == (409, "bank_line_already_matched")
    assert Payment.objects.count() == 1


def test_confirming_against_an_invoice_id(queue):
    client, line = queue["client"], queue["unmatched"]
    response = client.post(f"/api/v1/bank-lines/{line.pk}/confirm", {"invoice_id": str(queue["invoice"].pk)})
    assert response.status_code == 200
    assert Payment.objects.get().amount == Decimal("99.00")


def test_confirm_with_an_unknown_invoice_is_a_404_and_a_malformed_id_a_400(queue):
    client, line = queue["client"], queue["unmatched"]
    response = client.post(f"/api/v1/bank-lines/{line.pk}/confirm", {"invoice_id": str(uuid.uuid4())})
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    response = client.post(f"/api/v1/bank-lines/{line.pk}/confirm", {"invoice_id": "nope"})
    assert response.status_code == 400 and "invoice_id" in response.json()["fields"]


def test_ignoring_over_the_api(queue):
    client, line = queue["client"], queue["unmatched"]
    assert client.post(f"/api/v1/bank-lines/{line.pk}/ignore", {}).status_code == 400
    response = client.post(f"/api/v1/bank-lines/{line.pk}/ignore", {"reason": "Traspaso propio"})
    assert (response.status_code, response.json()["status"]) == (200, "IGNORED")
    again = client.post(f"/api/v1/bank-lines/{line.pk}/ignore", {"reason": "x"})
    assert (again.status_code, again.json()["code"]) == (409, "bank_line_already_ignored")


def test_a_viewer_cannot_decide_and_another_school_cannot_see(queue, other_school, viewer):
    line = queue["suggested"]
    assert viewer.get(f"/api/v1/bank-lines/{line.pk}").status_code == 200
    assert viewer.post(f"/api/v1/bank-lines/{line.pk}/confirm", {}).status_code == 403
    outsider = authenticated_client(member(other_school, Role.ADMIN))
    assert outsider.get(f"/api/v1/bank-lines/{line.pk}").status_code == 404
    assert outsider.post(f"/api/v1/bank-lines/{line.pk}/confirm", {}).status_code == 404
    assert outsider.get("/api/v1/bank-lines").json()["count"] == 0
    assert Payment.objects.count() == 0


def test_the_bank_endpoints_are_in_the_openapi_schema_with_their_errors(api_client):
    schema = api_client.get("/api/schema?format=json").json()
    paths = schema["paths"]
    imports = paths["/api/v1/bank-accounts/{account_id}/statements"]["post"]
    assert "multipart/form-data" in imports["requestBody"]["content"]
    assert {"201", "400", "401", "403", "404", "409", "415"} <= set(imports["responses"])
    confirm = paths["/api/v1/bank-lines/{line_id}/confirm"]["post"]
    assert {"200", "400", "403", "404", "409"} <= set(confirm["responses"])
    assert "/api/v1/bank-lines/{line_id}/ignore" in paths
    assert "/api/v1/bank-lines" in paths and "/api/v1/bank-accounts/{account_id}" in paths
