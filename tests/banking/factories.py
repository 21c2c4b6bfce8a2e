"""Bank accounts and statement files for the banking tests. Money written out."""

import factory

from banking.models import BankAccount, CsvProfile
from tests.schools.factories import SchoolFactory

# Valid CLABEs (bank code, branch, account, control digit), checked by the `clabe` package.
CLABE_BBVA = "012180001234567899"
CLABE_BANORTE = "072180001234567897"
CLABE_SANTANDER = "014180655000000002"


class BankAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BankAccount

    school = factory.SubFactory(SchoolFactory)
    bank = "BBVA Mexico"
    clabe = CLABE_BBVA
    name = "Colegiaturas"
    csv_profile = CsvProfile.GENERIC


def csv_file(
    rows: list[str], header: str = "Fecha,Descripción,Referencia,Importe", encoding="utf-8"
) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode(encoding)
