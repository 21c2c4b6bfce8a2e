"""What an invoice line charges for. Billing owns the list: fee plans, discounts and late-fee
policies name the kinds they apply to, and invoice lines (through their concept) carry one."""

from http import HTTPStatus

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError


class DuplicateCode(DomainError, code="duplicate_code", status=HTTPStatus.CONFLICT):
    default_detail = _("This school already has a concept with this code.")


class ConceptKind(models.TextChoices):
    TUITION = "TUITION", _("Tuition (colegiatura)")
    ENROLLMENT = "ENROLLMENT", _("Enrollment (inscripción)")
    MATERIALS = "MATERIALS", _("Materials")
    SERVICE = "SERVICE", _("Service (transport, food…)")
    SURCHARGE = "SURCHARGE", _("Late fee (recargo)")
    OTHER = "OTHER", _("Other")


# Default codes and names of the concepts a school gets when a plan names only a kind.
DEFAULT_CONCEPTS = {
    ConceptKind.TUITION: ("COLEGIATURA", "Colegiatura"),
    ConceptKind.ENROLLMENT: ("INSCRIPCION", "Inscripción"),
    ConceptKind.MATERIALS: ("MATERIALES", "Materiales"),
    ConceptKind.SERVICE: ("SERVICIOS", "Servicios"),
    ConceptKind.SURCHARGE: ("RECARGO", "Recargo"),
    ConceptKind.OTHER: ("OTROS", "Otros cargos"),
}


def fee_concept_default(*, school_id, kind: str):
    """The school's concept of this kind with the default code, created on first use.

    Safe under concurrency: the UNIQUE (school, code) makes a second creator read the first's row.
    """
    from django.db import IntegrityError, transaction

    from billing.models import FeeConcept

    code, name = DEFAULT_CONCEPTS[ConceptKind(kind)]
    concept = FeeConcept.objects.filter(school_id=school_id, code=code).first()
    if concept is not None:
        return concept
    try:
        with transaction.atomic():
            return FeeConcept.objects.create(
                school_id=school_id, code=code, name=name, kind=kind, deductible=kind == ConceptKind.TUITION
            )
    except IntegrityError:
        return FeeConcept.objects.get(school_id=school_id, code=code)


def manual_concept_kind(description: str) -> str:
    """The concept kind of a typed-in invoice: a colegiatura is tuition, anything else is OTHER
    (the rule the invoice-lines backfill used for the invoices issued before lines existed)."""
    if (description or "").strip().lower().startswith("colegiatura"):
        return ConceptKind.TUITION
    return ConceptKind.OTHER


def fee_concept_create(*, school_id, code: str, name: str, kind: str, deductible: bool = False, actor=None):
    """A concept invoice lines can be of. Raises SchoolInactive (409), DuplicateCode (409),
    ValidationError. (The caller checks the role.)"""
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    from billing.models import FeeConcept
    from schools.exceptions import SchoolInactive
    from schools.models import School

    if not School.objects.filter(pk=school_id, is_active=True).exists():
        raise SchoolInactive(_("This school is inactive."))
    if kind not in ConceptKind.values:
        raise ValidationError(
            {"kind": [_("One of %(choices)s.") % {"choices": ", ".join(ConceptKind.values)}]}
        )
    code = (code or "").strip().upper()
    if not code:
        raise ValidationError({"code": ["Required."]})
    try:
        with transaction.atomic():
            return FeeConcept.objects.create(
                school_id=school_id, code=code, name=name.strip(), kind=kind, deductible=deductible
            )
    except IntegrityError:
        raise DuplicateCode(fields={"code": [_("Already used in this school.")]}) from None


def fee_concept_update(*, concept_id, actor=None, school_id=None, **changes):
    """Rename, re-flag or (de)activate a concept; only the fields given change. Its lines keep
    pointing at it. Locks the row. Raises NotFound, DuplicateCode (409), ValidationError."""
    from django.db import IntegrityError, transaction

    from billing.models import FeeConcept
    from core.rows import row_get
    from core.unchanged import changes_apply, fixed_field_check

    with transaction.atomic():
        concept = row_get(FeeConcept, concept_id, lock=True)
        fixed_field_check(concept, "school_id", school_id, _("A concept never changes school."))
        unknown = set(changes) - {"code", "name", "kind", "deductible", "is_active"}
        if unknown:
            raise TypeError(f"not editable: {sorted(unknown)}")
        if "code" in changes:
            changes["code"] = changes["code"].strip().upper()
        changes_apply(concept, changes)
        try:
            with transaction.atomic():
                concept.save()
        except IntegrityError:
            raise DuplicateCode(fields={"code": [_("Already used in this school.")]}) from None
        return concept
