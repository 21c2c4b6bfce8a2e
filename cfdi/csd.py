"""The school's CSD: checked when it is uploaded, loaded as a satcfdi Signer when a CFDI is signed.

The key's password is read from the environment variable the profile names, at the moment of
signing; it is never stored, logged or sent back.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass

from cryptography import x509
from django.utils.translation import gettext as _
from satcfdi.models import Signer

from cfdi.exceptions import CsdInvalid, CsdPasswordMissing


@dataclass(frozen=True)
class CsdInfo:
    rfc: str
    number: str
    valid_until: datetime.datetime


def password_from_env(variable: str) -> str:
    password = os.environ.get(variable or "")
    if not password:
        raise CsdPasswordMissing(
            _("Set the environment variable %(name)s to the CSD key's password on this server.")
            % {"name": variable or "?"}
        )
    return password


def signer_load(*, certificate: bytes, key: bytes, password_env: str) -> Signer:
    """The Signer for a certificate (DER) and an encrypted key (DER PKCS#8). CsdInvalid if unusable."""
    password = password_from_env(password_env)
    try:
        return Signer.load(certificate=bytes(certificate), key=bytes(key), password=password)
    except Exception as exc:  # cryptography/OpenSSL raise many kinds: all mean "unusable"
        raise CsdInvalid(
            _("The CSD certificate and key could not be read with the password in %(name)s (%(error)s).")
            % {"name": password_env, "error": type(exc).__name__},
            fields={"private_key": [str(_("Not a DER key for this certificate, or a wrong password."))]},
        ) from None


def csd_check(
    *, certificate: bytes, key: bytes, password_env: str, rfc: str, now: datetime.datetime
) -> CsdInfo:
    """Check an uploaded CSD: readable, key matches, issued to `rfc`, valid now. Returns its facts."""
    signer = signer_load(certificate=certificate, key=key, password_env=password_env)
    cert_rfc = str(signer.rfc or "")
    if cert_rfc != rfc:
        raise CsdInvalid(
            _("The certificate belongs to RFC %(cert)s, not to %(rfc)s.")
            % {"cert": cert_rfc or "?", "rfc": rfc},
            fields={"certificate": [str(_("Issued to another RFC."))]},
        )
    parsed = x509.load_der_x509_certificate(bytes(certificate))
    if not parsed.not_valid_before_utc <= now <= parsed.not_valid_after_utc:
        raise CsdInvalid(
            _("The certificate is not valid today (valid %(start)s to %(end)s).")
            % {"start": parsed.not_valid_before_utc.date(), "end": parsed.not_valid_after_utc.date()},
            fields={"certificate": [str(_("Expired or not yet valid."))]},
        )
    number = signer.certificate_number
    if not (len(number) == 20 and number.isdigit()):
        raise CsdInvalid(
            _("The certificate's number is not a SAT certificate number (20 digits)."),
            fields={"certificate": [str(_("Not a CSD issued by SAT."))]},
        )
    return CsdInfo(rfc=cert_rfc, number=number, valid_until=parsed.not_valid_after_utc)
