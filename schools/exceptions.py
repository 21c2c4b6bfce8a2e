from rest_framework import status

from core.exceptions import DomainError


class SchoolInactive(DomainError):
    code = "school_inactive"
    status = status.HTTP_409_CONFLICT
    default_detail = "This school is inactive; reactivate it before enrolling students."
