"""Family pages of the back office: scoped lists, registration through the service, children."""

import pytest
from django.urls import reverse

from families.models import Family
from families.validators import reference_from_number
from tests.backoffice.conftest import client_for, staff_member
from tests.families.factories import FamilyFactory
from tests.students.factories import StudentFactory
from users.models import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_family_list_shows_only_the_users_schools_and_searches_references(school, other_school):
    mine = FamilyFactory(school=school, name="Familia Méndez")
    FamilyFactory(school=other_school, name="Familia Ajena")
    client = client_for(staff_member((school, Role.VIEWER)))
    response = client.get(reverse("admin:families_family_changelist"))
    assert [f.pk for f in response.context["cl"].result_list] == [mine.pk]
    response = client.get(reverse("admin:families_family_changelist"), {"q": mine.reference})
    assert [f.pk for f in response.context["cl"].result_list] == [mine.pk]


def test_an_admin_registers_a_family_and_the_reference_is_assigned(school):
    client = client_for(staff_member((school, Role.ADMIN)))
    response = client.post(
        reverse("admin:families_family_add"),
        {"school": str(school.pk), "name": "Familia Ruiz", "rfc": "GODE561231GR8", "cfdi_use": "D10",
         "is_active": "on"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Family.objects.get().reference == reference_from_number(1)


def test_an_invalid_rfc_is_shown_on_the_form_and_nothing_is_saved(school):
    client = client_for(staff_member((school, Role.ADMIN)))
    response = client.post(
        reverse("admin:families_family_add"),
        {"school": str(school.pk), "name": "Familia Ruiz", "rfc": "GODE561231GR9", "cfdi_use": "D10"},
    )
    assert response.status_code == 200
    assert "rfc" in response.context["adminform"].form.errors
    assert not Family.objects.exists()


def test_the_family_page_lists_its_children(school):
    family = FamilyFactory(school=school)
    child = StudentFactory(school=school, family=family, first_name="Lucía", last_name="Méndez")
    client = client_for(staff_member((school, Role.VIEWER)))
    response = client.get(reverse("admin:families_family_change", args=[family.pk]))
    assert response.status_code == 200
    assert "Lucía Méndez" in response.content.decode()
    assert reverse("admin:students_student_change", args=[child.pk]) in response.content.decode()


def test_an_accountant_cannot_add_families(school):
    client = client_for(staff_member((school, Role.ACCOUNTANT)))
    assert client.get(reverse("admin:families_family_add")).status_code == 403
