"""Mexican identifiers and SAT codes a family or a student carries, checked before they are stored.

Each validator raises django's ValidationError with a sentence a finance clerk understands; the
services run them through `full_clean`, so the API answers 400 naming the field.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.iso7064 import mod_97_10
from stdnum.mx import curp, rfc

# SAT's generic RFCs: "público en general" (a Mexican receiver without an RFC) and a foreign one.
# They are not real persons' RFCs and fail the check digit, yet every CFDI system must take them.
GENERIC_RFCS = frozenset({"XAXX010101000", "XEXX010101000"})

# c_RegimenFiscal of the CFDI 4.0 catalogue (the codes a school's payer can have).
TAX_REGIMES = frozenset({
    "601", "603", "605", "606", "607", "608", "610", "611", "612", "614", "615", "616", "620",
    "621", "622", "623", "624", "625", "626",
})
# c_UsoCFDI of the CFDI 4.0 catalogue. Tuition is deducted with D10 (pagos por servicios educativos).
CFDI_USES = frozenset({
    "G01", "G02", "G03", "I01", "I02", "I03", "I04", "I05", "I06", "I07", "I08",
    "D01", "D02", "D03", "D04", "D05", "D06", "D07", "D08", "D09", "D10", "S01", "CP01", "CN01",
})

# A family payment reference: "1" (so a spreadsheet never drops leading zeros), a 7-digit number
# per school, then two ISO 7064 MOD 97-10 check digits. A typo in one digit, or two swapped
# digits, fails the check, so a mistyped bank transfer concept never lands on another family.
REFERENCE_LENGTH = 10
_REFERENCE_RE = re.compile(r"^1\d{9}$")


def _stdnum_check(validate, value: str, *, code: str, message) -> None:
    """python-stdnum's check of an official id, as the form or serializer error naming the value."""
    try:
        validate()
    except StdnumError:
        raise ValidationError(message, code=code, params={"value": value}) from None


def normalise_rfc(value: str) -> str:
    return rfc.compact(value) if value else ""


def validate_rfc(value: str) -> None:
    if not value or value in GENERIC_RFCS:
        return
    _stdnum_check(
        lambda: rfc.validate(value, validate_check_digits=True), value, code="invalid_rfc",
        message=_("%(value)s is not a valid RFC (12 characters for a company, 13 for a person, with a "
                  "valid date and check digit)."),
    )


def normalise_curp(value: str) -> str:
    return curp.compact(value) if value else ""


def validate_curp(value: str) -> None:
    if not value:
        return
    _stdnum_check(
        lambda: curp.validate(value), value, code="invalid_curp",
        message=_("%(value)s is not a valid CURP (18 characters, with a valid birth date, state and "
                  "check digit)."),
    )


def validate_tax_regime(value: str) -> None:
    if value and value not in TAX_REGIMES:
        raise ValidationError(
            _("Unknown SAT tax regime %(value)s (e.g. 605 for salaried persons)."),
            code="invalid_tax_regime", params={"value": value},
        )


def validate_tax_zip(value: str) -> None:
    if value and not re.fullmatch(r"\d{5}", value):
        raise ValidationError(_("A postal code has 5 digits."), code="invalid_tax_zip")


def validate_cfdi_use(value: str) -> None:
    if value and value not in CFDI_USES:
        raise ValidationError(
            _("Unknown CFDI use %(value)s (D10 is tuition)."), code="invalid_cfdi_use",
            params={"value": value},
        )


def reference_from_number(number: int) -> str:
    """The payment reference of a school's n-th family: 1, the number on 7 digits, 2 check digits."""
    if not 0 < number < 10_000_000:
        raise ValueError(f"family reference number out of range: {number}")
    body = f"1{number:07d}"
    return body + mod_97_10.calc_check_digits(body)


def reference_is_valid(value: str) -> bool:
    """Does this text have the shape and check digits of a family payment reference?"""
    return bool(_REFERENCE_RE.fullmatch(value or "")) and mod_97_10.is_valid(value)


def validate_reference(value: str) -> None:
    if not reference_is_valid(value):
        raise ValidationError(
            _("%(value)s is not a family payment reference (10 digits starting with 1, with valid "
              "check digits)."),
            code="invalid_reference", params={"value": value},
        )


_REFERENCE_IN_TEXT = re.compile(r"(?<!\d)1\d{9}(?!\d)")


def references_in_text(text: str) -> list[str]:
    """Every valid family reference written in a bank line's concept or description, in order.

    Runs of other lengths are ignored, so an account number or a CLABE is never mistaken for one.
    """
    return [match for match in _REFERENCE_IN_TEXT.findall(text or "") if mod_97_10.is_valid(match)]
