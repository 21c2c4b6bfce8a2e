"""Demo CFDIs for `manage.py seed`: each school gets a fiscal profile with a throw-away CSD, and a few
invoices get their CFDI stamped by the fake PAC, so the admin and the API have documents to show.

Per school (the first `schools`): an invoice paid in full (PUE), one partly paid (PPD, with the
payment complement of its payment) and one unpaid (PPD); the first to a family with an RFC, the
others to families without one (público en general). Students of those invoices get a level (from
their grade) and a CURP when they have none. Nothing here is a real credential or a real stamp.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F
from django.test.utils import override_settings
from stdnum.mx import curp as curp_number
from stdnum.mx import rfc as rfc_number

from billing.models import Invoice, InvoiceStatus
from cfdi.devcerts import make_csd
from cfdi.models import Document, FiscalProfile
from cfdi.services import document_issue, fiscal_profile_put, stamp_pending
from schools.models import School
from students.models import StudentLevel

# SAT's published test RFCs of persons (they pass the check digit; they belong to nobody real).
DEMO_FAMILY_RFCS = ["XOJI740919U48", "CACX7605101P8", "MISC491214B86", "FUNK671228PH6"]
LEVEL_BY_GRADE_WORD = {
    "preescolar": StudentLevel.PREESCOLAR,
    "primaria": StudentLevel.PRIMARIA,
    "secundaria": StudentLevel.SECUNDARIA,
    "preparatoria": StudentLevel.BACHILLERATO,
    "bachillerato": StudentLevel.BACHILLERATO,
}


@dataclass
class DemoCfdiSummary:
    profiles: int = 0
    stamped: int = 0
    payment_complements: int = 0
    password_generated: bool = False


def _school_rfc(index: int) -> str:
    """A company RFC with a valid check digit: "CES" + an incorporation date + homoclave + digit."""
    body = f"CES{900101 + index:06d}A{index % 9 + 1}"  # homoclave: no 0 in its first two
    return body + rfc_number.calc_check_digit(body)


def _curp(index: int) -> str:
    body = f"XEXX{100101 + index % 27:06d}HDFXXX{index % 10}"
    return body + str(curp_number.calc_check_digit(body))


def _level(grade: str) -> str:
    for word, level in LEVEL_BY_GRADE_WORD.items():
        if word in grade.lower():
            return level
    return StudentLevel.PRIMARIA


def demo_cfdi_load(*, schools: int = 2) -> DemoCfdiSummary:
    summary = DemoCfdiSummary()
    password_env = settings.CFDI_CSD_PASSWORD_ENV
    if not os.environ.get(password_env):
        # Only this process knows it: the demo's keys can be re-uploaded later with a real one.
        os.environ[password_env] = secrets.token_urlsafe(16)
        summary.password_generated = True
    with override_settings(CFDI_PAC="fake"):
        for index, school in enumerate(School.objects.order_by("name")[:schools]):
            if FiscalProfile.objects.filter(school=school).exists():
                continue
            rfc = _school_rfc(index)
            csd = make_csd(rfc=rfc, legal_name=school.name.upper(), password=os.environ[password_env])
            fiscal_profile_put(
                school_id=school.pk,
                rfc=rfc,
                legal_name=school.name,
                tax_regime="603",
                expedition_zip="06600",
                rvoe={level: f"RVOE-{level[:3]}-{index + 1:04d}/2015" for level in StudentLevel.values},
                certificate=csd.certificate,
                private_key=csd.key,
            )
            summary.profiles += 1
            for position, invoice in enumerate(_demo_invoices(school)):
                _student_ready(invoice, index * 10 + position)
                if position == 0 and invoice.student.family is not None:
                    family = invoice.student.family
                    family.rfc = DEMO_FAMILY_RFCS[index % len(DEMO_FAMILY_RFCS)]
                    family.legal_name, family.tax_regime, family.tax_zip = family.name, "612", "06600"
                    family.save(update_fields=["rfc", "legal_name", "tax_regime", "tax_zip", "updated_at"])
                document_issue(invoice_id=invoice.pk)
        counts = stamp_pending()
    summary.stamped = Document.objects.filter(status="STAMPED", kind="I").count()
    summary.payment_complements = counts["prepared"]
    return summary


def _demo_invoices(school: School) -> list[Invoice]:
    """An invoice paid in full (no credit notes: PUE), one partly paid and one unpaid (both PPD)."""
    base = (
        Invoice.objects.filter(school=school)
        .exclude(status=InvoiceStatus.CANCELLED)
        .select_related("student__family")
        .order_by("due_date", "number")
    )
    picks = [
        base.filter(paid_amount=F("amount"), credited_amount=0).first(),
        # Partly paid, or paid after a credit note (a pronto-pago discount): PPD with a complement.
        base.filter(paid_amount__gt=0, paid_amount__lt=F("amount")).first(),
        base.filter(paid_amount=0, credited_amount=0).first(),
    ]
    return [invoice for invoice in picks if invoice is not None]


def _student_ready(invoice: Invoice, index: int) -> None:
    student = invoice.student
    changed = []
    if not student.level:
        student.level = _level(student.grade)
        changed.append("level")
    if not student.curp:
        student.curp = _curp(index)
        changed.append("curp")
    if changed:
        student.save(update_fields=[*changed, "updated_at"])
