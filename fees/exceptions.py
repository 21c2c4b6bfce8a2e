from http import HTTPStatus

from django.utils.translation import gettext_lazy

from core.exceptions import DomainError


class FeesError(DomainError, code="fees_error"):
    """A fee-plan or billing-run rule refused the operation."""


class AlreadyEnrolled(FeesError, code="already_enrolled", status=HTTPStatus.CONFLICT):
    default_detail = gettext_lazy("This student is already enrolled in a plan of this school year.")


class InactiveFeeSetup(FeesError, code="fee_setup_inactive", status=HTTPStatus.CONFLICT):
    default_detail = gettext_lazy("The school year or fee plan is inactive.")


class StudentNotBillable(FeesError, code="student_inactive", status=HTTPStatus.CONFLICT):
    default_detail = gettext_lazy("The student is inactive; reactivate them first.")


class LateFeePolicyExists(FeesError, code="late_fee_policy_exists", status=HTTPStatus.CONFLICT):
    default_detail = gettext_lazy(
        "The school already has an active late-fee policy; change that one or delete it first."
    )


class DuplicateName(FeesError, code="duplicate_name", status=HTTPStatus.CONFLICT):
    default_detail = gettext_lazy("The name is already taken.")
