"""Context of the admin index: the dashboard of the staff member's schools, charts already drawn."""

from uuid import UUID

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from backoffice import charts
from backoffice.dashboard import dashboard_get
from core.money import ZERO, rate_percent
from schools.models import School
from users.access import Action, user_can_anywhere, user_school_ids


def _selected_school(request, schools: list[School]) -> School | None:
    raw = request.GET.get("school", "")
    try:
        wanted = UUID(raw)
    except ValueError:
        return None
    return next((school for school in schools if school.pk == wanted), None)


def dashboard_context(request) -> dict:
    """Everything the index template needs; empty when the user has no school to look at."""
    user = request.user
    visible = user_school_ids(user)
    if visible is not None and not visible:
        return {"dashboard": None}
    schools_qs = School.objects.only("id", "name").order_by("name")
    if visible is not None:
        schools_qs = schools_qs.filter(pk__in=visible)
    schools = list(schools_qs)
    selected = _selected_school(request, schools)
    if selected is not None:
        school_ids = [selected.pk]
    else:
        school_ids = None if visible is None else [school.pk for school in schools]
    data = dashboard_get(school_ids=school_ids)

    monthly = data["monthly"]
    monthly_chart = charts.column_chart(
        labels=[date_format(row["month"], "M") for row in monthly],
        titles=[date_format(row["month"], "YEAR_MONTH_FORMAT") for row in monthly],
        series=[
            (_("Invoiced"), charts.INVOICED, [row["invoiced"] for row in monthly]),
            (_("Collected"), charts.COLLECTED, [row["collected"] for row in monthly]),
        ],
    )
    daily = data["daily"]
    daily_chart = charts.column_chart(
        labels=[date_format(row["date"], "j M") for row in daily],
        titles=[date_format(row["date"], "DATE_FORMAT") for row in daily],
        series=[(_("Collected"), charts.COLLECTED, [row["total"] for row in daily])],
        label_every=5,
    )
    aging_chart = charts.horizontal_bars(
        rows=[
            (
                _("%(bucket)s days") % {"bucket": row["bucket"]},
                row["amount"],
                colour,
                _("%(count)s invoices") % {"count": row["count"]},
            )
            for row, colour in zip(data["aging"], charts.AGING_COLOURS, strict=True)
        ]
    )
    top = data["top_debtors"]
    peak = max((row["pending"] for row in top), default=0)
    statement_url = "admin:students_student_statement"
    debtors = [
        {
            **row,
            # Bar widths in percent of the largest debt (CSS), through the one rate boundary.
            "bar": float(rate_percent(row["pending"], peak) or 0),
            "overdue_bar": float(rate_percent(row["overdue"], peak) or 0),
            "statement_url": reverse(statement_url, args=[row["student_id"]]),
        }
        for row in top
    ]
    daily_total = sum((row["total"] for row in daily), start=ZERO)
    return {
        "dashboard": data,
        "kpis": data["kpis"],
        "schools": schools,
        "selected_school": selected,
        "monthly_chart": monthly_chart,
        "daily_chart": daily_chart,
        "daily_total": daily_total,
        "aging_chart": aging_chart,
        "aging_total": sum((row["amount"] for row in data["aging"]), start=ZERO),
        "debtors": debtors,
        "can_sweep": user_can_anywhere(user, Action.OVERDUE_SWEEP),
        "invoices_url": reverse("admin:billing_invoice_changelist"),
    }
