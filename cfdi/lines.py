"""What a CFDI lists: one concept per invoice line, and the SAT keys for education services.

`invoice_concepts` is the one place that reads an invoice's lines for a CFDI. Until billing's
invoice lines (issue 15) are on main, an invoice is one concept: a colegiatura (deductible, with
IEDU) unless its description says it is an inscripción.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from billing.concepts import ConceptKind
from billing.models import Invoice
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


def invoice_concepts(invoice: Invoice) -> list[ConceptLine]:
    """The invoice's lines as CFDI concepts, in order. The invoice's student is loaded."""
    student = invoice.student
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


def product_key(line: ConceptLine) -> str:
    return PRODUCT_KEY_BY_LEVEL.get(line.student.level, PRODUCT_KEY_DEFAULT)
