"""HTML templates to PDF, with WeasyPrint.

The PDFs (receipts, statements) are the print pages themselves: the same template and the same
print stylesheet, laid out by WeasyPrint with `@media print` and the page's `@page` size. WeasyPrint
is chosen over pure-Python renderers (xhtml2pdf) because it implements the CSS the print pages use
(flex, grid, `@page`), so there is one template per document, not a second PDF-only layout.

WeasyPrint needs Pango (a system library, present on common Linux desktops and installed by the
Dockerfile and `.ci/run`). It is imported on first use: without Pango the rest of the app runs and a
PDF request answers 503 `pdf_unavailable` instead of failing at startup.

Resources are never fetched over the network: the stylesheet is read from the static files on
disk, and any other URL in a document is refused (no server-side request forgery through a name
or a description that ends up in a template).
"""

from __future__ import annotations

import mimetypes
from urllib.parse import urlsplit

import structlog
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response

from core.exceptions import DomainError
from core.openapi import ErrorSerializer
from core.renderers import JSONRenderer

logger = structlog.get_logger(__name__)

# Relative URLs in the templates (`/static/...`) resolve against this host, which never exists
# (.invalid is reserved): the fetcher below maps it to files and refuses everything else.
_BASE_URL = "https://documents.invalid/"

PDF_MEDIA_TYPE = "application/pdf"
PDF_UNAVAILABLE_DESCRIPTION = "PDF rendering is not installed on this server (`pdf_unavailable`)."

# The 503 of a server without Pango, documented as JSON (errors never leave as a PDF).
PDF_UNAVAILABLE_RESPONSE = {
    (503, "application/json"): OpenApiResponse(
        response=ErrorSerializer, description=PDF_UNAVAILABLE_DESCRIPTION
    ),
}

FORMAT_PARAMETER = OpenApiParameter(
    "format", str, OpenApiParameter.QUERY, required=False, enum=["json", "pdf"],
    description="`pdf`: the printable document as a PDF (same as `Accept: application/pdf`). "
    "Default: JSON.",
)


class PdfUnavailable(DomainError, code="pdf_unavailable", status=503):
    default_detail = gettext_lazy("PDF rendering is not available on this server (WeasyPrint needs Pango).")


def _static_path(url_path: str) -> str | None:
    static_prefix = "/" + settings.STATIC_URL.lstrip("/")
    if not url_path.startswith(static_prefix):
        return None
    name = url_path[len(static_prefix):]
    try:
        if staticfiles_storage.exists(name):
            return staticfiles_storage.path(name)
    except NotImplementedError:  # a remote storage: fall back to the app's own files
        pass
    # Before collectstatic (tests, runserver): the file in its app or in static/.
    return finders.find(name)


def _local_resource(url: str) -> tuple[bytes, str]:
    """The bytes and type of a static file the document links to; ValueError for anything else."""
    parts = urlsplit(url)
    path = _static_path(parts.path) if url.startswith(_BASE_URL) else None
    if path is None:
        raise ValueError(f"PDF resources are local static files only; refused {url!r}")
    with open(path, "rb") as handle:
        return handle.read(), mimetypes.guess_type(path)[0] or "text/css"


def _weasyprint():
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: Pango or its friends are not installed
        logger.warning("pdf_unavailable", error=str(exc))
        raise PdfUnavailable() from exc
    return weasyprint


def _local_fetcher(weasyprint):
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalStaticFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            content, mime_type = _local_resource(url)
            return URLFetcherResponse(url, content, {"Content-Type": mime_type})

    return LocalStaticFetcher()


def html_to_pdf(html: str) -> bytes:
    """Lay out one HTML document (print media) and return the PDF's bytes."""
    weasyprint = _weasyprint()
    fetcher = _local_fetcher(weasyprint)
    return weasyprint.HTML(string=html, base_url=_BASE_URL, url_fetcher=fetcher).write_pdf()


def render_pdf(template_name: str, context: dict, *, request=None) -> bytes:
    """Render a print template with its context, as the browser page would, then to PDF."""
    return html_to_pdf(render_to_string(template_name, {**context, "pdf": True}, request=request))


def pdf_response(pdf: bytes, *, filename: str, inline: bool = True) -> HttpResponse:
    """An HTTP answer carrying a PDF, shown in the browser (inline) or downloaded."""
    stem = slugify(filename.removesuffix(".pdf")) or "document"
    response = HttpResponse(pdf, content_type=PDF_MEDIA_TYPE)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{stem}.pdf"'
    return response


class PdfRenderer(BaseRenderer):
    """`?format=pdf` (or `Accept: application/pdf`): the view's answer is already the PDF's bytes."""

    media_type = PDF_MEDIA_TYPE
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class PdfViewMixin:
    """API views that can answer a PDF: a PDF leaves as a PDF, anything else (errors) as JSON.

    Errors raised before or while building the document (401, 404, 400, 503) are dicts: they are
    rendered by the JSON renderer whatever format was asked for, so a client always gets the
    error shape it can read.
    """

    def wants_pdf(self, request) -> bool:
        renderer = getattr(request, "accepted_renderer", None)
        return isinstance(renderer, PdfRenderer)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response):
            if isinstance(response.data, bytes):
                response.accepted_renderer, response.accepted_media_type = PdfRenderer(), PDF_MEDIA_TYPE
            elif isinstance(response.accepted_renderer, PdfRenderer):
                response.accepted_renderer, response.accepted_media_type = JSONRenderer(), "application/json"
        return response


def pdf_api_response(pdf: bytes, *, filename: str) -> Response:
    response = Response(pdf, content_type=PDF_MEDIA_TYPE)
    response["Content-Disposition"] = pdf_response(b"", filename=filename)["Content-Disposition"]
    return response
