"""CFDI 4.0 XML from our rows, with satcfdi: the invoice's CFDI (with IEDU) and a payment complement.

Pure functions of the rows they are given: no query of their own beyond what the rows load, no
network. Every XML is signed with the school's CSD and validated against SAT's XSD (satcfdi ships
the schemas, IEDU and Pagos 2.0 included) before anyone may send it: `CfdiInvalid` otherwise.
"""

from __future__ import annotations

import datetime
import os
import threading
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from lxml import etree
from satcfdi.cfdi import CFDI
from satcfdi.create.cfd import cfdi40, iedu10
from satcfdi.create.cfd.cfdi40 import PagoComprobante
from satcfdi.models import Signer
from satcfdi.transform import SCHEMA_ROOT, SchemaCollector, cfdi_schemas
from satcfdi.utils import parser as satcfdi_parser

from billing.models import Invoice, Payment, PaymentMethod
from cfdi.exceptions import CfdiInvalid, FiscalDataIncomplete
from cfdi.lines import IEDU_LEVEL, UNIT_KEY, invoice_concepts, product_key
from cfdi.models import FiscalProfile
from families.validators import GENERIC_RFCS, validate_curp, validate_rfc

PUBLIC_RFC = "XAXX010101000"  # público en general
PUBLIC_REGIME = "616"  # sin obligaciones fiscales
PUBLIC_USE = "S01"  # sin efectos fiscales
PAYMENT_FORM_TO_DEFINE = "99"  # "por definir": the form of a PPD invoice

# c_FormaPago by billing payment method.
PAYMENT_FORM = {
    PaymentMethod.CASH: "01",
    PaymentMethod.CHECK: "02",
    PaymentMethod.BANK_TRANSFER: "03",
    PaymentMethod.CREDIT_CARD: "04",
    PaymentMethod.DEBIT_CARD: "28",
    PaymentMethod.OTHER: "99",
}


@dataclass(frozen=True)
class Receiver:
    rfc: str
    name: str
    zip: str
    regime: str
    use: str

    @property
    def is_public(self) -> bool:
        return self.rfc in GENERIC_RFCS


def receiver_for(invoice: Invoice, profile: FiscalProfile) -> Receiver:
    """The family's fiscal data, or público en general when the family has no RFC (or no family).

    A family with an RFC but without the rest of its fiscal data (legal name, regime, postal code)
    is refused rather than silently invoiced to the public: the family would lose its deduction.
    """
    student = invoice.student
    family = student.family
    if family is None or not family.rfc or family.rfc in GENERIC_RFCS:
        # CFDI 4.0: with the generic RFC and a name other than PUBLICO EN GENERAL the CFDI is a
        # nominative one (no InformacionGlobal); the postal code is the place of issue.
        name = (family.legal_name or family.name) if family is not None else student.full_name
        return Receiver(PUBLIC_RFC, name.upper()[:300], profile.expedition_zip, PUBLIC_REGIME, PUBLIC_USE)
    missing = {
        f"family.{field}": [_("Needed for a CFDI to this family's RFC.")]
        for field in ("legal_name", "tax_regime", "tax_zip")
        if not getattr(family, field)
    }
    try:
        validate_rfc(family.rfc)
    except Exception:
        missing["family.rfc"] = [_("Not a valid RFC.")]
    if missing:
        raise FiscalDataIncomplete(
            _("The family %(name)s has an RFC but incomplete fiscal data.") % {"name": family.name},
            fields=missing,
        )
    return Receiver(
        family.rfc, family.legal_name.upper(), family.tax_zip, family.tax_regime, family.cfdi_use or "D10"
    )


def _iedu(line, profile: FiscalProfile, receiver: Receiver) -> iedu10.InstEducativas:
    student = line.student
    problems = {}
    if not student.curp:
        problems["student.curp"] = [_("A colegiatura's CFDI carries the student's CURP.")]
    else:
        try:
            validate_curp(student.curp)
        except Exception:
            problems["student.curp"] = [_("Not a valid CURP.")]
    if student.level not in IEDU_LEVEL:
        problems["student.level"] = [_("A colegiatura's CFDI carries the student's education level.")]
    elif not profile.rvoe.get(student.level):
        problems["fiscal_profile.rvoe"] = [
            _("No RVOE for level %(level)s in the school's fiscal profile.") % {"level": student.level}
        ]
    if problems:
        raise FiscalDataIncomplete(
            _("Student %(name)s lacks data the IEDU complement needs.") % {"name": student.full_name},
            fields=problems,
        )
    return iedu10.InstEducativas(
        nombre_alumno=student.full_name,
        curp=student.curp,
        nivel_educativo=IEDU_LEVEL[student.level],
        aut_rvoe=profile.rvoe[student.level],
        # The payer is not the student: the family's RFC (público en general has none to give).
        rfc_pago=None if receiver.is_public else receiver.rfc,
    )


def _emisor(profile: FiscalProfile) -> cfdi40.Emisor:
    return cfdi40.Emisor(
        rfc=profile.rfc, nombre=profile.legal_name.upper(), regimen_fiscal=profile.tax_regime
    )


def _receptor(receiver: Receiver) -> cfdi40.Receptor:
    return cfdi40.Receptor(
        rfc=receiver.rfc,
        nombre=receiver.name,
        domicilio_fiscal_receptor=receiver.zip,
        regimen_fiscal_receptor=receiver.regime,
        uso_cfdi=receiver.use,
    )


