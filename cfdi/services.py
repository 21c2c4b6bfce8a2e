"""Every write of the CFDI app: the fiscal profile, issuing, stamping, payment complements, cancelling.

Money never waits for the tax authority: recording a payment does not touch this app. An invoice's
CFDI is issued on request (`document_issue`), its payment complements are prepared from the
allocations later (`payment_complements_prepare`), and every document reaches the PAC from a
background job (`document_stamp`, cfdi.tasks) that is retried while the PAC does not answer. No
PAC call ever runs inside a database transaction.

Lock order (after billing's: family, payment, invoice rows): the invoice row, then CFDI document rows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from uuid import UUID

import structlog
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from satcfdi.catalogs import codigo_postal_uso_horario

from billing.models import Allocation, Invoice, InvoiceStatus
from cfdi import build
from cfdi.csd import csd_check, signer_load
from cfdi.exceptions import (
    CfdiAlreadyIssued,
    CfdiError,
    CfdiHasPaymentComplements,
    CfdiNotCancellable,
    CsdInvalid,
    FiscalProfileMissing,
    InvoiceNotIssuable,
    PacNotConfigured,
    PacRefused,
    PacUnavailable,
    ReplacementRequired,
)
from cfdi.models import (
    LIVE_STATUSES,
    Document,
    DocumentKind,
    DocumentStatus,
    FiscalProfile,
    PaymentMethodCode,
)
from cfdi.pac import PacRefusal, pac_client
from core.money import ZERO
from core.rows import row_get
from families.validators import normalise_rfc
from students.models import StudentLevel
from users.models import User

logger = structlog.get_logger(__name__)

# How long a stamping job holds a document (longer than a PAC call may take).
CLAIM_SECONDS = 120


# --- the fiscal profile --------------------------------------------------------------------------


def _profile_validate(profile: FiscalProfile) -> None:
    errors = {}
    try:
        profile.full_clean(
            exclude=["school", "certificate", "private_key", "certificate_number", "certificate_valid_until"]
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if profile.rfc in build.GENERIC_RFCS:
        errors.setdefault("rfc", []).append(_("A school issues CFDIs with its own RFC, not a generic one."))
    if profile.expedition_zip and not errors.get("expedition_zip"):
        try:
            known = codigo_postal_uso_horario(profile.expedition_zip)
        except TypeError:
            known = None
        if not known:
            errors["expedition_zip"] = [_("Not a postal code in SAT's catalogue.")]
    if not isinstance(profile.rvoe, dict):
        errors["rvoe"] = [_('An object of level: RVOE, e.g. {"PRIMARIA": "PRI-1234"}.')]
    else:
        for level, value in profile.rvoe.items():
            if level not in StudentLevel.values:
                errors.setdefault("rvoe", []).append(
                    _("Unknown level %(level)s (use %(levels)s).")
                    % {"level": level, "levels": ", ".join(StudentLevel.values)}
                )
            elif not isinstance(value, str) or not value.strip() or len(value) > 60:
                errors.setdefault("rvoe", []).append(
                    _("The RVOE of %(level)s must be a short text.") % {"level": level}
                )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def fiscal_profile_put(
    *,
    school_id: UUID,
    rfc: str,
    legal_name: str,
    tax_regime: str,
    expedition_zip: str,
    series: str = "A",
    payment_series: str = "P",
    key_password_env: str | None = None,
    rvoe: dict | None = None,
    certificate: bytes | None = None,
    private_key: bytes | None = None,
    actor: User | None = None,
) -> FiscalProfile:
    """Create or replace a school's fiscal profile (PUT: every field as sent).

    The first profile needs the CSD (certificate and key); later ones keep the stored CSD unless
    both are sent again. The CSD is checked against the password in the environment variable the
    profile names: readable, key matching the certificate, issued to this RFC, valid today.
    Raises django ValidationError (a field), CsdInvalid (400) or CsdPasswordMissing (409). Safe to retry.
    """
    profile = FiscalProfile.objects.select_for_update().filter(school_id=school_id).first()
    if profile is None:
        profile = FiscalProfile(school_id=school_id)
    profile.rfc = normalise_rfc(rfc)
    profile.legal_name = legal_name.strip()
    profile.tax_regime = tax_regime
    profile.expedition_zip = expedition_zip
    profile.series = series
    profile.payment_series = payment_series
    profile.key_password_env = key_password_env or profile.key_password_env or settings.CFDI_CSD_PASSWORD_ENV
    profile.rvoe = {} if rvoe is None else rvoe
    _profile_validate(profile)
    if (certificate is None) != (private_key is None):
        raise CsdInvalid(
            _("Send the CSD's certificate and key together."),
            fields={"certificate" if certificate is None else "private_key": [_("Send both files.")]},
        )
    if certificate is None and profile._state.adding:
        raise CsdInvalid(
            _("A new fiscal profile needs the school's CSD (certificate and key)."),
            fields={
                "certificate": [_("This field is required.")],
                "private_key": [_("This field is required.")],
            },
        )
    if certificate is not None:
        profile.certificate, profile.private_key = bytes(certificate), bytes(private_key)
    info = csd_check(
        certificate=profile.certificate,
        key=profile.private_key,
        password_env=profile.key_password_env,
        rfc=profile.rfc,
        now=timezone.now(),
    )
    profile.certificate_number, profile.certificate_valid_until = info.number, info.valid_until
    profile.save()
    logger.info(
        "cfdi.fiscal_profile_saved",
        school_id=str(school_id),
        rfc=profile.rfc,
        actor=getattr(actor, "pk", None),
    )
    return profile


def _profile_of(school_id: UUID) -> FiscalProfile:
    profile = FiscalProfile.objects.filter(school_id=school_id).first()
    if profile is None:
        raise FiscalProfileMissing()
    return profile


def _signer(profile: FiscalProfile):
    return signer_load(
        certificate=profile.certificate, key=profile.private_key, password_env=profile.key_password_env
    )


# --- building a document's XML -------------------------------------------------------------------


def _invoice_for_cfdi(invoice_id: UUID) -> Invoice:
    return Invoice.objects.select_related("student__family", "school").get(pk=invoice_id)


def _document_xml(document: Document, profile: FiscalProfile) -> bytes:
    """Build, seal and validate the document's XML as of now (the Fecha must be within 72 h of stamping)."""
    signer = _signer(profile)
    if document.kind == DocumentKind.INCOME:
        comprobante = build.invoice_cfdi(
            invoice=_invoice_for_cfdi(document.invoice_id),
            profile=profile,
            series=document.series,
            folio=document.folio,
            method=document.payment_method,
            form=document.payment_form,
        )
    else:
        comprobante = build.payment_cfdi(
            related_xml=document.related.xml,
            payment=document.payment,
            amount=document.amount,
            installment=document.installment,
            balance_before=document.balance_before,
            profile=profile,
            series=document.series,
            folio=document.folio,
        )
    return build.sign_and_validate(comprobante, signer)


