"""schools.services: what changes, and when the cache version moves."""

import pytest

from core.exceptions import NotFound
from schools.models import School
from schools.services import school_create, school_deactivate, school_update
from tests.schools.factories import SchoolFactory

pytestmark = pytest.mark.django_db


def test_school_create_starts_active_with_version_one():
    school = school_create(name="Colegio Nuevo")
    assert (school.is_active, school.cache_version) == (True, 1)


def test_school_update_bumps_the_version_when_the_name_changes():
    school = SchoolFactory()
    updated = school_update(school_id=school.pk, name="Otro nombre")
    assert updated.cache_version == school.cache_version + 1
    assert School.objects.get(pk=school.pk).cache_version == school.cache_version + 1


def test_school_update_with_the_same_values_writes_nothing():
    school = SchoolFactory()
    before = School.objects.get(pk=school.pk).updated_at
    school_update(school_id=school.pk, name=school.name, email=school.email)
    after = School.objects.get(pk=school.pk)
    assert (after.updated_at, after.cache_version) == (before, school.cache_version)


def test_school_update_of_contact_data_bumps_the_version_once():
    # The schools list is a cached page that shows every field of a school.
    school = SchoolFactory()
    school_update(school_id=school.pk, phone="555", address="Calle 1")
    assert School.objects.get(pk=school.pk).cache_version == school.cache_version + 1


def test_a_school_update_that_changes_nothing_keeps_the_version():
    school = SchoolFactory(phone="555")
    school_update(school_id=school.pk, phone="555")
    assert School.objects.get(pk=school.pk).cache_version == school.cache_version


def test_school_deactivate_is_a_soft_delete_that_bumps_the_version():
    school = SchoolFactory()
    school_deactivate(school_id=school.pk)
    school.refresh_from_db()
    assert (school.is_active, school.cache_version) == (False, 2)


def test_school_update_of_an_unknown_school_raises_not_found():
    import uuid

    with pytest.raises(NotFound):
        school_update(school_id=uuid.uuid4(), name="x")
