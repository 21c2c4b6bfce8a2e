"""A stamped CFDI's printed representation (representación impresa) as a PDF.

satcfdi lays the CFDI out as HTML from its XML (every node SAT defines, IEDU and Pagos 2.0
included, the timbre and the verification data); core.pdf turns it into a PDF with WeasyPrint,
refusing any resource that is not local (503 `pdf_unavailable` without Pango, as every PDF here).
"""

from __future__ import annotations

from satcfdi.cfdi import CFDI

from cfdi.models import Document
from core.pdf import html_to_pdf


def document_html(document: Document) -> str:
    from satcfdi.render import html_str  # imports WeasyPrint's CSS on first use, like core.pdf

    return html_str(CFDI.from_string(bytes(document.xml)))


def document_pdf(document: Document) -> bytes:
    from core.pdf import _weasyprint

    _weasyprint()  # PdfUnavailable (503) before satcfdi's renderer touches WeasyPrint
    return html_to_pdf(document_html(document))
