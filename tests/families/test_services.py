"""Family services: references assigned per school and never reused, fiscal data validated."""

import pytest
from django.core.exceptions import ValidationError

from families.models import Family
from families.services import family_create, family_deactivate, family_update
from families.validators import reference_from_number, reference_is_valid, references_in_text
from schools.exceptions import SchoolInactive
from tests.schools.factories import SchoolFactory

pytestmark = pytest.mark.django_db


def test_references_count_up_per_school_with_check_digits(school, other_school):
    first = family_create(school_id=school.pk, name="Familia López")
    second = family_create(school_id=school.pk, name="Familia Pérez")
    elsewhere = family_create(school_id=other_school.pk, name="Familia Ruiz")
    assert [first.reference, second.reference] == [reference_from_number(1), reference_from_number(2)]
    assert elsewhere.reference == reference_from_number(1)
    assert all(reference_is_valid(f.reference) for f in (first, second, elsewhere))


def test_a_deactivated_familys_reference_is_never_handed_out_again(school):
    old = family_create(school_id=school.pk, name="Familia López")
    family_deactivate(family_id=old.pk)
    Family.objects.filter(pk=old.pk).delete()  # even a hard delete by an operator
    new = family_create(school_id=school.pk, name="Familia Pérez")
    assert new.reference != old.reference


def test_a_refused_family_burns_no_reference(school):
    with pytest.raises(ValidationError):
        family_create(school_id=school.pk, name="Familia López", rfc="GODE561231GR9")
    assert family_create(school_id=school.pk, name="Familia López").reference == reference_from_number(1)


@pytest.mark.parametrize("rfc", ["GODE561231GR8", "MAB9307148T4", "XAXX010101000", "XEXX010101000", ""])
def test_valid_rfcs_of_persons_companies_and_the_generic_ones_are_accepted(school, rfc):
    assert family_create(school_id=school.pk, name="Familia", rfc=rfc).rfc == rfc


@pytest.mark.parametrize("rfc", ["GODE561231GR9", "GODE561331GR8", "ABC", "XAXX010101001"])
def test_an_invalid_rfc_is_refused_naming_the_field(school, rfc):
    with pytest.raises(ValidationError) as refused:
        family_create(school_id=school.pk, name="Familia", rfc=rfc)
    assert "rfc" in refused.value.message_dict
    assert not Family.objects.exists()


def test_rfc_is_stored_compact_and_upper_case(school):
    assert family_create(school_id=school.pk, name="Familia", rfc="gode-561231-gr8").rfc == "GODE561231GR8"


@pytest.mark.parametrize(
    "field, value",
    [("tax_regime", "999"), ("tax_zip", "0610"), ("cfdi_use", "Z99"), ("email", "not-an-email")],
)
def test_invalid_fiscal_codes_are_refused_naming_the_field(school, field, value):
    family = family_create(school_id=school.pk, name="Familia")
    with pytest.raises(ValidationError) as refused:
        family_update(family_id=family.pk, **{field: value})
    assert field in refused.value.message_dict
    family.refresh_from_db()
    assert getattr(family, field) != value


def test_families_cannot_be_created_in_an_inactive_school():
    school = SchoolFactory(is_active=False)
    with pytest.raises(SchoolInactive):
        family_create(school_id=school.pk, name="Familia")


def test_a_family_never_changes_school(school, other_school):
    family = family_create(school_id=school.pk, name="Familia")
    with pytest.raises(ValidationError) as refused:
        family_update(family_id=family.pk, school_id=other_school.pk)
    assert "school_id" in refused.value.message_dict


def test_writes_bump_the_schools_cache_version(school):
    before = school.cache_version
    family = family_create(school_id=school.pk, name="Familia")
    family_update(family_id=family.pk, phone="55 1234 5678")
    school.refresh_from_db()
    assert school.cache_version == before + 2


def test_a_reference_with_one_wrong_or_two_swapped_digits_is_invalid():
    reference = reference_from_number(4321)
    wrong_digit = reference[:5] + str((int(reference[5]) + 1) % 10) + reference[6:]
    swapped = reference[:6] + reference[7] + reference[6] + reference[8:]
    assert reference_is_valid(reference)
    assert not reference_is_valid(wrong_digit)
    assert swapped == reference or not reference_is_valid(swapped)
    assert not reference_is_valid(reference[:-1])


def test_references_are_found_in_a_bank_concept_but_not_inside_longer_numbers():
    reference = reference_from_number(77)
    clabe = "0021" + reference + "0000"
    assert references_in_text(f"PAGO COLEGIATURA REF {reference} MARZO") == [reference]
    assert references_in_text(f"SPEI {clabe}") == []
    assert references_in_text("REF 1000000000") == []  # shape right, check digits wrong