# --- issuing an invoice's CFDI -------------------------------------------------------------------


def document_issue(*, invoice_id: UUID, actor: User | None = None) -> Document:
    """Issue the CFDI of an invoice: a DRAFT document, checked, sealed and valid, queued for the PAC.

    PUE with the payment's form when the invoice is already paid in full, otherwise PPD with form 99
    (its payments get complements later). The XML is built and validated here, so bad data is a 400
    before anything is stored. Locks the invoice row (a second issue waits, then is refused).
    Raises NotFound, InvoiceNotIssuable (409, cancelled), FiscalProfileMissing (409),
    CfdiAlreadyIssued (409), FiscalDataIncomplete / CfdiInvalid / CsdInvalid (400), CsdPasswordMissing
    (409). Not idempotent by itself: the second call is the 409.
    """
    with transaction.atomic():
        invoice = row_get(Invoice, invoice_id, lock=True)
        if invoice.status == InvoiceStatus.CANCELLED:
            raise InvoiceNotIssuable()
        profile = _profile_of(invoice.school_id)
        if Document.objects.filter(
            invoice=invoice, kind=DocumentKind.INCOME, status__in=LIVE_STATUSES
        ).exists():
            raise CfdiAlreadyIssued()
        method, form = build.invoice_payment_terms(invoice)
        receiver = build.receiver_for(_invoice_for_cfdi(invoice.pk), profile)
        document = Document(
            school_id=invoice.school_id,
            kind=DocumentKind.INCOME,
            invoice=invoice,
            series=profile.series,
            folio=invoice.number,
            payment_method=method,
            payment_form=form,
            amount=invoice.amount,
            receiver_rfc=receiver.rfc,
            receiver_name=receiver.name,
            created_by=actor,
        )
        document.xml = _document_xml(document, profile)
        try:
            with transaction.atomic():
                document.save(force_insert=True)
        except IntegrityError:
            # The partial unique index: another request issued it between our check and insert.
            raise CfdiAlreadyIssued() from None
        transaction.on_commit(lambda: _queue_stamp(document.pk))
    return document


