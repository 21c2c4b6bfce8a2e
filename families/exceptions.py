from rest_framework import status

from core.exceptions import DomainError


class FamilyInactive(DomainError):
    code = "family_inactive"
    status = status.HTTP_409_CONFLICT
    default_detail = "This family is inactive; reactivate it before adding students to it."


class FamilyOfAnotherSchool(DomainError):
    code = "family_of_another_school"
    status = status.HTTP_400_BAD_REQUEST
    default_detail = "A student can only belong to a family of their own school."

    def __init__(self, detail: str | None = None, *, fields: dict | None = None):
        super().__init__(detail, fields=fields or {"family_id": [self.default_detail]})
