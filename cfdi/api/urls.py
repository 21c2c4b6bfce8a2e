from django.urls import re_path

from cfdi.api import views

# `[^/]+`, not a UUID pattern: a malformed id reaches the view, which answers 401 before 404.
urlpatterns = [
    re_path(
        r"^schools/(?P<school_id>[^/]+)/fiscal-profile/?$",
        views.FiscalProfileApi.as_view(),
        name="school-fiscal-profile",
    ),
    re_path(
        r"^invoices/(?P<invoice_id>[^/]+)/cfdi/?$", views.InvoiceCfdiIssueApi.as_view(), name="invoice-cfdi"
    ),
    re_path(r"^cfdi-documents/?$", views.DocumentListApi.as_view(), name="cfdi-document-list"),
    re_path(
        r"^cfdi-documents/(?P<document_id>[^/]+)/?$",
        views.DocumentDetailApi.as_view(),
        name="cfdi-document-detail",
    ),
    re_path(
        r"^cfdi-documents/(?P<document_id>[^/]+)/xml/?$",
        views.DocumentXmlApi.as_view(),
        name="cfdi-document-xml",
    ),
    re_path(
        r"^cfdi-documents/(?P<document_id>[^/]+)/pdf/?$",
        views.DocumentPdfApi.as_view(),
        name="cfdi-document-pdf",
    ),
    re_path(
        r"^cfdi-documents/(?P<document_id>[^/]+)/cancel/?$",
        views.DocumentCancelApi.as_view(),
        name="cfdi-document-cancel",
    ),
]
