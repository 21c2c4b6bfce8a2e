"""What an invoice line charges for. Billing owns the list: fee plans, discounts and late-fee
policies name the kinds they apply to, and invoice lines (through their concept) carry one."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ConceptKind(models.TextChoices):
    TUITION = "TUITION", _("Tuition (colegiatura)")
    ENROLLMENT = "ENROLLMENT", _("Enrollment (inscripción)")
    MATERIALS = "MATERIALS", _("Materials")
    SERVICE = "SERVICE", _("Service (transport, food…)")
    SURCHARGE = "SURCHARGE", _("Late fee (recargo)")
    OTHER = "OTHER", _("Other")
