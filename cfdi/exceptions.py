"""Refusals of the CFDI services, each with a stable code (part of the API)."""

from http import HTTPStatus

from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError


class CfdiError(DomainError, code="cfdi_error"):
    """A CFDI (SAT electronic invoice) rule refused the operation."""


class FiscalProfileMissing(CfdiError, code="fiscal_profile_missing", status=HTTPStatus.CONFLICT):
    default_detail = _("This school has no fiscal profile; add its RFC and CSD before issuing CFDIs.")


class CsdInvalid(CfdiError, code="csd_invalid"):
    """The certificate or key cannot be read, do not match, belong to another RFC, or expired."""

    default_detail = _("The CSD certificate and key could not be used.")


class CsdPasswordMissing(CfdiError, code="csd_password_missing", status=HTTPStatus.CONFLICT):
    default_detail = _(
        "The environment variable that holds the CSD key's password is not set on this server."
    )


class InvoiceNotIssuable(CfdiError, code="invoice_not_issuable", status=HTTPStatus.CONFLICT):
    default_detail = _("A cancelled invoice cannot get a CFDI.")


class CfdiAlreadyIssued(CfdiError, code="cfdi_already_issued", status=HTTPStatus.CONFLICT):
    default_detail = _(
        "This invoice already has a CFDI (draft or stamped); cancel it before issuing another."
    )


class FiscalDataIncomplete(CfdiError, code="fiscal_data_incomplete"):
    """The receiver's or a student's data cannot make a valid CFDI (names the fields in `fields`)."""

    default_detail = _("Fiscal data needed for this CFDI is missing or invalid.")


class CfdiInvalid(CfdiError, code="cfdi_invalid"):
    """The XML built for SAT does not validate against SAT's schema: nothing leaves."""

    default_detail = _("The CFDI does not validate against SAT's schema.")


class CfdiNotCancellable(CfdiError, code="cfdi_not_cancellable", status=HTTPStatus.CONFLICT):
    default_detail = _("Only a stamped CFDI can be cancelled.")


class CfdiHasPaymentComplements(CfdiError, code="cfdi_has_payment_complements", status=HTTPStatus.CONFLICT):
    default_detail = _("Cancel this invoice CFDI's stamped payment complements first.")


class ReplacementRequired(CfdiError, code="replacement_required"):
    default_detail = _("Reason 01 needs the UUID of the stamped CFDI that replaces this one.")


class PacRefused(CfdiError, code="pac_refused", status=HTTPStatus.CONFLICT):
    default_detail = _("The PAC refused the request.")


class PacUnavailable(CfdiError, code="pac_unavailable", status=HTTPStatus.SERVICE_UNAVAILABLE):
    """The PAC did not answer in time, or answered with a server error: try again later."""

    default_detail = _("The PAC is not answering; try again later.")


class PacNotConfigured(CfdiError, code="pac_not_configured", status=HTTPStatus.SERVICE_UNAVAILABLE):
    default_detail = _("No PAC is configured on this server (CFDI_PAC).")


class DocumentNotStamped(CfdiError, code="cfdi_not_stamped", status=HTTPStatus.CONFLICT):
    default_detail = _("This CFDI has no stamped XML yet.")
