from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from billing import services
from billing.models import Invoice, Payment, PaymentMethod
from core.exceptions import DomainError
from core.money import MAX_AMOUNT
from users.admin_scoping import SchoolScopedAdmin
from users.policy import Action, user_can


class PaymentInline(admin.TabularInline):
    model = Payment
    fields = ["number", "payment_date", "amount", "method", "reference", "created_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PaymentRegisterForm(forms.Form):
    amount = forms.DecimalField(
        label=_("amount"), max_digits=12, decimal_places=2, min_value=0.01, max_value=MAX_AMOUNT
    )
    method = forms.ChoiceField(label=_("method"), choices=PaymentMethod.choices)
    payment_date = forms.DateField(label=_("payment date"), required=False)
    reference = forms.CharField(label=_("reference"), max_length=100, required=False)


@admin.register(Invoice)
class InvoiceAdmin(SchoolScopedAdmin):
    add_action = Action.INVOICE_CREATE
    change_action = Action.INVOICE_EDIT
    list_display = ["number", "student", "school", "amount", "paid_amount", "due_date", "status"]
    list_filter = ["status", "school", "due_date"]
    list_select_related = ["student", "school"]
    search_fields = ["number", "student__first_name", "student__last_name", "student__email"]
    raw_id_fields = ["student"]
    readonly_fields = ["number", "school", "paid_amount", "status", "created_by", "created_at"]
    fields = ["number", "school", "student", "amount", "paid_amount", "due_date", "status",
              "description", "created_by", "created_at"]
    inlines = [PaymentInline]
    change_form_template = "admin/billing/invoice/change_form.html"

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
        obj.__dict__.update(saved.__dict__)
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        pass  # payments are read-only here; they are registered through the form below

    def _changeform_view(self, request, object_id, form_url, extra_context):
        try:
            return super()._changeform_view(request, object_id, form_url, extra_context)
        except DomainError as refusal:
            self.message_user(request, refusal.detail, level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def get_urls(self):
        return [
            path(
                "<uuid:invoice_id>/register-payment/",
                self.admin_site.admin_view(self.register_payment_view),
                name="billing_invoice_register_payment",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        invoice = self.get_object(request, object_id)
        if invoice is not None and user_can(request.user, Action.PAYMENT_RECORD, invoice.school_id):
            extra_context["payment_form"] = PaymentRegisterForm()
            extra_context["register_payment_url"] = reverse(
                "admin:billing_invoice_register_payment", args=[invoice.pk]
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def register_payment_view(self, request, invoice_id):
        invoice = get_object_or_404(self.get_queryset(request), pk=invoice_id)
        if not user_can(request.user, Action.PAYMENT_RECORD, invoice.school_id):
            return HttpResponseRedirect(reverse("admin:billing_invoice_change", args=[invoice.pk]))
        form = PaymentRegisterForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                payment = services.payment_record(
                    invoice_id=invoice.pk, actor=request.user, **form.cleaned_data
                )
            except DomainError as refusal:
                form.add_error("amount", refusal.detail)
            else:
                invoice.refresh_from_db()
                self.message_user(
                    request,
                    _("Payment %(number)s registered. The invoice is now %(status)s.")
                    % {"number": payment.number, "status": invoice.get_status_display()},
                    level=messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:billing_invoice_change", args=[invoice.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "invoice": invoice,
            "form": form,
            "title": _("Register payment for %(number)s") % {"number": invoice.number},
        }
        return TemplateResponse(request, "admin/billing/invoice/register_payment.html", context)


@admin.register(Payment)
class PaymentAdmin(SchoolScopedAdmin):
    list_display = ["number", "invoice", "school", "amount", "payment_date", "method", "reference"]
    list_filter = ["method", "payment_date", "school"]
    list_select_related = ["invoice", "school"]
    search_fields = ["number", "reference", "invoice__number"]
    readonly_fields = ["number", "school", "invoice", "amount", "payment_date", "method",
                       "reference", "created_by", "created_at"]
