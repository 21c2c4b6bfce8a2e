"""What a CFDI lists: one concept per invoice line, and the SAT keys for education services.

`invoice_concepts` is the one place that reads an invoice's lines for a CFDI. Each positive line
(billing.InvoiceLine) is a concept; a discount line (negative, a beca or a pronto-pago discount)
is no concept of its own, since CFDI amounts are never negative: it becomes the `Descuento` of the
lines of the same fee concept (the concept of the item it discounts), then of any other line, so
the CFDI's total is the invoice's amount. A line whose fee concept is deductible (colegiatura)
carries the IEDU complement; inscripción, materials, services and recargos do not. An invoice
without lines (none on main today: every invoice was backfilled) is one concept, a colegiatura
unless its description says inscripción.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from billing.concepts import ConceptKind
from billing.models import Invoice
from core.money import ZERO
from students.models import Student, StudentLevel

# c_ClaveProdServ for private schools, by level (SAT catalogue, segment 8612: educational institutions).
PRODUCT_KEY_BY_LEVEL = {
    StudentLevel.PREESCOLAR: "86121501",  # Servicios educativos preescolares
    StudentLevel.PRIMARIA: "86121503",  # Escuelas privadas de educación primaria o secundaria
    StudentLevel.SECUNDARIA: "86121503",
    StudentLevel.PROFESIONAL_TECNICO: "86121602",  # Profesional técnico
    StudentLevel.BACHILLERATO: "86121601",  # Bachillerato o equivalente
}
PRODUCT_KEY_DEFAULT = "86121500"  # Escuelas preescolares, primarias y secundarias
UNIT_KEY = "E48"  # Unidad de servicio

# The IEDU complement's nivelEducativo values (its XSD enumeration), by student level.
IEDU_LEVEL = {
    StudentLevel.PREESCOLAR: "Preescolar",
    StudentLevel.PRIMARIA: "Primaria",
    StudentLevel.SECUNDARIA: "Secundaria",
    StudentLevel.PROFESIONAL_TECNICO: "Profesional técnico",
    StudentLevel.BACHILLERATO: "Bachillerato o su equivalente",
}


@dataclass(frozen=True)
class ConceptLine:
    description: str
    amount: Decimal
    kind: str  # billing.concepts.ConceptKind
    deductible: bool  # carries the IEDU complement (colegiaturas)
    student: Student
    discount: Decimal = ZERO
    concept_id: object = None


def invoice_concepts(invoice: Invoice) -> list[ConceptLine]:
    """The invoice's lines as CFDI concepts, in order, discounts folded in. One query for the lines."""
    student = invoice.student
    lines = list(invoice.lines.select_related("concept").order_by("position", "created_at"))
    if not lines:
        description = invoice.description or "Colegiatura"
        kind = ConceptKind.ENROLLMENT if "inscrip" in description.lower() else ConceptKind.TUITION
        return [
            ConceptLine(
                description=description,
                amount=invoice.amount,
                kind=kind,
                deductible=kind == ConceptKind.TUITION,
                student=student,
            )
        ]
    concepts = [
        ConceptLine(
            description=line.description,
            amount=line.amount,
            kind=line.concept.kind,
            deductible=line.concept.deductible,
            student=student,
            concept_id=line.concept_id,
        )
        for line in lines
        if line.amount > 0
    ]
    for line in lines:
        if line.amount < 0:
            concepts = _discount_apply(concepts, -line.amount, line.concept_id)
    return concepts


def _discount_apply(concepts: list[ConceptLine], amount: Decimal, concept_id) -> list[ConceptLine]:
    """Spread a discount over the lines of its fee concept first, then over the others, in order."""
    order = sorted(range(len(concepts)), key=lambda i: concepts[i].concept_id != concept_id)
    concepts = list(concepts)
    for index in order:
        if amount <= 0:
            break
        line = concepts[index]
        taken = min(amount, line.amount - line.discount)
        if taken > 0:
            concepts[index] = replace(line, discount=line.discount + taken)
            amount -= taken
    return concepts


def product_key(line: ConceptLine) -> str:
    return PRODUCT_KEY_BY_LEVEL.get(line.student.level, PRODUCT_KEY_DEFAULT)
