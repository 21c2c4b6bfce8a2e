"""The student desk of the back office: students with their pending and overdue balances and the
printable account statement.

Registered here rather than in `students`: it reads billing and accounting, which sit above the
students app (a student knows nothing of money).
"""

from datetime import date

from django import forms
from django.contrib import admin
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounting.documents import (
    STATEMENT_TEMPLATE,
    statement_filename,
    student_statement_context,
    student_statement_pdf,
)
from accounting.selectors import Period
from billing import rules
from billing.models import Invoice
from core.admin_display import money_column
from core.dates import local_today
from core.formats import money
from core.money import ZERO
from core.pdf import pdf_response
from families.models import Family
from fees.selectors import student_discount_list
from students.models import Student
from students.services import student_create, student_update
from users.access import Action, school_ids_where
from users.admin_scoping import SchoolScopedAdmin, ScopedSchoolFilter, row_view

_MONEY = DecimalField(max_digits=14, decimal_places=2)


def _balance_subquery(*, overdue_only: bool, today: date) -> Coalesce:
    """Unpaid total of a student's countable invoices, as a correlated subquery (one list query)."""
    invoices = Invoice.objects.filter(rules.overdue_q(today) if overdue_only else rules.open_q(),
                                      student_id=OuterRef("pk"))
    total = (
        invoices.order_by()
        .values("student_id")
        .annotate(total=Sum(rules.balance_expression(), output_field=_MONEY))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=_MONEY), Value(ZERO), output_field=_MONEY)


