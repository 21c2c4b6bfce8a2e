"""The overdue sweep page: what the nightly sweep would mark, per school, and a button to run it now.

ACCOUNTANT and up (users.access: OVERDUE_SWEEP), only for their own schools. The sweep itself is
billing.services' (set-based, idempotent, cache-bumping); this page previews and reports.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from billing import rules, services
from billing.exceptions import OverdueSweepRunning
from billing.models import Invoice
from core.dates import local_today
from schools.models import School
from users.access import Action, school_ids_where, user_can_anywhere


def _preview(school_ids: list | None, today) -> list[dict]:
    """Per school: invoices the sweep would mark OVERDUE now (the sweep itself, dry run), and all
    that read overdue (billing.rules). Three queries."""
    schools = School.objects.order_by("name")
    if school_ids is not None:
        schools = schools.filter(pk__in=school_ids)
    to_mark = services.invoice_overdue_sweep(school_ids=school_ids, as_of=today, dry_run=True)
    overdue = Invoice.objects.overdue(today)
    if school_ids is not None:
        overdue = overdue.filter(school_id__in=school_ids)
    overdue_by_school = {
        row["school_id"]: row
        for row in overdue.order_by().values("school_id").annotate(
            count=Count("id"), amount=Sum(rules.balance_expression(), output_field=rules.MONEY_SUM),
        )
    }
    return [
        {
            **school,
            "to_mark": to_mark.get(school["id"], 0),
            "overdue": overdue_by_school.get(school["id"], {}).get("count", 0),
            "overdue_amount": overdue_by_school.get(school["id"], {}).get("amount"),
        }
        for school in schools.values("id", "name")
    ]


def overdue_sweep(request, *, site):
    user = request.user
    if not user_can_anywhere(user, Action.OVERDUE_SWEEP):
        raise PermissionDenied
    school_ids = school_ids_where(user, Action.OVERDUE_SWEEP)
    today = local_today()
    if request.method == "POST":
        try:
            # Never queue behind the nightly sweep inside a web request: say so and let them retry.
            counts = services.invoice_overdue_sweep(
                school_ids=school_ids, as_of=today, wait=False, user=user, via="admin",
            )
        except OverdueSweepRunning:
            messages.warning(request, _("Another overdue sweep is running right now; try again in a minute."))
            return HttpResponseRedirect(reverse("admin:overdue_sweep"))
        names = dict(School.objects.filter(pk__in=list(counts)).values_list("pk", "name"))
        changed = sum(counts.values())
        if changed:
            detail = ", ".join(f"{names.get(pk, pk)}: {n}" for pk, n in sorted(counts.items(), key=str) if n)
            messages.success(
                request, _("Overdue sweep done: %(count)d invoice(s) marked overdue (%(detail)s).")
                % {"count": changed, "detail": detail},
            )
        else:
            messages.info(request, _("Overdue sweep done: every status was already up to date."))
        return HttpResponseRedirect(reverse("admin:overdue_sweep"))
    rows = _preview(school_ids, today)
    context = {
        **site.each_context(request),
        "title": _("Overdue sweep"),
        "rows": rows,
        "today": today,
        "total_to_mark": sum(row["to_mark"] for row in rows),
        "invoices_url": reverse("admin:billing_invoice_changelist"),
    }
    return TemplateResponse(request, "admin/backoffice/overdue_sweep.html", context)

