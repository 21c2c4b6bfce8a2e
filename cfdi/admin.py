"""CFDI in the admin: the schools' fiscal profiles (with the CSD upload) and the documents.

Every write goes through cfdi.services (the same checks as the API): the profile form hands the
uploaded .cer/.key to `fiscal_profile_put`; the document actions send drafts to the PAC and cancel
(reasons 02 and 03; 01 needs the replacement's UUID, through the API). XML and PDF download links
sit on each document.
"""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cfdi import services
from cfdi.documents import document_pdf
from cfdi.models import Document, DocumentStatus, FiscalProfile
from core.exceptions import DomainError
from core.pdf import pdf_response
from users.access import Action, user_can
from users.admin_scoping import SchoolScopedAdmin, ScopedSchoolFilter, required_action


class FiscalProfileForm(forms.ModelForm):
    certificate_file = forms.FileField(
        label=_("CSD certificate (.cer)"),
        required=False,
        help_text=_("Required the first time; leave empty to keep the stored one."),
    )
    key_file = forms.FileField(label=_("CSD key (.key)"), required=False)
    key_password_env = forms.CharField(
        label=_("environment variable with the key's password"),
        required=False,
        max_length=100,
        help_text=_("The name of the variable, never the password. Empty: CFDI_CSD_PASSWORD_ENV's default."),
    )
    rvoe = forms.JSONField(
        label=_("RVOE per level"),
        required=False,
        help_text=_('e.g. {"PRIMARIA": "PRI-0987/2015", "SECUNDARIA": "SEC-1234/2016"}'),
    )

    class Meta:
        model = FiscalProfile
        fields = [
            "school",
            "rfc",
            "legal_name",
            "tax_regime",
            "expedition_zip",
            "series",
            "payment_series",
            "key_password_env",
            "rvoe",
        ]


@admin.register(FiscalProfile)
class FiscalProfileAdmin(SchoolScopedAdmin):
    add_action = Action.SCHOOL_EDIT
    change_action = Action.SCHOOL_EDIT
    form = FiscalProfileForm
    list_display = [
        "school",
        "rfc",
        "legal_name",
        "tax_regime",
        "certificate_number",
        "certificate_valid_until",
    ]
    list_select_related = ["school"]
    search_fields = ["rfc", "legal_name", "school__name"]
    readonly_fields = ["certificate_number", "certificate_valid_until"]

    def get_readonly_fields(self, request, obj=None):
        return ["school", *self.readonly_fields] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        certificate, key = data.get("certificate_file"), data.get("key_file")
        saved = services.fiscal_profile_put(
            school_id=obj.school_id if change else data["school"].pk,
            rfc=data["rfc"],
            legal_name=data["legal_name"],
            tax_regime=data["tax_regime"],
            expedition_zip=data["expedition_zip"],
            series=data["series"],
            payment_series=data["payment_series"],
            key_password_env=data["key_password_env"],
            rvoe=data.get("rvoe") or {},
            certificate=certificate.read() if certificate else None,
            private_key=key.read() if key else None,
            actor=request.user,
        )
        self.saved_by_service(obj, saved)


@admin.register(Document)
class DocumentAdmin(SchoolScopedAdmin):
    list_display = [
        "__str__",
        "kind",
        "status",
        "invoice",
        "receiver_rfc",
        "amount",
        "uuid",
        "stamped_at",
        "pac_code",
        "files",
    ]
    list_filter = ["status", "kind", ("school", ScopedSchoolFilter)]
    list_select_related = ["invoice", "school"]
    search_fields = ["uuid", "folio", "receiver_rfc", "receiver_name", "invoice__number"]
    raw_id_fields = ["invoice", "payment", "related"]
    exclude = ["xml", "claimed_until"]
    actions = ["stamp_drafts", "cancel_02", "cancel_03"]
    extra_views = [
        ("<path:object_id>/xml/", "xml_view", "cfdi_document_xml"),
        ("<path:object_id>/pdf/", "pdf_view", "cfdi_document_pdf"),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("xml")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in self.exclude]

    def has_change_permission(self, request, obj=None):
        return False  # documents change only through the actions (services)

    @admin.display(description=_("Files"))
    def files(self, obj):
        if obj.status not in (DocumentStatus.STAMPED, DocumentStatus.CANCELLED):
            return "—"
        return format_html(
            '<a href="{}">XML</a> · <a href="{}">PDF</a>',
            reverse("admin:cfdi_document_xml", args=[obj.pk]),
            reverse("admin:cfdi_document_pdf", args=[obj.pk]),
        )

    def _document(self, request, object_id):
        return self.get_queryset(request).defer(None).filter(pk=object_id).first() if object_id else None

    def xml_view(self, request, object_id):
        document = self._document(request, object_id)
        if document is None or not document.xml:
            return HttpResponseRedirect(reverse("admin:cfdi_document_changelist"))
        response = HttpResponse(bytes(document.xml), content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{document.filename_stem}.xml"'
        return response

    def pdf_view(self, request, object_id):
        document = self._document(request, object_id)
        if document is None or document.status not in (DocumentStatus.STAMPED, DocumentStatus.CANCELLED):
            return HttpResponseRedirect(reverse("admin:cfdi_document_changelist"))
        try:
            pdf = document_pdf(document)
        except DomainError as refusal:
            self.message_user(request, str(refusal.detail), level=messages.ERROR)
            return HttpResponseRedirect(reverse("admin:cfdi_document_changelist"))
        return pdf_response(pdf, filename=f"{document.filename_stem}.pdf", inline=False)

    @admin.action(description=_("Send the selected drafts to the PAC"))
    @required_action(Action.INVOICE_CREATE)
    def stamp_drafts(self, request, queryset):
        done = {DocumentStatus.STAMPED: 0, DocumentStatus.FAILED: 0, DocumentStatus.DRAFT: 0}
        for document in (
            queryset.filter(status=DocumentStatus.DRAFT).select_related(None).only("pk", "school_id")
        ):
            if user_can(request.user, Action.INVOICE_CREATE, document.school_id):
                outcome = services.document_stamp(document_id=document.pk)
                done[outcome.document.status] = done.get(outcome.document.status, 0) + 1
        self.message_user(
            request,
            gettext("Stamped: %(s)d, failed: %(f)d, still waiting for the PAC: %(w)d")
            % {
                "s": done[DocumentStatus.STAMPED],
                "f": done[DocumentStatus.FAILED],
                "w": done[DocumentStatus.DRAFT],
            },
        )

    def _cancel(self, request, queryset, reason: str):
        for document in queryset.select_related(None).only("pk", "school_id"):
            if not user_can(request.user, Action.INVOICE_CANCEL, document.school_id):
                continue
            try:
                services.document_cancel(document_id=document.pk, reason=reason, actor=request.user)
            except DomainError as refusal:
                self.message_user(request, f"{document}: {refusal.detail}", level=messages.ERROR)
            else:
                self.message_user(request, gettext("%(doc)s cancelled.") % {"doc": document})

    @admin.action(description=_("Cancel: 02 issued with errors, no replacement"))
    @required_action(Action.INVOICE_CANCEL)
    def cancel_02(self, request, queryset):
        self._cancel(request, queryset, "02")

    @admin.action(description=_("Cancel: 03 the operation did not take place"))
    @required_action(Action.INVOICE_CANCEL)
    def cancel_03(self, request, queryset):
        self._cancel(request, queryset, "03")
