"""The invoice desk and the payments ledger in the admin.

Every write goes through billing.services (the same rules, locks and cache bumps as the API); the
admin only displays, collects input and reports the service's refusals in the staff's language.
"""

import copy
import uuid
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from billing import rules, services
from billing.display import status_badge, status_label
from billing.documents import RECEIPT_TEMPLATE, receipt_context, receipt_filename, receipt_pdf
from billing.models import Invoice, InvoiceStatus, Payment, PaymentMethod
from core.admin_display import money_column
from core.audit import AuditHistoryAdmin
from core.csv_export import counted_values, csv_response
from core.dates import local_today
from core.exceptions import DomainError
from core.formats import money
from core.idempotency import form_submission_claim
from core.money import MAX_AMOUNT, ZERO
from core.pdf import pdf_response
from users.access import Action, user_can
from users.admin_scoping import SchoolScopedAdmin, ScopedSchoolFilter, required_action, row_view


def money_field(label, **kwargs) -> forms.DecimalField:
    """A positive amount in cents, typed in a number box (the desks' payment forms)."""
    attrs = {"step": "0.01", "min": "0.01", **kwargs.pop("attrs", {})}
    return forms.DecimalField(label=label, max_digits=12, decimal_places=2, max_value=MAX_AMOUNT,
                              widget=forms.NumberInput(attrs=attrs), **kwargs)


