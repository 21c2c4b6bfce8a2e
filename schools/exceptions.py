from http import HTTPStatus

from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError


class SchoolInactive(DomainError):
    code = "school_inactive"
    status = HTTPStatus.CONFLICT
    default_detail = _("This school is inactive; reactivate it before enrolling students.")