def _queue_stamp(document_id: UUID) -> None:
    from cfdi.tasks import stamp_document

    stamp_document.delay(str(document_id))


# --- stamping (the background job) ---------------------------------------------------------------


@dataclass(frozen=True)
class StampOutcome:
    document: Document
    retry: bool  # the PAC did not answer: try again later


def _claim(document_id: UUID) -> bool:
    now = timezone.now()
    return bool(
        Document.objects.filter(pk=document_id, status=DocumentStatus.DRAFT)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + datetime.timedelta(seconds=CLAIM_SECONDS), attempts=F("attempts") + 1)
    )


def _finish(document_id: UUID, **fields) -> None:
    Document.objects.filter(pk=document_id, status=DocumentStatus.DRAFT).update(
        claimed_until=None, updated_at=timezone.now(), **fields
    )


def document_stamp(*, document_id: UUID) -> StampOutcome:
    """Send one DRAFT document to the PAC and record its answer. Safe to retry and to run twice at once.

    Claims the document (a conditional update, so only one job sends it), rebuilds and seals the
    XML (fresh date), validates it against SAT's XSD, calls the PAC outside any transaction, then
    records: STAMPED with the UUID and stamped XML; FAILED with the PAC's code and reason when it
    refuses (or when our own data no longer makes a valid CFDI); still DRAFT with `retry` when the
    PAC is unreachable (FAILED after CFDI_STAMP_MAX_ATTEMPTS). A document not in DRAFT, or held by
    another job, is returned as it is.
    """
    if not _claim(document_id):
        return StampOutcome(Document.objects.get(pk=document_id), retry=False)
    document = Document.objects.select_related("related", "payment").get(pk=document_id)
    try:
        profile = _profile_of(document.school_id)
        xml = _document_xml(document, profile)
        client = pac_client()
    except PacNotConfigured as exc:
        _finish(document_id, pac_code=exc.code, pac_message=str(exc.detail))
        return StampOutcome(Document.objects.get(pk=document_id), retry=False)
    except CfdiError as exc:
        _finish(document_id, status=DocumentStatus.FAILED, pac_code=exc.code, pac_message=_detail(exc))
        return StampOutcome(Document.objects.get(pk=document_id), retry=False)
    try:
        result = client.stamp(xml)
    except PacRefusal as refusal:
        logger.info("cfdi.stamp_refused", document_id=str(document_id), code=refusal.code)
        _finish(
            document_id,
            status=DocumentStatus.FAILED,
            xml=xml,
            pac_code=refusal.code,
            pac_message=refusal.message,
        )
        return StampOutcome(Document.objects.get(pk=document_id), retry=False)
    except PacUnavailable as exc:
        logger.warning("cfdi.pac_unavailable", document_id=str(document_id), attempts=document.attempts)
        if document.attempts >= settings.CFDI_STAMP_MAX_ATTEMPTS:
            _finish(
                document_id,
                status=DocumentStatus.FAILED,
                xml=xml,
                pac_code=exc.code,
                pac_message=_("The PAC did not answer after %(n)d attempts.") % {"n": document.attempts},
            )
            return StampOutcome(Document.objects.get(pk=document_id), retry=False)
        _finish(document_id, xml=xml, pac_code=exc.code, pac_message=str(exc.detail))
        return StampOutcome(Document.objects.get(pk=document_id), retry=True)
    _finish(
        document_id,
        status=DocumentStatus.STAMPED,
        uuid=result.uuid,
        xml=result.xml,
        stamped_at=timezone.now(),
        pac_code="",
        pac_message="",
    )
    logger.info("cfdi.stamped", document_id=str(document_id), uuid=result.uuid)
    return StampOutcome(Document.objects.get(pk=document_id), retry=False)


