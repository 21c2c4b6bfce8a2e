from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CfdiConfig(AppConfig):
    """CFDI 4.0: the schools' fiscal profiles, invoice and payment documents, signing and PAC clients."""

    name = "cfdi"
    verbose_name = _("CFDI (tax documents)")
