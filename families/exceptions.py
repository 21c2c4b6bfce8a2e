from http import HTTPStatus

from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError


class FamilyInactive(DomainError):
    code = "family_inactive"
    status = HTTPStatus.CONFLICT
    default_detail = _("This family is inactive; reactivate it before adding students to it.")


class FamilyOfAnotherSchool(DomainError):
    code = "family_of_another_school"
    status = HTTPStatus.BAD_REQUEST
    default_detail = _("A student can only belong to a family of their own school.")

    def __init__(self, detail: str | None = None, *, fields: dict | None = None):
        super().__init__(detail, fields=fields or {"family_id": [self.default_detail]})
