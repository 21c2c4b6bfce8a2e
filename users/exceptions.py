from rest_framework import status

from core.exceptions import DomainError


class InvalidCredentials(DomainError):
    # One answer for an unknown username, a wrong password and an inactive account, so the
    # login cannot be used to find out which usernames exist.
    code = "invalid_credentials"
    status = status.HTTP_401_UNAUTHORIZED
    default_detail = "Invalid username or password."


class InvalidRefreshToken(DomainError):
    code = "invalid_token"
    status = status.HTTP_401_UNAUTHORIZED
    default_detail = "The refresh token is invalid, expired or already used."


class LastSchoolAdmin(DomainError):
    code = "last_school_admin"
    status = status.HTTP_409_CONFLICT
    default_detail = "A school must keep at least one ADMIN; add another ADMIN first."
