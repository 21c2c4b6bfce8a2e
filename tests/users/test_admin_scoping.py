"""What every school-scoped admin shares: create-only fields, its own pages, pages of one row."""

import pytest
from django.contrib import admin
from django.urls import reverse

from core.admin_display import money_column
from core.models import ActorField
from fees.models import Discount
from tests.backoffice.conftest import client_for, staff_member
from tests.families.factories import FamilyFactory
from tests.students.factories import StudentFactory
from users.models import Role

pytestmark = pytest.mark.django_db

FAMILY_PAGES = ["families_family_credit", "families_family_statement", "families_family_payment"]


def test_a_create_only_field_is_chosen_on_add_and_read_only_once_the_row_exists(school):
    student = StudentFactory(school=school)
    student_admin = admin.site._registry[type(student)]

    assert "school" not in student_admin.get_readonly_fields(None, None)
    assert student_admin.get_readonly_fields(None, student)[-1] == "school"


def test_a_discount_keeps_its_own_read_only_fields_and_adds_its_holder_once_saved():
    discount_admin = admin.site._registry[Discount]

    assert discount_admin.get_readonly_fields(None, None) == ["created_at", "updated_at", "approved_by"]
    assert discount_admin.get_readonly_fields(None, Discount()) == [
        "created_at", "updated_at", "approved_by", "student", "family",
    ]


@pytest.mark.parametrize("name", FAMILY_PAGES)
def test_a_page_of_one_row_opens_for_a_row_the_user_sees(school, name):
    family = FamilyFactory(school=school)
    client = client_for(staff_member((school, Role.ACCOUNTANT)))

    response = client.get(reverse(f"admin:{name}", args=[family.pk]))

    assert response.status_code == 200
    assert response.context["family"] == family


@pytest.mark.parametrize("name", FAMILY_PAGES)
def test_a_page_of_one_row_of_another_school_goes_home_as_an_unknown_row(school, other_school, name):
    family = FamilyFactory(school=other_school)
    client = client_for(staff_member((school, Role.ACCOUNTANT)))

    response = client.get(reverse(f"admin:{name}", args=[family.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_a_money_column_reads_the_amount_and_sorts_by_its_field():
    column = money_column("pending_value", "Pending")
    row = type("Row", (), {"pending_value": "1234.5"})()

    assert column(None, row) == "$1,234.50"
    assert (column.short_description, column.admin_order_field) == ("Pending", "pending_value")


def test_an_actor_field_is_a_plain_foreign_key_to_the_user_for_migrations():
    field = ActorField("issued by")
    field.set_attributes_from_name("created_by")

    name, path, args, kwargs = field.deconstruct()

    assert (name, path, args) == ("created_by", "django.db.models.ForeignKey", [])
    assert {key: kwargs[key] for key in ("null", "blank", "related_name", "verbose_name")} == {
        "null": True, "blank": True, "related_name": "+", "verbose_name": "issued by",
    }
    assert kwargs["on_delete"].__name__ == "PROTECT"