def _detail(exc: CfdiError) -> str:
    text = str(exc.detail)
    if exc.fields:
        text += " " + "; ".join(
            f"{field}: {' '.join(map(str, messages))}" for field, messages in exc.fields.items()
        )
    return text


# --- payment complements (Pagos 2.0) -------------------------------------------------------------


def payment_complements_prepare(*, school_id: UUID | None = None) -> list[UUID]:
    """A DRAFT payment complement for each payment applied to a stamped PPD invoice CFDI that has none.

    One complement per payment and invoice CFDI, numbered by instalment in payment order, with the
    balance before it (ImpSaldoAnt) taken from the complements before it. Reversed payments get
    none. Locks each invoice CFDI row while it numbers its complements. Idempotent: a second run
    prepares nothing new. Returns the new documents' ids.
    """
    ppd = Document.objects.filter(
        kind=DocumentKind.INCOME, status=DocumentStatus.STAMPED, payment_method=PaymentMethodCode.PPD
    )
    if school_id is not None:
        ppd = ppd.filter(school_id=school_id)
    allocations = (
        Allocation.objects.filter(invoice_id__in=ppd.values("invoice_id"), payment__is_reversed=False)
        .select_related("payment")
        .order_by("payment__payment_date", "payment__created_at", "payment_id")
    )
    created = []
    for allocation in allocations:
        with transaction.atomic():
            related = (
                Document.objects.select_for_update()
                .filter(
                    invoice_id=allocation.invoice_id, kind=DocumentKind.INCOME, status=DocumentStatus.STAMPED
                )
                .first()
            )
            if related is None:
                continue
            complements = Document.objects.filter(
                related=related, kind=DocumentKind.PAYMENT, status__in=LIVE_STATUSES
            )
            if complements.filter(payment_id=allocation.payment_id).exists():
                continue
            before = complements.aggregate(paid=Sum("amount"))
            balance_before = related.amount - (before["paid"] or ZERO)
            amount = min(allocation.amount, balance_before)
            if amount <= 0:
                continue
            profile = _profile_of(related.school_id)
            document = Document.objects.create(
                school_id=related.school_id,
                kind=DocumentKind.PAYMENT,
                invoice_id=allocation.invoice_id,
                payment=allocation.payment,
                related=related,
                series=profile.payment_series,
                folio=allocation.payment.number,
                amount=amount,
                installment=complements.count() + 1,
                balance_before=balance_before,
                payment_form=build.PAYMENT_FORM.get(allocation.payment.method, "99"),
                receiver_rfc=related.receiver_rfc,
                receiver_name=related.receiver_name,
            )
            created.append(document.pk)
    return created


