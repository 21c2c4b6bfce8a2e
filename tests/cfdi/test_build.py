"""The XML we build: valid against SAT's XSD (IEDU and Pagos 2.0 included), with the right terms,
receiver and complements. Every XML built here goes through `validate_xml`, which loads SAT's
schema of each namespace the document uses."""

from decimal import Decimal

import pytest
from lxml import etree
from satcfdi.create.cfd import iedu10

from billing.concepts import ConceptKind, fee_concept_default
from billing.models import InvoiceLine, LineSource
from cfdi import build
from cfdi.exceptions import CfdiInvalid, FiscalDataIncomplete
from cfdi.services import _signer
from tests.billing.factories import InvoiceFactory
from tests.cfdi.conftest import FAMILY_RFC, STUDENT_CURP, pay
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db

NS = {
    "cfdi": "http://www.sat.gob.mx/cfd/4",
    "iedu": "http://www.sat.gob.mx/iedu",
    "pago20": "http://www.sat.gob.mx/Pagos20",
}


def signed_invoice_xml(invoice, profile) -> etree._Element:
    method, form = build.invoice_payment_terms(invoice)
    comprobante = build.invoice_cfdi(
        invoice=invoice, profile=profile, series="A", folio=invoice.number, method=method, form=form
    )
    xml = build.sign_and_validate(comprobante, _signer(profile))
    build.validate_xml(xml)  # and once more from the bytes, as the PAC would read them
    return etree.fromstring(xml)


def test_an_unpaid_colegiatura_is_ppd_with_form_99_exempt_and_carries_iedu(invoice, profile):
    root = signed_invoice_xml(invoice, profile)
    assert (root.get("MetodoPago"), root.get("FormaPago"), root.get("TipoDeComprobante")) == (
        "PPD",
        "99",
        "I",
    )
    assert (root.get("SubTotal"), root.get("Total"), root.get("Moneda")) == ("3500.00", "3500.00", "MXN")
    concept = root.find("cfdi:Conceptos/cfdi:Concepto", NS)
    assert (concept.get("ClaveProdServ"), concept.get("ClaveUnidad"), concept.get("ObjetoImp")) == (
        "86121503",
        "E48",
        "02",
    )
    tax = concept.find("cfdi:Impuestos/cfdi:Traslados/cfdi:Traslado", NS)
    assert (tax.get("Impuesto"), tax.get("TipoFactor"), tax.get("Importe")) == ("002", "Exento", None)
    iedu = concept.find("cfdi:ComplementoConcepto/iedu:instEducativas", NS)
    assert dict(iedu.attrib) == {
        "version": "1.0",
        "nombreAlumno": "Juan Xodar",
        "CURP": STUDENT_CURP,
        "nivelEducativo": "Primaria",
        "autRVOE": "PRI-0987/2015",
        "rfcPago": FAMILY_RFC,
    }
    receptor = root.find("cfdi:Receptor", NS)
    assert (receptor.get("Rfc"), receptor.get("UsoCFDI"), receptor.get("RegimenFiscalReceptor")) == (
        FAMILY_RFC,
        "D10",
        "612",
    )
    assert root.get("NoCertificado") == "30001000000500003416" and root.get("Sello")


def test_an_invoice_paid_in_full_is_pue_with_the_payments_form(invoice, profile):
    pay(invoice, "3500.00", method="CASH")
    invoice.refresh_from_db()
    root = signed_invoice_xml(invoice, profile)
    assert (root.get("MetodoPago"), root.get("FormaPago")) == ("PUE", "01")


def test_a_partly_paid_invoice_is_ppd(invoice, profile):
    pay(invoice, "1000.00")
    invoice.refresh_from_db()
    assert signed_invoice_xml(invoice, profile).get("MetodoPago") == "PPD"


def test_a_family_without_rfc_is_publico_en_general_and_iedu_has_no_rfc_pago(invoice, profile, family):
    family.rfc = family.legal_name = family.tax_regime = family.tax_zip = ""
    family.save()
    root = signed_invoice_xml(invoice, profile)
    receptor = root.find("cfdi:Receptor", NS)
    assert (receptor.get("Rfc"), receptor.get("UsoCFDI"), receptor.get("RegimenFiscalReceptor")) == (
        "XAXX010101000",
        "S01",
        "616",
    )
    assert receptor.get("DomicilioFiscalReceptor") == "42501"  # the place of issue
    # A nominative CFDI to the public: the family's name, never "PUBLICO EN GENERAL" (that is a global one).
    assert receptor.get("Nombre") == "INGRID XODAR"
    assert root.find("cfdi:InformacionGlobal", NS) is None
    iedu = root.find(".//iedu:instEducativas", NS)
    assert iedu is not None and iedu.get("rfcPago") is None


