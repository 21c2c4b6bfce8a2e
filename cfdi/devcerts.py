"""Throw-away CSD certificates for tests, the demo and the fake PAC. Never real credentials.

SAT issues a school's CSD (certificado de sello digital) as a DER certificate (`.cer`) and a
DER PKCS#8 private key encrypted with a password (`.key`). These helpers make a pair with the same
shape, self-signed: the subject carries the RFC in x500UniqueIdentifier and the legal name in O (where
satcfdi's Certificate reads them), and the serial number is the 20-digit "número de certificado"
written as ASCII, as SAT's are (satcfdi reads every other hex digit of it).

A certificate made here is accepted by nothing but this application and the fake PAC.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

# x500UniqueIdentifier (2.5.4.45): SAT writes "RFC / RFC of the legal representative" there.
_UNIQUE_IDENTIFIER = x509.ObjectIdentifier("2.5.4.45")


@dataclass(frozen=True)
class DevCsd:
    certificate: bytes  # DER, as SAT's .cer
    key: bytes  # DER PKCS#8, encrypted with `password`, as SAT's .key
    password: str
    number: str  # the 20-digit certificate number


def make_csd(
    *,
    rfc: str,
    legal_name: str,
    password: str,
    number: str = "30001000000500003416",
    valid_from: datetime.datetime | None = None,
    valid_days: int = 4 * 365,
    branch: str = "",
) -> DevCsd:
    """A self-signed CSD-shaped certificate and encrypted key for `rfc`.

    `branch` goes in OU: the fake PAC's own certificate uses "PAC<RFC>" there, as SAT's PAC
    certificates do (satcfdi reads RfcProvCertif from it).
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject_parts = [
        x509.NameAttribute(NameOID.COMMON_NAME, legal_name),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, legal_name),
        x509.NameAttribute(_UNIQUE_IDENTIFIER, f"{rfc} / "),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, " / "),
    ]
    if branch:
        subject_parts.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, branch))
    subject = x509.Name(subject_parts)
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "AC DE PRUEBAS (NO ES DEL SAT)")])
    start = valid_from or datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(int.from_bytes(number.encode("ascii"), "big"))
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return DevCsd(
        certificate=certificate.public_bytes(serialization.Encoding.DER),
        key=key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(password.encode()),
        ),
        password=password,
        number=number,
    )