def stamp_pending(*, school_id: UUID | None = None, limit: int = 500) -> dict[str, int]:
    """The job: prepare payment complements, then send every DRAFT to the PAC (oldest first).

    Invoice CFDIs go first (a complement needs its invoice's UUID); when this run stamped some, their
    payments' complements are prepared and sent in the same run. What `manage.py stamp_cfdi` and the
    periodic task run. Safe to run twice at once (each document is claimed by one). Returns counts.
    """
    counts = {"prepared": 0, "stamped": 0, "failed": 0, "waiting": 0}
    tried: set[UUID] = set()  # a document the PAC did not answer waits for the next run
    for _pass in range(2):
        counts["prepared"] += len(payment_complements_prepare(school_id=school_id))
        drafts = Document.objects.filter(status=DocumentStatus.DRAFT)
        if school_id is not None:
            drafts = drafts.filter(school_id=school_id)
        drafts = drafts.exclude(pk__in=tried).order_by("kind", "created_at")
        invoices_stamped = 0
        for document_id, kind in list(drafts.values_list("pk", "kind")[: max(limit - len(tried), 0)]):
            tried.add(document_id)
            status = document_stamp(document_id=document_id).document.status
            if status == DocumentStatus.STAMPED:
                counts["stamped"] += 1
                invoices_stamped += kind == DocumentKind.INCOME
            elif status == DocumentStatus.FAILED:
                counts["failed"] += 1
            else:
                counts["waiting"] += 1
        if not invoices_stamped:
            break
    return counts


# --- cancelling ----------------------------------------------------------------------------------


def document_cancel(
    *, document_id: UUID, reason: str, replacement_uuid: str = "", actor: User | None = None
) -> Document:
    """Cancel a stamped CFDI with SAT's reason code (01 needs the stamped CFDI that replaces it).

    Checks first, asks the PAC outside any transaction, then records CANCELLED with a conditional
    update (a concurrent cancel changes nothing twice). An invoice CFDI with live payment
    complements is refused: SAT wants those cancelled first. Raises NotFound,
    CfdiNotCancellable (409), CfdiHasPaymentComplements (409), ReplacementRequired (400),
    PacRefused (409, with the PAC's reason), PacUnavailable (503); nothing changes on any of them.
    Safe to retry.
    """
    document = row_get(Document, document_id)
    if document.status != DocumentStatus.STAMPED:
        raise CfdiNotCancellable()
    if (
        document.kind == DocumentKind.INCOME
        and Document.objects.filter(
            related=document, kind=DocumentKind.PAYMENT, status__in=LIVE_STATUSES
        ).exists()
    ):
        raise CfdiHasPaymentComplements()
    replacement_uuid = (replacement_uuid or "").strip().upper()
    if reason == "01":
        valid = (
            replacement_uuid
            and Document.objects.filter(
                school_id=document.school_id,
                uuid=replacement_uuid,
                status=DocumentStatus.STAMPED,
                kind=document.kind,
            )
            .exclude(pk=document.pk)
            .exists()
        )
        if not valid:
            raise ReplacementRequired(
                fields={
                    "replacement_uuid": [
                        _("The UUID of a stamped CFDI of this school that replaces this one.")
                    ]
                }
            )
    elif replacement_uuid:
        raise ReplacementRequired(
            _("Only reason 01 takes a replacement UUID."),
            fields={"replacement_uuid": [_("Only with reason 01.")]},
        )
    try:
        pac_client().cancel(xml=bytes(document.xml), reason=reason, replacement_uuid=replacement_uuid)
    except PacRefusal as refusal:
        raise PacRefused(f"{refusal.code}: {refusal.message}") from None
    Document.objects.filter(pk=document.pk, status=DocumentStatus.STAMPED).update(
        status=DocumentStatus.CANCELLED,
        cancel_reason=reason,
        replacement_uuid=replacement_uuid,
        cancelled_at=timezone.now(),
        updated_at=timezone.now(),
    )
    logger.info(
        "cfdi.cancelled", document_id=str(document.pk), reason=reason, actor=getattr(actor, "pk", None)
    )
    document.refresh_from_db()
    return document
