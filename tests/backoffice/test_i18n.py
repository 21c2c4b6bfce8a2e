import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.backoffice.conftest import staff_member
from users.models import Role

PO = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"


def test_default_language_is_spanish():
    assert settings.LANGUAGE_CODE == "es"


def test_every_string_of_the_spanish_catalogue_is_translated():
    text = PO.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]
    empty = [e for e in entries if re.search(r'^msgstr(\[\d\])? ""$', e, re.M) and
             not re.search(r'^msgstr(\[\d\])? ""\n"', e, re.M)]
    assert empty == []


def test_compiled_catalogue_is_in_use():
    with translation.override("es"):
        assert translation.gettext("Collections dashboard") == "Tablero de cobranza"
        assert translation.pgettext("invoice status", "Overdue") == "Vencida"


@pytest.mark.django_db
def test_dashboard_speaks_spanish_by_default_and_english_on_request(school):
    user = staff_member((school, Role.ACCOUNTANT))
    spanish, english = Client(), Client(HTTP_ACCEPT_LANGUAGE="en")
    spanish.force_login(user)
    english.force_login(user)

    assert "Tablero de cobranza" in spanish.get(reverse("admin:index")).content.decode()
    assert "Collections dashboard" in english.get(reverse("admin:index")).content.decode()