class PaymentRegisterForm(forms.Form):
    """A payment at the desk: shape only (a positive amount, a past date); whether it may be
    recorded is the service's to say, and its refusals are shown on the form."""

    amount = money_field(_("Amount"))
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices, initial=PaymentMethod.CASH)
    payment_date = forms.DateField(
        label=_("Payment date"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: today."),
    )
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    # One token per rendered form: a second POST of the same form (double click, resubmit after a
    # timeout) finds it used and records nothing (core.models.IdempotencyRecord, in the payment's
    # transaction).
    submission = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["submission"] = uuid.uuid4().hex

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount <= ZERO:
            raise forms.ValidationError(gettext("The amount must be greater than zero."))
        return amount

    def clean_payment_date(self):
        day = self.cleaned_data.get("payment_date")
        if day is not None and day > local_today():
            raise forms.ValidationError(gettext("A payment cannot be dated in the future."))
        return day

    def was_sent_before(self, request, *, scope: str) -> bool:
        """True, with a warning for the user, when an earlier POST of this rendered form claimed its
        token. Call it inside the payment's transaction (core.idempotency.form_submission_claim)."""
        token = self.cleaned_data["submission"]
        if not token or form_submission_claim(request.user, token, scope=scope):
            return False
        messages.warning(
            request, gettext("This payment form was already submitted; nothing was recorded again.")
        )
        return True


# --- list filters ---------------------------------------------------------------------------


class StatusFilter(admin.SimpleListFilter):
    """The status derived today (DESIGN.md), not the stored column."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(status, status_label(status)) for status in InvoiceStatus.values]

    def queryset(self, request, queryset):
        if self.value() in InvoiceStatus.values:
            return queryset.with_status(self.value())
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = _("days overdue")
    parameter_name = "overdue"
    BUCKETS = rules.AGING_BUCKET_NAMES

    def lookups(self, request, model_admin):
        return [("yes", _("Any overdue")), ("no", _("Not overdue"))] + [
            (key, _("%(bucket)s days") % {"bucket": key}) for key in self.BUCKETS
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "no":
            return queryset.exclude(pk__in=queryset.overdue().values("pk"))
        if value == "yes":
            return queryset.overdue()
        if value in self.BUCKETS:
            today = local_today()
            return queryset.overdue(today).filter(rules.aging_bucket_q(value, today))
        return queryset


class DueDateFilter(admin.SimpleListFilter):
    """Due-date windows a desk asks about: what fell due, what is coming."""

    title = _("due date")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [
            ("past", _("Already due")),
            ("today", _("Today")),
            ("next7", _("Next 7 days")),
            ("this_month", _("This month")),
            ("next_month", _("Next month")),
            ("later", _("Later")),
        ]

    def queryset(self, request, queryset):
        today = local_today()
        first = today.replace(day=1)
        next_first = (first + timedelta(days=32)).replace(day=1)
        after_next = (next_first + timedelta(days=32)).replace(day=1)
        windows = {
            "past": {"due_date__lt": today},
            "today": {"due_date": today},
            "next7": {"due_date__gte": today, "due_date__lte": today + timedelta(days=7)},
            "this_month": {"due_date__gte": first, "due_date__lt": next_first},
            "next_month": {"due_date__gte": next_first, "due_date__lt": after_next},
            "later": {"due_date__gte": after_next},
        }
        if self.value() in windows:
            return queryset.filter(**windows[self.value()])
        return queryset


# --- invoices -------------------------------------------------------------------------------


@admin.register(Invoice)
class InvoiceAdmin(AuditHistoryAdmin, SchoolScopedAdmin):
    add_action = Action.INVOICE_CREATE
    change_action = Action.INVOICE_EDIT
    list_display = ["number", "student_name", "school", "amount_display", "paid_display", "pending",
                    "due", "status_badge"]
    list_display_links = ["number"]
    list_filter = [StatusFilter, OverdueFilter, DueDateFilter, ("school", ScopedSchoolFilter)]
    list_select_related = ["student", "school"]
    list_per_page = 50
    search_fields = ["number", "student__first_name", "student__last_name", "student__email"]
    search_help_text = _("Search by invoice number, student name or email.")
    autocomplete_fields = ["student"]
    ordering = ["-due_date", "-number"]
    actions = ["cancel_selected", "export_csv"]
    change_form_template = "admin/billing/invoice/change_form.html"
    extra_views = [
        ("<path:object_id>/register-payment/", "register_payment_view", "billing_invoice_register_payment"),
    ]
    show_full_result_count = False

    # --- list ---------------------------------------------------------------------------------

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .with_current_status()
            .annotate(pending_value=rules.pending_amount_expression())
        )

    @admin.display(description=_("Student"), ordering="student__last_name")
    def student_name(self, obj):
        return obj.student.full_name

    amount_display = money_column("amount", _("Amount"))

    @admin.display(description=_("Due date"), ordering="due_date")
    def due(self, obj):
        return date_format(obj.due_date, "SHORT_DATE_FORMAT")

    paid_display = money_column("paid_amount", _("Paid"))

    pending = money_column("pending_value", _("Pending"))

    @admin.display(description=_("Status"), ordering="current_status")
    def status_badge(self, obj):
        return status_badge(obj.current_status)

    # --- actions ------------------------------------------------------------------------------

    @admin.action(description=_("Cancel selected invoices"))
    @required_action(Action.INVOICE_CANCEL)
    def cancel_selected(self, request, queryset):
        cancelled, refused = [], []
        for invoice in queryset.select_related(None).only("pk", "number", "school_id").order_by("number"):
            if not user_can(request.user, Action.INVOICE_CANCEL, invoice.school_id):
                refused.append((invoice.number, gettext("Your role in this school does not allow it.")))
                continue
            try:
                services.invoice_cancel(invoice_id=invoice.pk, actor=request.user)
            except DomainError as refusal:
                refused.append((invoice.number, str(refusal.detail)))
            else:
                cancelled.append(invoice.number)
        if cancelled:
            self.message_user(
                request,
                gettext("Cancelled %(count)d invoice(s): %(numbers)s.")
                % {"count": len(cancelled), "numbers": ", ".join(cancelled)},
                level=messages.SUCCESS,
            )
        for number, reason in refused:
            self.message_user(
                request,
                gettext("%(number)s was not cancelled: %(reason)s") % {"number": number, "reason": reason},
                level=messages.ERROR,
            )

    @admin.action(description=_("Export selected invoices to CSV"))
    @required_action(Action.VIEW)
    def export_csv(self, request, queryset):
        header = [gettext("Number"), gettext("School"), gettext("Student"), gettext("Email"),
                  gettext("Amount"), gettext("Paid"), gettext("Pending"), gettext("Due date"),
                  gettext("Status"), gettext("Description")]
        # The query runs here, before the first byte: a failure is an error page, not a cut file.
        total, rows = counted_values(
            queryset.order_by("school__name", "number"),
            "number", "school__name", "student__first_name", "student__last_name", "student__email",
            "amount", "paid_amount", "pending_value", "due_date", "current_status", "description",
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return csv_response(
            header=header,
            rows=(
                [number, school, f"{first} {last}".strip(), email, f"{amount:.2f}", f"{paid:.2f}",
                 f"{pending:.2f}", due.isoformat(), status, text]
                for number, school, first, last, email, amount, paid, pending, due, status, text in rows
            ),
            filename=f"invoices-{stamp}.csv",
            bom=True,
            total_rows=total,
        )

    # --- the invoice page ---------------------------------------------------------------------

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["student", "amount", "due_date", "description"]
        return ["number", "school", "student", "amount", "paid_amount", "due_date", "status_badge",
                "description", "created_by", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["number", "school", "student", "paid_amount", "status_badge", "created_by", "created_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None or user_can(request.user, Action.INVOICE_AMOUNT_LOWER, obj.school_id):
            return form
        current_amount = obj.amount

        class RaiseOnlyAmountForm(form):
            """Below ADMIN, the amount may go up, not down: lowering it forgives debt."""

            def clean_amount(self):
                amount = self.cleaned_data.get("amount")
                if amount is not None and amount < current_amount:
                    raise forms.ValidationError(
                        gettext("Only a school ADMIN can lower an invoice's amount."), code="amount_lower"
                    )
                return amount

        return RaiseOnlyAmountForm

    def has_change_permission(self, request, obj=None):
        # A cancelled or paid invoice is settled: shown read-only, like the service would refuse.
        if obj is not None and (obj.status == InvoiceStatus.CANCELLED or rules.invoice_is_settled(obj)):
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        # The admin goes through the same services as the API: numbering, status, cache version.
        if change:
            saved = services.invoice_update(
                invoice_id=obj.pk, amount=obj.amount, due_date=obj.due_date,
                description=obj.description, actor=request.user,
            )
        else:
            saved = services.invoice_create(
                student_id=obj.student_id, amount=obj.amount, due_date=obj.due_date,
                description=obj.description, actor=request.user,
            )
        self.saved_by_service(obj, saved)

    def change_view(self, request, object_id, form_url="", extra_context=None, payment_form=None):
        invoice = self.get_object(request, object_id)
        if invoice is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        context = {**self._desk_context(request, invoice, payment_form), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, context)

    def _desk_context(self, request, invoice, payment_form=None) -> dict:
        payable = invoice.current_status not in (InvoiceStatus.CANCELLED, InvoiceStatus.PAID)
        may_pay = payable and user_can(request.user, Action.PAYMENT_RECORD, invoice.school_id)
        payments = list(
            Payment.objects.filter(invoice_id=invoice.pk)
            .select_related("created_by")
            .order_by("payment_date", "number")
        )
        return {
            "invoice": invoice,
            "invoice_status": invoice.current_status,
            "invoice_pending": invoice.pending_value,
            "invoice_payments": payments,
            "payment_form": (payment_form or PaymentRegisterForm(initial={"amount": invoice.pending_value}))
            if may_pay else None,
            "register_payment_url": reverse("admin:billing_invoice_register_payment", args=[invoice.pk]),
            "statement_url": reverse("admin:students_student_statement", args=[invoice.student_id]),
            "student_url": reverse("admin:students_student_change", args=[invoice.student_id]),
        }

    @row_view
    def register_payment_view(self, request, invoice):
        """POST from the invoice page: record the payment through the service, or show why not."""
        change_url = reverse("admin:billing_invoice_change", args=[invoice.pk])
        if request.method != "POST" or not user_can(request.user, Action.PAYMENT_RECORD, invoice.school_id):
            return HttpResponseRedirect(change_url)
        form = PaymentRegisterForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    if form.was_sent_before(request, scope="admin.payment_register"):
                        return HttpResponseRedirect(change_url)
                    payment = services.payment_record(
                        invoice_id=invoice.pk, amount=data["amount"], method=data["method"],
                        payment_date=data["payment_date"], reference=data["reference"], actor=request.user,
                    )
            except DomainError as refusal:
                field = {"overpayment": "amount", "invalid_amount": "amount",
                         "payment_date_too_old": "payment_date"}.get(refusal.code)
                form.add_error(field, self._payment_refusal(refusal, invoice))
            else:
                invoice = self.get_object(request, str(invoice.pk))
                self.message_user(
                    request,
                    format_html(
                        gettext('Payment {number} registered. The invoice is now {status}. '
                                '<a href="{url}">Print the receipt</a>.'),
                        number=payment.number, status=status_label(invoice.current_status),
                        url=reverse("admin:billing_payment_receipt", args=[payment.pk]),
                    ),
                    level=messages.SUCCESS,
                )
                return HttpResponseRedirect(change_url)
        # Show the invoice page again, the form bound with its errors (a GET render of the page).
        page_request = copy.copy(request)
        page_request.method = "GET"
        page_request.POST = QueryDict()
        return self.change_view(page_request, str(invoice.pk), payment_form=form)

    def _payment_refusal(self, refusal: DomainError, invoice) -> str:
        """The refusal in the staff's language, with the figure the cashier needs next."""
        if refusal.code == "overpayment":
            fresh = Invoice.objects.only(*rules.BALANCE_FIELDS).get(pk=invoice.pk)
            return gettext("The payment exceeds the pending amount: at most %(pending)s can be paid.") % {
                "pending": money(rules.invoice_balance(fresh))
            }
        return str(refusal.detail)


# --- payments -------------------------------------------------------------------------------


@admin.register(Payment)
class PaymentAdmin(AuditHistoryAdmin, SchoolScopedAdmin):
    """Payments are immutable: this page only shows them (and prints receipts)."""

    list_display = ["number", "payment_date", "invoice_link", "student_name", "school", "amount_display",
                    "method", "reference", "receipt_link"]
    list_display_links = ["number"]
    list_filter = ["method", "payment_date", ("school", ScopedSchoolFilter)]
    list_select_related = ["invoice", "invoice__student", "family", "school"]
    list_per_page = 50
    search_fields = ["number", "reference", "invoice__number", "invoice__student__first_name",
                     "invoice__student__last_name", "invoice__student__email", "family__name",
                     "family__reference"]
    search_help_text = _("Search by receipt number, reference, invoice number, student or family.")
    ordering = ["-payment_date", "-number"]
    date_hierarchy = None
    fields = ["number", "school", "invoice", "family", "amount", "allocated_amount", "refunded_amount",
              "is_reversed", "payment_date", "method", "reference", "created_by", "created_at"]
    readonly_fields = fields
    show_full_result_count = False
    change_form_template = "admin/billing/payment/change_form.html"
    extra_views = [("<path:object_id>/receipt/", "receipt_view", "billing_payment_receipt")]

    def has_add_permission(self, request):
        return False  # registered from the invoice or family page, through the services

    def has_change_permission(self, request, obj=None):
        return False

    # A family payment (billing.credit) has no invoice of its own: it is spread over its
    # allocations, and the family is who paid.
    @admin.display(description=_("Invoice"), ordering="invoice__number")
    def invoice_link(self, obj):
        if obj.invoice_id is None:
            return gettext("Family payment")
        return format_html('<a href="{}">{}</a>',
                           reverse("admin:billing_invoice_change", args=[obj.invoice_id]), obj.invoice.number)

    @admin.display(description=_("Student"), ordering="invoice__student__last_name")
    def student_name(self, obj):
        if obj.invoice_id is None:
            return format_html('<a href="{}">{}</a>',
                               reverse("admin:families_family_change", args=[obj.family_id]), obj.family.name)
        return obj.invoice.student.full_name

    amount_display = money_column("amount", _("Amount"))

    @admin.display(description=_("Receipt"))
    def receipt_link(self, obj):
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>',
                           reverse("admin:billing_payment_receipt", args=[obj.pk]), gettext("Print"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "receipt_url": reverse("admin:billing_payment_receipt", args=[object_id])
            if self.get_object(request, object_id) is not None else None,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @row_view
    def receipt_view(self, request, payment):
        if request.GET.get("format") == "pdf":
            return pdf_response(receipt_pdf(payment, request=request), filename=receipt_filename(payment))
        context = {
            **receipt_context(payment),
            "back_url": reverse("admin:billing_invoice_change", args=[payment.invoice_id])
            if payment.invoice_id else reverse("admin:families_family_change", args=[payment.family_id]),
            "pdf_url": "?format=pdf",
        }
        return TemplateResponse(request, RECEIPT_TEMPLATE, context)
