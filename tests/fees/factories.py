"""Fee setup rows for tests, made through the services (their checks are part of the arrangement)."""

from datetime import date
from decimal import Decimal

from fees import services

TEN_MONTHS = [9, 10, 11, 12, 1, 2, 3, 4, 5, 6]


def school_year(school, **overrides):
    arguments = {
        "school_id": school.pk, "name": "2026-2027", "starts_on": date(2026, 8, 17),
        "ends_on": date(2027, 7, 9), **overrides,
    }
    return services.school_year_create(**arguments)


def tuition_item(amount="2500.00", **overrides):
    return {
        "concept_kind": "TUITION", "description": "Colegiatura", "amount": Decimal(amount),
        "schedule": "MONTHLY", "months": TEN_MONTHS, "due_day": 10, **overrides,
    }


def enrollment_item(amount="3000.00", due=date(2026, 8, 20)):
    return {"concept_kind": "ENROLLMENT", "description": "Inscripción", "amount": Decimal(amount),
            "schedule": "ONCE", "due_date": due}


def fee_plan(year, name="Primaria", items=None, grades=None):
    return services.fee_plan_create(
        school_year_id=year.pk, name=name, items=items or [tuition_item()], grades=grades or []
    )