class BalanceFilter(admin.SimpleListFilter):
    title = _("balance")
    parameter_name = "balance"

    def lookups(self, request, model_admin):
        return [
            ("owes", _("Owes something")), ("overdue", _("Has overdue debt")), ("clear", _("Nothing due")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "owes":
            return queryset.filter(pending_value__gt=0)
        if self.value() == "overdue":
            return queryset.filter(overdue_value__gt=0)
        if self.value() == "clear":
            return queryset.filter(pending_value=0)
        return queryset


_DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StatementPeriodForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=_DATE_INPUT)
    date_to = forms.DateField(label=_("To"), required=False, widget=_DATE_INPUT)
    paper = forms.ChoiceField(
        label=_("Paper"), required=False, choices=[("a4", "A4"), ("letter", _("Letter"))]
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(gettext("The start of the period is after its end."))
        return data


def statement_page(request, subject, *, template: str, context, pdf, filename, back_url: str):
    """A printable statement (a student's, a family's): the period and paper chosen in the query
    string, the page with its presets and PDF link, or the PDF itself with `?format=pdf`.

    `context`, `pdf` and `filename` are accounting.documents' functions for the subject.
    """
    form = StatementPeriodForm(request.GET or None)
    period, paper = Period(), "a4"
    if form.is_bound and form.is_valid():
        period = Period(date_from=form.cleaned_data["date_from"], date_to=form.cleaned_data["date_to"])
        paper = form.cleaned_data["paper"] or "a4"
    if request.GET.get("format") == "pdf":
        return pdf_response(pdf(subject, period=period, paper=paper, request=request),
                            filename=filename(subject))
    today = local_today()
    query = request.GET.copy()
    query["format"] = "pdf"
    return TemplateResponse(request, template, {
        **context(subject, period=period, paper=paper),
        "form": form,
        "presets": [
            (gettext("Everything"), "", ""),
            (gettext("This year"), date(today.year, 1, 1), date(today.year, 12, 31)),
            (gettext("Last year"), date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
        ],
        "back_url": back_url,
        "pdf_url": f"?{query.urlencode()}",
    })


@admin.register(Student)
class StudentAdmin(SchoolScopedAdmin):
    add_action = Action.STUDENT_WRITE
    change_action = Action.STUDENT_WRITE
    # Email and active flag are searchable/filterable; the columns keep room for the balances.
    list_display = ["last_name", "first_name", "school", "grade", "pending_balance", "overdue_balance",
                    "statement_link"]
    list_display_links = ["last_name", "first_name"]
    list_filter = [BalanceFilter, "is_active", "level", "grade", ("school", ScopedSchoolFilter)]
    list_select_related = ["school"]
    list_per_page = 50
    search_fields = ["first_name", "last_name", "email", "curp", "family__name", "family__reference"]
    search_help_text = _("Search by name, email, CURP, or the family's name or payment reference.")
    autocomplete_fields = ["school", "family"]
    readonly_fields = ["discounts", "created_at", "updated_at"]
    # A student never changes school: their invoices were issued by this one.
    create_only_fields = ["school"]
    extra_views = [("<path:object_id>/statement/", "statement_view", "students_student_statement")]
    show_full_result_count = False

    def get_queryset(self, request):
        today = local_today()
        return (
            super()
            .get_queryset(request)
            .select_related("school")
            .annotate(
                pending_value=_balance_subquery(overdue_only=False, today=today),
                overdue_value=_balance_subquery(overdue_only=True, today=today),
            )
        )

    pending_balance = money_column("pending_value", _("Pending balance"))

    @admin.display(description=_("Overdue"), ordering="overdue_value")
    def overdue_balance(self, obj):
        if not obj.overdue_value:
            return money(obj.overdue_value)
        return format_html('<strong class="bo-overdue-amount">{}</strong>', money(obj.overdue_value))

    @admin.display(description=_("Discounts"))
    def discounts(self, obj):
        """What the billing run weighs for this student: becas and discounts of their own and of
        their family, with the months they are valid."""
        if obj is None or obj.pk is None:
            return "-"
        rows = [
            (
                reverse("admin:fees_discount_change", args=[discount.pk]),
                discount.get_kind_display(),
                f"{discount.percent} %" if discount.percent is not None else money(discount.amount),
                gettext("family") if discount.family_id else gettext("student"),
                discount.valid_from,
                discount.valid_to or "…",
                "" if discount.is_active else gettext("(inactive)"),
                discount.reason,
            )
            for discount in student_discount_list(student=obj)
        ]
        if not rows:
            return gettext("None")
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", '<li><a href="{}">{}</a> {} ({}), {} – {} {}: {}</li>', rows),
        )

    @admin.display(description=_("Statement"))
    def statement_link(self, obj):
        return format_html('<a href="{}">{}</a>',
                           reverse("admin:students_student_statement", args=[obj.pk]), gettext("Statement"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "family":
            allowed = school_ids_where(request.user, Action.STUDENT_WRITE)
            families = Family.objects.select_related("school")
            kwargs["queryset"] = families if allowed is None else families.filter(school_id__in=allowed)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # Through the services, like the API: statements show names and count active students.
        if change:
            changes = {field: form.cleaned_data[field] for field in form.changed_data}
            if "family" in changes:
                family = changes.pop("family")
                changes["family_id"] = family.pk if family else None
            saved = student_update(student_id=obj.pk, actor=request.user, **changes)
        else:
            data = form.cleaned_data
            saved = student_create(
                school_id=data["school"].pk, first_name=data["first_name"], last_name=data["last_name"],
                email=data.get("email", ""), grade=data.get("grade", ""), enrolled_at=data.get("enrolled_at"),
                family_id=data["family"].pk if data.get("family") else None, curp=data.get("curp", ""),
                level=data.get("level", ""), actor=request.user,
            )
            if data.get("is_active") is False:
                saved = student_update(student_id=saved.pk, actor=request.user, is_active=False)
        self.saved_by_service(obj, saved)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "statement_url": reverse("admin:students_student_statement", args=[object_id]),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @row_view
    def statement_view(self, request, student):
        """The printable account statement: period selectable, running balance, A4 or Letter."""
        return statement_page(
            request, student, template=STATEMENT_TEMPLATE, context=student_statement_context,
            pdf=student_statement_pdf, filename=statement_filename,
            back_url=reverse("admin:students_student_change", args=[student.pk]),
        )
