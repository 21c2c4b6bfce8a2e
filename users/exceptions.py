from http import HTTPStatus

from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError


class InvalidCredentials(DomainError):
    # One answer for an unknown username, a wrong password and an inactive account, so the
    # login cannot be used to find out which usernames exist.
    code = "invalid_credentials"
    status = HTTPStatus.UNAUTHORIZED
    default_detail = _("Invalid username or password.")


class InvalidRefreshToken(DomainError):
    code = "invalid_token"
    status = HTTPStatus.UNAUTHORIZED
    default_detail = _("The refresh token is invalid, expired or already used.")


class LastSchoolAdmin(DomainError):
    code = "last_school_admin"
    status = HTTPStatus.CONFLICT
    default_detail = _("A school must keep at least one ADMIN; add another ADMIN first.")
