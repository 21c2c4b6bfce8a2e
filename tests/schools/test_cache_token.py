"""schools.cache.school_versions_token: the key part that makes cached reads fresh after a write."""

import pytest

from schools.cache import school_versions_token
from schools.services import school_cache_version_bump
from tests.schools.factories import SchoolFactory

pytestmark = pytest.mark.django_db


def test_token_changes_when_one_of_its_schools_is_bumped():
    school, other = SchoolFactory(), SchoolFactory()
    before = school_versions_token([school.pk, other.pk])

    school_cache_version_bump(school_ids=[other.pk])

    assert school_versions_token([school.pk, other.pk]) != before


def test_token_ignores_bumps_of_schools_outside_it():
    school, other = SchoolFactory(), SchoolFactory()
    before = school_versions_token([school.pk])

    school_cache_version_bump(school_ids=[other.pk])

    assert school_versions_token([school.pk]) == before


def test_token_of_every_school_changes_with_any_bump():
    school = SchoolFactory()
    before = school_versions_token(None)

    school_cache_version_bump(school_ids=[school.pk])

    assert school_versions_token(None) != before


def test_token_counts_schools_and_sums_their_versions():
    schools = [SchoolFactory(), SchoolFactory()]

    assert school_versions_token([s.pk for s in schools]) == "2.2"
    assert school_versions_token([]) == "0.0"
    assert school_versions_token([str(schools[0].pk)]) == "1.1"
