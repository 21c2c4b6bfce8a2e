from cfdi.api import views
from core.api import route

urlpatterns = [
    route("schools/<school_id>/fiscal-profile", views.FiscalProfileApi, "school-fiscal-profile"),
    route("invoices/<invoice_id>/cfdi", views.InvoiceCfdiIssueApi, "invoice-cfdi"),
    route("cfdi-documents", views.DocumentListApi, "cfdi-document-list"),
    route("cfdi-documents/<document_id>", views.DocumentDetailApi, "cfdi-document-detail"),
    route("cfdi-documents/<document_id>/xml", views.DocumentXmlApi, "cfdi-document-xml"),
    route("cfdi-documents/<document_id>/pdf", views.DocumentPdfApi, "cfdi-document-pdf"),
    route("cfdi-documents/<document_id>/cancel", views.DocumentCancelApi, "cfdi-document-cancel"),
]
