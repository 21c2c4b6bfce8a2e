"""Every app's factories in one import, for the tests written before they moved to their apps.

The factories live in tests/<app>/factories.py (STYLE.md); new tests import them from there.
"""

from tests.billing.factories import InvoiceFactory, PaymentFactory
from tests.families.factories import FamilyFactory
from tests.schools.factories import SchoolFactory
from tests.students.factories import StudentFactory
from tests.users.factories import MembershipFactory, UserFactory

__all__ = [
    "FamilyFactory", "InvoiceFactory", "MembershipFactory", "PaymentFactory", "SchoolFactory",
    "StudentFactory", "UserFactory",
]
