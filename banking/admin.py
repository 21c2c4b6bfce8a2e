"""Bank collections in the admin: accounts (with the statement upload), statements, the review queue.

Every write goes through banking.services (the same rules and locks as the API and the command);
the admin collects input, shows the service's answer, and reports refusals in the staff's language.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from banking import services
from banking.models import BankAccount, BankLine, BankLineStatus, BankStatement, StatementFormat
from billing.models import Invoice
from core.admin_display import money_column
from core.audit import AuditHistoryAdmin
from core.exceptions import DomainError
from families.models import Family
from users.access import Action, user_can
from users.admin_scoping import SchoolScopedAdmin, ScopedSchoolFilter, required_action, row_view

# --- accounts ------------------------------------------------------------------------------------


class BankAccountForm(forms.ModelForm):
    class Meta:
        model = BankAccount
        fields = ["school", "clabe", "name", "csv_profile", "csv_mapping", "is_active"]

    def clean_clabe(self):
        try:
            return services.clabe_validate(self.cleaned_data["clabe"])
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["clabe"]) from None

    def clean(self):
        cleaned = super().clean()
        if "csv_profile" in cleaned:
            try:
                cleaned["csv_mapping"] = services.csv_profile_check(
                    cleaned["csv_profile"], cleaned.get("csv_mapping") or None
                )
            except ValidationError as error:
                self.add_error("csv_mapping", error.message_dict["csv_mapping"])
        return cleaned


class StatementUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Statement file"), help_text=_("CSV, OFX or MT940, as the bank exported it.")
    )
    format = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[("", _("Read it from the file")), *StatementFormat.choices],
    )


@admin.register(BankAccount)
class BankAccountAdmin(SchoolScopedAdmin):
    add_action = Action.BANK_COLLECTIONS
    change_action = Action.BANK_COLLECTIONS
    form = BankAccountForm
    list_display = ["__str__", "bank", "clabe", "school", "csv_profile", "is_active", "import_link"]
    list_filter = ["is_active", ("school", ScopedSchoolFilter)]
    list_select_related = ["school"]
    search_fields = ["name", "bank", "clabe"]
    # The bank is read from the CLABE, so both stay as the account was registered.
    create_only_fields = ["school", "clabe", "bank"]
    extra_views = [("<path:object_id>/import/", "import_view", "banking_bankaccount_import")]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["school", "clabe", "name", "csv_profile", "csv_mapping"]
        return ["school", "clabe", "bank", "name", "csv_profile", "csv_mapping", "is_active"]

    @admin.display(description=_("Statements"))
    def import_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:banking_bankaccount_import", args=[obj.pk]),
            gettext("Import a statement"),
        )

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = services.bank_account_update(
                account_id=obj.pk,
                name=data["name"],
                csv_profile=data["csv_profile"],
                csv_mapping=data["csv_mapping"],
                is_active=data["is_active"],
                actor=request.user,
            )
        else:
            saved = services.bank_account_create(
                school_id=data["school"].pk,
                clabe=data["clabe"],
                name=data["name"],
                csv_profile=data["csv_profile"],
                csv_mapping=data["csv_mapping"],
                actor=request.user,
            )
        self.saved_by_service(obj, saved)

    @row_view
    def import_view(self, request, account):
        """Upload a statement, then show what the import did (or why nothing was imported)."""
        if not user_can(request.user, Action.BANK_COLLECTIONS, account.school_id):
            return HttpResponseRedirect(reverse("admin:banking_bankaccount_changelist"))
        outcome, refusal = None, None
        form = StatementUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                outcome = services.bank_statement_import(
                    account_id=account.pk,
                    content=upload.read(services.MAX_STATEMENT_BYTES + 1),
                    file_name=upload.name,
                    file_format=form.cleaned_data["format"] or None,
                    actor=request.user,
                )
            except DomainError as error:
                refusal = {
                    "text": str(error.detail),
                    "lines": [m for ms in (error.fields or {}).values() for m in ms],
                }
        return self.page(
            request,
            "admin/banking/bankaccount/import_statement.html",
            title=gettext("Import a statement into %(account)s") % {"account": account},
            account=account,
            form=form,
            outcome=outcome,
            refusal=refusal,
            lines_url=reverse("admin:banking_bankline_changelist"),
        )


# --- statements ----------------------------------------------------------------------------------


# What an import counted, as the import's summary tells it.
_IMPORT_COUNTS = [
    "lines_read",
    "imported",
    "duplicates",
    "skipped",
    "matched",
    "suggested",
    "unmatched",
]


@admin.register(BankStatement)
class BankStatementAdmin(SchoolScopedAdmin):
    list_display = [
        "file_name",
        "account",
        "format",
        "created_at",
        "imported_by",
        *_IMPORT_COUNTS,
        "total",
        "lines_link",
    ]
    list_filter = ["format", ("school", ScopedSchoolFilter)]
    list_select_related = ["account", "imported_by"]
    search_fields = ["file_name"]
    readonly_fields = [
        "file_name",
        "account",
        "format",
        "imported_by",
        "period_start",
        "period_end",
        *_IMPORT_COUNTS,
        "total_deposits",
        "skipped_lines",
        "created_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False  # imported from the bank account's page

    total = money_column("total_deposits", _("Deposits"))

    @admin.display(description=_("Lines"))
    def lines_link(self, obj):
        url = reverse("admin:banking_bankline_changelist") + f"?statement__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, gettext("Lines"))


# --- the review queue ----------------------------------------------------------------------------


class QueueFilter(admin.SimpleListFilter):
    """Opens on the review queue (unmatched and suggested lines); every status is one click away."""

    title = _("status")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("review", _("To review")), *BankLineStatus.choices, ("all", _("All"))]

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": (self.value() or "review") == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or "review"
        if value == "review":
            return queryset.filter(status__in=[BankLineStatus.UNMATCHED, BankLineStatus.SUGGESTED])
        if value in BankLineStatus.values:
            return queryset.filter(status=value)
        return queryset


class LineDecisionForm(forms.Form):
    family_reference = forms.CharField(label=_("Family payment reference"), max_length=20, required=False)
    invoice_number = forms.CharField(label=_("Invoice number"), max_length=20, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)


@admin.register(BankLine)
class BankLineAdmin(AuditHistoryAdmin, SchoolScopedAdmin):
    change_action = None  # decisions go through the buttons of the line's page, not a form save
    list_display = [
        "date",
        "amount_display",
        "reference",
        "short_description",
        "status_display",
        "suggestion",
        "payment_link",
        "account",
    ]
    list_filter = [QueueFilter, "account", ("school", ScopedSchoolFilter)]
    list_select_related = [
        "account",
        "payment",
        "suggested_invoice",
        "suggested_invoice__student",
        "suggested_family",
    ]
    search_fields = ["reference", "description"]
    ordering = ["-date", "line_number"]
    actions = ["confirm_suggestions"]
    change_form_template = "admin/banking/bankline/change_form.html"
    extra_views = [("<path:object_id>/decide/", "decide_view", "banking_bankline_decide")]
    readonly_fields = [
        "date",
        "amount",
        "reference",
        "description",
        "status",
        "match_note",
        "suggested_invoice",
        "suggested_family",
        "payment",
        "statement",
        "line_number",
        "raw",
        "decided_by",
        "decided_at",
        "ignore_reason",
    ]
    fields = readonly_fields
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # lines come from statements

    amount_display = money_column("amount", _("Amount"))

    @admin.display(description=_("Description"))
    def short_description(self, obj):
        return obj.description[:60]

    @admin.display(description=_("Status"), ordering="status")
    def status_display(self, obj):
        return format_html(
            '<span class="bo-badge bo-badge-{}" data-status="{}">{}</span>',
            obj.status.lower(),
            obj.status,
            obj.get_status_display(),
        )

    @admin.display(description=_("Suggestion"))
    def suggestion(self, obj):
        if obj.suggested_invoice_id and obj.status == BankLineStatus.SUGGESTED:
            invoice = obj.suggested_invoice
            return f"{invoice.number} · {invoice.student.full_name}"
        if obj.suggested_family_id and obj.status == BankLineStatus.SUGGESTED:
            return str(obj.suggested_family)
        return "—"

    @admin.display(description=_("Payment"))
    def payment_link(self, obj):
        if obj.payment_id is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:billing_payment_change", args=[obj.payment_id]),
            obj.payment.number,
        )

    @admin.action(description=_("Confirm the suggestions of the selected lines"))
    @required_action(Action.BANK_COLLECTIONS)
    def confirm_suggestions(self, request, queryset):
        done, refused = 0, []
        for line in queryset.filter(status=BankLineStatus.SUGGESTED).only("pk", "school_id", "line_number"):
            if not user_can(request.user, Action.BANK_COLLECTIONS, line.school_id):
                continue
            try:
                services.bank_line_confirm(line_id=line.pk, actor=request.user)
            except DomainError as refusal:
                refused.append(str(refusal.detail))
            else:
                done += 1
        self.message_user(
            request, gettext("%(count)d line(s) became payments.") % {"count": done}, level=messages.SUCCESS
        )
        for text in refused:
            self.message_user(request, text, level=messages.ERROR)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        line = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if line is not None:
            context.update(
                {
                    "line": line,
                    "may_decide": line.status != BankLineStatus.MATCHED
                    and user_can(request.user, Action.BANK_COLLECTIONS, line.school_id),
                    "decide_url": reverse("admin:banking_bankline_decide", args=[line.pk]),
                    "decision_form": LineDecisionForm(),
                }
            )
        return super().change_view(request, object_id, form_url, context)

    @row_view
    def decide_view(self, request, line):
        """POST from the line's page: confirm the suggestion, assign to an invoice, or ignore."""
        back = reverse("admin:banking_bankline_change", args=[line.pk])
        if request.method != "POST" or not user_can(request.user, Action.BANK_COLLECTIONS, line.school_id):
            return HttpResponseRedirect(back)
        form = LineDecisionForm(request.POST)
        form.is_valid()
        data = form.cleaned_data
        try:
            if "_ignore" in request.POST:
                services.bank_line_ignore(line_id=line.pk, reason=data.get("reason", ""), actor=request.user)
                self.message_user(request, gettext("The line is ignored."), level=messages.SUCCESS)
            elif "_family" in request.POST:
                family = Family.objects.filter(
                    school_id=line.school_id, reference=(data.get("family_reference") or "").strip()
                ).first()
                if family is None:
                    self.message_user(
                        request,
                        gettext("No family with that reference in this school."),
                        level=messages.ERROR,
                    )
                    return HttpResponseRedirect(back)
                line = services.bank_line_confirm(line_id=line.pk, family_id=family.pk, actor=request.user)
                self._paid(request, line)
            elif "_invoice" in request.POST:
                invoice = Invoice.objects.filter(
                    school_id=line.school_id, number=(data.get("invoice_number") or "").strip()
                ).first()
                if invoice is None:
                    self.message_user(
                        request, gettext("No invoice with that number in this school."), level=messages.ERROR
                    )
                    return HttpResponseRedirect(back)
                line = services.bank_line_confirm(line_id=line.pk, invoice_id=invoice.pk, actor=request.user)
                self._paid(request, line)
            else:
                line = services.bank_line_confirm(line_id=line.pk, actor=request.user)
                self._paid(request, line)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), level=messages.ERROR)
        except DomainError as refusal:
            self.message_user(request, str(refusal.detail), level=messages.ERROR)
        return HttpResponseRedirect(back)

    def _paid(self, request, line):
        self.message_user(
            request,
            format_html(
                gettext('The line became payment <a href="{url}">{number}</a>.'),
                url=reverse("admin:billing_payment_change", args=[line.payment_id]),
                number=line.payment.number,
            ),
            level=messages.SUCCESS,
        )
