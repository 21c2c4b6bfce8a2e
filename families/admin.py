"""The family desk: the paying account's data and children, and for billing staff its money: the
credit page, the printable family statement (and its PDF) and the family payment form.

Every figure comes from billing's selectors and accounting's statement, every write from billing's
services (billing.credit.family_payment_record): this module only collects input, shows the
services' answers and says their refusals in the staff's language.
"""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, DecimalField, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounting.documents import (
    FAMILY_STATEMENT_TEMPLATE,
    family_statement_context,
    family_statement_filename,
    family_statement_pdf,
)
from backoffice.admin import statement_page
from billing import rules, selectors
from billing.admin import PaymentRegisterForm, money_field
from billing.credit import AllocationRequest, family_payment_record
from billing.models import Invoice, PaymentMethod
from core.admin_display import money_column
from core.exceptions import DomainError
from core.formats import money
from core.money import ZERO
from families.models import Family
from families.services import family_create, family_update
from students.models import Student
from users.access import Action, user_can
from users.admin_scoping import SchoolScopedAdmin, ScopedSchoolFilter, row_view

_MONEY = DecimalField(max_digits=14, decimal_places=2)
OLDEST_FIRST, AS_CHOSEN = "oldest", "chosen"


def _children_expression() -> Coalesce:
    """How many active students the family has, as a correlated subquery."""
    children = (
        Student.objects.filter(family_id=OuterRef("pk"), is_active=True)
        .order_by()
        .values("family_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(children, output_field=IntegerField()), Value(0), output_field=IntegerField())


def _pending_expression() -> Coalesce:
    """What the family's children owe (open invoices' balances), as a correlated subquery."""
    owed = (
        Invoice.objects.open()
        .filter(student__family_id=OuterRef("pk"))
        .order_by()
        .values("student__family_id")
        .annotate(total=Sum(rules.balance_expression(), output_field=_MONEY))
        .values("total")
    )
    return Coalesce(Subquery(owed, output_field=_MONEY), Value(ZERO), output_field=_MONEY)


class FamilyPaymentForm(PaymentRegisterForm):
    """One deposit for the whole family: oldest due date first, or the amounts typed per invoice.

    What may be allocated where is the service's to say (billing.credit.family_payment_record).
    """

    amount = money_field(_("Amount received"))
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices,
                               initial=PaymentMethod.BANK_TRANSFER)
    mode = forms.ChoiceField(
        label=_("Apply the payment"), widget=forms.RadioSelect, initial=OLDEST_FIRST,
        choices=[
            (OLDEST_FIRST, _("To the oldest invoices first (by due date); the rest becomes credit")),
            (AS_CHOSEN, _("As typed below, invoice by invoice; the rest becomes credit")),
        ],
    )

    def __init__(self, *args, invoices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.invoices = list(invoices)
        for invoice in self.invoices:
            self.fields[self.allocation_field(invoice.pk)] = money_field(
                invoice.number, required=False, attrs={"class": "bo-alloc"}
            )

    @staticmethod
    def allocation_field(invoice_id) -> str:
        return f"allocation_{invoice_id}"

    def invoice_rows(self):
        """(invoice, its amount field) for the template, in the order a payment spends them."""
        return [(invoice, self[self.allocation_field(invoice.pk)]) for invoice in self.invoices]

    def clean(self):
        data = super().clean()
        for invoice in self.invoices:
            name = self.allocation_field(invoice.pk)
            value = data.get(name)
            if value is not None and value <= ZERO:
                self.add_error(name, gettext("The amount must be greater than zero."))
        if data.get("mode") == AS_CHOSEN and not self.allocations():
            raise forms.ValidationError(gettext("Type the amount for at least one invoice, or apply the "
                                                "payment to the oldest invoices first."))
        return data

    def allocations(self) -> list[AllocationRequest]:
        """The amounts typed per invoice (as chosen), in the list's order."""
        data = getattr(self, "cleaned_data", {})
        return [
            AllocationRequest(invoice_id=invoice.pk, amount=data[self.allocation_field(invoice.pk)])
            for invoice in self.invoices
            if data.get(self.allocation_field(invoice.pk))
        ]


class ChildrenInline(admin.TabularInline):
    """The family's students, read-only here: a student joins a family from the student's page."""

    model = Student
    fields = ["student_link", "grade", "level", "curp", "is_active"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name = _("child")
    verbose_name_plural = _("children")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True  # the family page is already scoped to the user's schools

    @admin.display(description=_("student"))
    def student_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:students_student_change", args=[obj.pk]), obj.full_name
        )


@admin.register(Family)
class FamilyAdmin(SchoolScopedAdmin):
    add_action = Action.FAMILY_WRITE
    change_action = Action.FAMILY_WRITE
    list_display = ["name", "reference", "rfc", "school", "children", "owes", "credit", "statement_link",
                    "is_active"]
    list_filter = ["is_active", ("school", ScopedSchoolFilter)]
    list_select_related = ["school"]
    list_per_page = 50
    search_fields = ["name", "email", "reference", "rfc"]
    search_help_text = _("Search by name, email, payment reference or RFC.")
    autocomplete_fields = ["school"]
    readonly_fields = ["reference", "created_at", "updated_at"]
    # A family never changes school; its reference is assigned once.
    create_only_fields = ["school"]
    fieldsets = [
        (None, {"fields": ["school", "name", "email", "phone", "reference", "is_active"]}),
        (_("Fiscal data (CFDI)"), {"fields": ["rfc", "legal_name", "tax_regime", "tax_zip", "cfdi_use"]}),
        (_("Reminders"), {"fields": ["reminders_opt_out"]}),
        (None, {"fields": ["created_at", "updated_at"]}),
    ]
    inlines = [ChildrenInline]
    show_full_result_count = False
    change_form_template = "admin/families/family/change_form.html"
    # The family's money: its credit, its statement, a payment for all its children.
    extra_views = [
        ("<path:object_id>/credit/", "credit_view", "families_family_credit"),
        ("<path:object_id>/statement/", "statement_view", "families_family_statement"),
        ("<path:object_id>/pay/", "payment_view", "families_family_payment"),
    ]

    def get_queryset(self, request):
        # Correlated subqueries, no join + GROUP BY: a page of 50 families then costs 50 small
        # lookups (PostgreSQL evaluates them after ORDER BY ... LIMIT), and the paginator's count
        # drops them. With a GROUP BY the figures were computed for every family of the network
        # before the sort: 15 s + 11 s for the count on the benchmark's 27,000 families.
        return super().get_queryset(request).annotate(
            children_count=_children_expression(),
            pending_value=_pending_expression(),
            credit_value=selectors.family_credit_expression(),
        )

    @admin.display(description=_("Children"), ordering="children_count")
    def children(self, obj):
        return obj.children_count

    owes = money_column("pending_value", _("Owes"))

    credit = money_column("credit_value", _("Credit"))

    @admin.display(description=_("Statement"))
    def statement_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:families_family_statement", args=[obj.pk]),
                           gettext("Statement"))

    def save_model(self, request, obj, form, change):
        # Through the services, like the API: the reference is assigned there.
        fields = [
            "name", "email", "phone", "rfc", "legal_name", "tax_regime", "tax_zip", "cfdi_use",
            "reminders_opt_out",
        ]
        if change:
            changes = {field: form.cleaned_data[field] for field in form.changed_data if field != "school"}
            saved = family_update(family_id=obj.pk, actor=request.user, **changes)
        else:
            data = form.cleaned_data
            saved = family_create(
                school_id=data["school"].pk, actor=request.user,
                **{field: data[field] for field in fields if field in data},
            )
            if data.get("is_active") is False:
                saved = family_update(family_id=saved.pk, actor=request.user, is_active=False)
        self.saved_by_service(obj, saved)

    def get_inlines(self, request, obj):
        # A family being registered has no children yet.
        return self.inlines if obj is not None else []

    # --- the family's money -------------------------------------------------------------------

    def _money_links(self, request, family) -> dict:
        return {
            "family_pending": family.pending_value,
            "family_credit": family.credit_value,
            "credit_url": reverse("admin:families_family_credit", args=[family.pk]),
            "statement_url": reverse("admin:families_family_statement", args=[family.pk]),
            "payment_url": reverse("admin:families_family_payment", args=[family.pk])
            if user_can(request.user, Action.PAYMENT_RECORD, family.school_id) else None,
        }

    def change_view(self, request, object_id, form_url="", extra_context=None):
        family = self.get_object(request, object_id)
        if family is not None:
            extra_context = {**self._money_links(request, family), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)

    def _page(self, request, family, template: str, title: str, context: dict) -> TemplateResponse:
        return self.page(
            request, template, title=title, original=family, family=family,
            change_url=reverse("admin:families_family_change", args=[family.pk]),
            **self._money_links(request, family), **context,
        )

    @row_view
    def credit_view(self, request, family):
        """The family's credit (saldo a favor): how much, and from which payments, refunds and
        reversals it comes (billing.selectors.family_credit_get)."""
        return self._page(
            request, family, "admin/families/family/credit.html",
            gettext("Credit of %(family)s") % {"family": family.name},
            {"credit": selectors.family_credit_get(family_id=family.pk),
             "method_labels": dict(PaymentMethod.choices)},
        )

    @row_view
    def statement_view(self, request, family):
        """The printable family statement: every child's invoices and every movement of the
        family's money with a running balance; period selectable, A4 or Letter, or a PDF."""
        return statement_page(
            request, family, template=FAMILY_STATEMENT_TEMPLATE, context=family_statement_context,
            pdf=family_statement_pdf, filename=family_statement_filename,
            back_url=reverse("admin:families_family_change", args=[family.pk]),
        )

    @row_view
    def payment_view(self, request, family):
        """One deposit for the whole family (ACCOUNTANT or ADMIN of its school), recorded by
        billing.credit.family_payment_record: oldest invoices first or as typed, the rest credit."""
        page_url = reverse("admin:families_family_payment", args=[family.pk])
        if not user_can(request.user, Action.PAYMENT_RECORD, family.school_id):
            self.message_user(
                request, gettext("Your role in this school does not allow registering payments."),
                level=messages.ERROR,
            )
            return HttpResponseRedirect(reverse("admin:families_family_change", args=[family.pk]))
        invoices = selectors.family_open_invoice_list(family_id=family.pk)
        if request.method != "POST":
            return self._payment_page(request, family, FamilyPaymentForm(invoices=invoices))
        form = FamilyPaymentForm(request.POST, invoices=invoices)
        if not form.is_valid():
            return self._payment_page(request, family, form)
        data = form.cleaned_data
        try:
            with transaction.atomic():
                if form.was_sent_before(request, scope="admin.family_payment"):
                    return HttpResponseRedirect(page_url)
                payment = family_payment_record(
                    family_id=family.pk, amount=data["amount"], method=data["method"],
                    payment_date=data["payment_date"], reference=data["reference"],
                    allocations=form.allocations() if data["mode"] == AS_CHOSEN else None,
                    actor=request.user,
                )
        except DomainError as refusal:
            # The form again over the list as it is now: a refusal can mean that another desk
            # paid one of these invoices meanwhile.
            invoices = selectors.family_open_invoice_list(family_id=family.pk)
            form = FamilyPaymentForm(request.POST, invoices=invoices)
            form.is_valid()
            self._payment_refusal(form, refusal)
            return self._payment_page(request, family, form)
        allocated = payment.allocated_amount
        self.message_user(
            request,
            format_html(
                "{} {}",
                ngettext(
                    "Payment %(number)s registered: %(allocated)s applied to %(count)d invoice, "
                    "%(credit)s left as the family's credit.",
                    "Payment %(number)s registered: %(allocated)s applied to %(count)d invoices, "
                    "%(credit)s left as the family's credit.",
                    len(payment.allocation_list),
                ) % {"number": payment.number, "allocated": money(allocated),
                     "count": len(payment.allocation_list), "credit": money(payment.amount - allocated)},
                format_html('<a href="{}">{}</a>',
                            reverse("admin:billing_payment_receipt", args=[payment.pk]),
                            gettext("Print the receipt")),
            ),
            level=messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:families_family_credit", args=[family.pk]))

    def _payment_page(self, request, family, form) -> TemplateResponse:
        return self._page(
            request, family, "admin/families/family/payment.html",
            gettext("Register a family payment · %(family)s") % {"family": family.name},
            {"form": form, "open_total": sum((i.balance_value for i in form.invoices), ZERO)},
        )

    def _payment_refusal(self, form, refusal: DomainError) -> None:
        """The service's refusal on the form, in the staff's language, with the figure needed next."""
        code = refusal.code
        if code == "allocations_exceed_payment":
            form.add_error(None, gettext("The amounts typed per invoice add up to more than the payment."))
        elif code == "overpayment":
            balances = {invoice.pk: invoice.balance_value for invoice in form.invoices}
            flagged = [item for item in form.allocations() if item.amount > balances[item.invoice_id]]
            for item in flagged:
                form.add_error(
                    form.allocation_field(item.invoice_id),
                    gettext("At most %(pending)s is pending on this invoice.")
                    % {"pending": money(balances[item.invoice_id])},
                )
            if not flagged:
                form.add_error(None, str(refusal.detail))
        elif code in ("invoice_cancelled", "invoice_already_paid", "not_found"):
            form.add_error(None, gettext("An invoice of the list was paid or cancelled meanwhile; the list "
                                         "shows the invoices open now. Check the amounts and send again."))
        elif code in ("invalid_amount", "future_payment_date", "payment_date_too_old"):
            form.add_error("payment_date" if "date" in code else "amount", str(refusal.detail))
        else:
            form.add_error(None, str(refusal.detail))
