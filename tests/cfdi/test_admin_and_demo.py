"""CFDI pages of the back office (the profile's CSD upload, documents with their files and actions),
and the demo data's stamped documents."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from cfdi import build
from cfdi.demo import demo_cfdi_load
from cfdi.models import Document, FiscalProfile
from demo.seeding import seed_data_load
from reminders.demo import demo_reminders_prepare
from tests.backoffice.conftest import client_for, staff_member
from tests.cfdi.conftest import SCHOOL_RFC
from users.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def profile_form(school, csd, **changes):
    data = {
        "school": str(school.pk),
        "rfc": SCHOOL_RFC,
        "legal_name": "Escuela Kemper Urgate",
        "tax_regime": "603",
        "expedition_zip": "42501",
        "series": "A",
        "payment_series": "P",
        "key_password_env": "",
        "rvoe": '{"PRIMARIA": "PRI-0987/2015"}',
        "certificate_file": SimpleUploadedFile("csd.cer", csd.certificate),
        "key_file": SimpleUploadedFile("csd.key", csd.key),
    }
    data.update(changes)
    return data


def test_a_school_admin_uploads_the_csd_in_the_admin(school, csd):
    client = client_for(staff_member((school, Role.ADMIN)))
    response = client.post(reverse("admin:cfdi_fiscalprofile_add"), profile_form(school, csd))
    assert response.status_code == 302, response.context["adminform"].form.errors
    profile = FiscalProfile.objects.get(school=school)
    assert (profile.certificate_number, profile.rvoe) == (
        "30001000000500003416",
        {"PRIMARIA": "PRI-0987/2015"},
    )


def test_a_refused_csd_is_told_and_nothing_is_stored(school, csd):
    client = client_for(staff_member((school, Role.ADMIN)))
    form = profile_form(school, csd, key_file=SimpleUploadedFile("csd.key", b"not a key"))
    response = client.post(reverse("admin:cfdi_fiscalprofile_add"), form, follow=True)
    assert "could not be read" in response.content.decode()
    assert not FiscalProfile.objects.exists()


def test_an_accountant_cannot_open_the_profile_form(school):
    client = client_for(staff_member((school, Role.ACCOUNTANT)))
    assert client.get(reverse("admin:cfdi_fiscalprofile_add")).status_code == 403


def test_the_document_list_is_scoped_and_links_the_xml(school, other_school, invoice, profile, issue_now):
    document = issue_now(invoice)
    client = client_for(staff_member((school, Role.VIEWER)))
    response = client.get(reverse("admin:cfdi_document_changelist"))
    assert [d.pk for d in response.context["cl"].result_list] == [document.pk]
    xml_url = reverse("admin:cfdi_document_xml", args=[document.pk])
    assert xml_url in response.content.decode()
    assert client.get(xml_url).content == bytes(Document.objects.get(pk=document.pk).xml)
    outsider = client_for(staff_member((other_school, Role.ADMIN)))
    assert outsider.get(reverse("admin:cfdi_document_changelist")).context["cl"].result_list.count() == 0
    assert outsider.get(xml_url).status_code == 302  # back to the list: not theirs


def test_the_cancel_action_cancels_through_the_service(school, invoice, profile, issue_now):
    document = issue_now(invoice)
    client = client_for(staff_member((school, Role.ADMIN)))
    client.post(
        reverse("admin:cfdi_document_changelist"),
        {"action": "cancel_03", "_selected_action": [str(document.pk)]},
    )
    document.refresh_from_db()
    assert (document.status, document.cancel_reason) == ("CANCELLED", "03")


def test_the_demo_has_stamped_documents_that_validate(settings):
    seed_data_load(seed=5, schools=2, students_per_school=12, months=4)
    demo_reminders_prepare()
    summary = demo_cfdi_load(schools=2)
    assert summary.profiles == 2 and summary.stamped >= 4 and summary.payment_complements >= 1
    documents = Document.objects.filter(status="STAMPED")
    assert {d.kind for d in documents} == {"I", "P"}
    assert {d.payment_method for d in documents if d.kind == "I"} == {"PUE", "PPD"}
    assert any(d.receiver_rfc == "XAXX010101000" for d in documents)
    assert any(d.receiver_rfc != "XAXX010101000" for d in documents)
    for document in documents:
        build.validate_xml(bytes(document.xml))
    # The job finds nothing left to do.
    call_command("stamp_cfdi", stdout=open("/dev/null", "w"))
    assert not Document.objects.filter(status__in=["DRAFT", "FAILED"]).exists()
