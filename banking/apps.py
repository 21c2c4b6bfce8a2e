from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BankingConfig(AppConfig):
    """The school's bank accounts, imported statements and their lines, matching, the review queue."""

    name = "banking"
    verbose_name = _("Bank collections")