def test_an_inscripcion_has_no_iedu(school, profile, student):
    invoice = InvoiceFactory(student=student, amount=Decimal("5000.00"), description="Inscripción 2026-2027")
    root = signed_invoice_xml(invoice, profile)
    assert root.find(".//iedu:instEducativas", NS) is None
    assert root.find("cfdi:Conceptos/cfdi:Concepto", NS).get("Descripcion") == "Inscripción 2026-2027"


def test_a_family_with_rfc_but_no_regime_or_zip_is_refused_naming_the_fields(invoice, profile, family):
    family.tax_regime = family.tax_zip = ""
    family.save()
    with pytest.raises(FiscalDataIncomplete) as refused:
        build.receiver_for(invoice, profile)
    assert set(refused.value.fields) == {"family.tax_regime", "family.tax_zip"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"curp": ""}, "student.curp"),
        ({"level": ""}, "student.level"),
        ({"level": "BACHILLERATO"}, "fiscal_profile.rvoe"),
    ],
)
def test_a_colegiatura_without_iedu_data_is_refused(school, profile, family, changes, field):
    student = StudentFactory(school=school, family=family, curp=STUDENT_CURP, level="PRIMARIA")
    for name, value in changes.items():
        setattr(student, name, value)
    student.save()
    invoice = InvoiceFactory(student=student, description="Colegiatura")
    with pytest.raises(FiscalDataIncomplete) as refused:
        build.invoice_cfdi(invoice=invoice, profile=profile, series="A", folio="1", method="PPD", form="99")
    assert field in refused.value.fields


def test_sat_schema_refuses_a_tampered_document(invoice, profile):
    root = signed_invoice_xml(invoice, profile)
    root.find(".//iedu:instEducativas", NS).set("nivelEducativo", "Universidad")  # not in IEDU's enumeration
    with pytest.raises(CfdiInvalid) as refused:
        build.validate_xml(etree.tostring(root))
    assert "nivelEducativo" in str(refused.value.detail)


def test_a_curp_the_iedu_schema_refuses_never_leaves(invoice, profile):
    # Past our own CURP check (say, a lower-case CURP typed straight into the database), SAT's IEDU
    # schema still stops the document before it is sealed and stored.
    comprobante = build.invoice_cfdi(
        invoice=invoice, profile=profile, series="A", folio="1", method="PPD", form="99"
    )
    comprobante["Conceptos"][0]["ComplementoConcepto"] = iedu10.InstEducativas(
        nombre_alumno="Juan Xodar",
        curp=STUDENT_CURP.lower(),
        nivel_educativo="Primaria",
        aut_rvoe="PRI-0987/2015",
    )
    with pytest.raises(CfdiInvalid) as refused:
        build.sign_and_validate(comprobante, _signer(profile))
    assert "CURP" in str(refused.value.detail)


def test_one_concept_per_line_iedu_only_on_the_colegiatura_and_a_beca_as_its_discount(
    school, profile, student
):
    invoice = InvoiceFactory(student=student, amount=Decimal("7700.00"), description="Marzo")
    tuition = fee_concept_default(school_id=school.pk, kind=ConceptKind.TUITION)
    enrollment = fee_concept_default(school_id=school.pk, kind=ConceptKind.ENROLLMENT)
    for position, (concept, description, amount, source) in enumerate(
        [
            (tuition, "Colegiatura 2026-03", "3500.00", LineSource.PLAN_ITEM),
            (enrollment, "Inscripción 2026-2027", "5000.00", LineSource.PLAN_ITEM),
            (tuition, "Beca 25%", "-800.00", LineSource.DISCOUNT),
        ]
    ):
        InvoiceLine.objects.create(
            invoice=invoice,
            student=student,
            concept=concept,
            description=description,
            amount=Decimal(amount),
            source=source,
            position=position,
        )
    root = signed_invoice_xml(invoice, profile)
    concepts = root.findall("cfdi:Conceptos/cfdi:Concepto", NS)
    assert [(c.get("Descripcion"), c.get("Importe"), c.get("Descuento")) for c in concepts] == [
        ("Colegiatura 2026-03", "3500.00", "800.00"),
        ("Inscripción 2026-2027", "5000.00", None),
    ]
    assert [c.find(".//iedu:instEducativas", NS) is not None for c in concepts] == [True, False]
    # The exempt base is what is charged after the beca; the total is the invoice's amount.
    assert concepts[0].find(".//cfdi:Traslado", NS).get("Base") == "2700.00"
    assert (root.get("SubTotal"), root.get("Descuento"), root.get("Total")) == (
        "8500.00",
        "800.00",
        "7700.00",
    )