def invoice_payment_terms(invoice: Invoice) -> tuple[str, str]:
    """(MetodoPago, FormaPago): PUE with the form of the largest payment when the invoice is paid
    in full when the CFDI is issued; otherwise PPD with 99 (each later payment gets a complement)."""
    if invoice.paid_amount >= invoice.amount and invoice.credited_amount == 0:
        method = (
            Payment.objects.filter(allocations__invoice=invoice, is_reversed=False)
            .order_by("-amount", "payment_date")
            .values_list("method", flat=True)
            .first()
        )
        return "PUE", PAYMENT_FORM.get(method, "99")
    return "PPD", PAYMENT_FORM_TO_DEFINE


def invoice_cfdi(
    *,
    invoice: Invoice,
    profile: FiscalProfile,
    series: str,
    folio: str,
    method: str,
    form: str,
    fecha: datetime.datetime | None = None,
) -> cfdi40.Comprobante:
    """The unsigned CFDI of an invoice: one exempt concept per line, IEDU on the deductible ones."""
    receiver = receiver_for(invoice, profile)
    exempt = cfdi40.Impuestos(traslados=cfdi40.Traslado(impuesto="002", tipo_factor="Exento"))
    conceptos = [
        cfdi40.Concepto(
            clave_prod_serv=product_key(line),
            cantidad=Decimal(1),
            clave_unidad=UNIT_KEY,
            descripcion=line.description,
            valor_unitario=line.amount,
            descuento=line.discount or None,
            # Private schools' educational services are VAT-exempt (LIVA art. 15 fr. IV): object of
            # tax (02) with an exempt transfer, as SAT's guide for schools fills it.
            objeto_imp="02",
            impuestos=exempt,
            complemento_concepto=_iedu(line, profile, receiver) if line.deductible else None,
        )
        for line in invoice_concepts(invoice)
    ]
    return cfdi40.Comprobante(
        emisor=_emisor(profile),
        lugar_expedicion=profile.expedition_zip,
        receptor=_receptor(receiver),
        conceptos=conceptos,
        serie=series,
        folio=folio,
        forma_pago=form,
        metodo_pago=method,
        fecha=fecha,
    )


def payment_cfdi(
    *,
    related_xml: bytes,
    payment: Payment,
    amount: Decimal,
    installment: int,
    balance_before: Decimal,
    profile: FiscalProfile,
    series: str,
    folio: str,
    fecha: datetime.datetime | None = None,
) -> cfdi40.Comprobante:
    """The unsigned payment complement (Pagos 2.0) of one payment on one stamped PPD invoice CFDI."""
    related = CFDI.from_string(bytes(related_xml))
    return cfdi40.Comprobante.pago_comprobantes(
        comprobantes=PagoComprobante(
            comprobante=related, num_parcialidad=installment, imp_saldo_ant=balance_before, imp_pagado=amount
        ),
        # Without the hour, SAT's guide says 12:00:00.
        fecha_pago=datetime.datetime.combine(payment.payment_date, datetime.time(12, 0)),
        forma_pago=PAYMENT_FORM.get(payment.method, "99"),
        emisor=_emisor(profile),
        lugar_expedicion=profile.expedition_zip,
        serie=series,
        folio=folio,
        fecha=fecha,
    )


def sign_and_validate(comprobante: cfdi40.Comprobante, signer: Signer) -> bytes:
    """Seal with the CSD and return the XML, or CfdiInvalid naming what SAT's schema refuses."""
    comprobante.sign(signer)
    root = comprobante.to_xml(include_schema_location=True)
    _validate(root, comprobante)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def validate_xml(xml: bytes) -> None:
    """Validate any CFDI XML (stamped or not) against SAT's XSD of every namespace it uses."""
    root = etree.fromstring(bytes(xml))
    _validate(root, CFDI.from_xml(root))


_schemas = threading.local()


def _schema(bases: tuple[str, ...]) -> etree.XMLSchema:
    """SAT's schemas for this set of namespaces, compiled once per thread (compiling takes most of a
    second; an lxml schema object is not shared between threads)."""
    cache = _schemas.__dict__.setdefault("by_bases", {})
    if bases not in cache:
        element = etree.fromstring(
            '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>',
            base_url=os.path.join(SCHEMA_ROOT, "schema.xsd"),
            parser=satcfdi_parser,
        )
        for location in bases:
            etree.SubElement(
                element,
                "{http://www.w3.org/2001/XMLSchema}import",
                attrib={"namespace": "", "schemaLocation": location},
            )
        cache[bases] = etree.XMLSchema(element)
    return cache[bases]


def _validate(root, element) -> None:
    # satcfdi's own validate_xsd, with the compiled schema kept: which schemas a document needs
    # comes from satcfdi's collector (the CFDI's, plus IEDU, Pagos 2.0, the timbre...).
    collector = SchemaCollector()
    cfdi_schemas[element.tag](collector, element)
    schema = _schema(tuple(collector.base))
    if not schema.validate(root):
        raise CfdiInvalid(
            _("The CFDI does not validate against SAT's schema: %(errors)s")
            % {"errors": _schema_errors(schema.error_log)}
        )


def _schema_errors(error_log) -> str:
    return "; ".join(f"line {e.line}: {e.message}" for e in list(error_log)[:5])
