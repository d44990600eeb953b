"""HTML to PDF with WeasyPrint: A4, header and footer with page numbers, the document's
language and title set, fonts with æøå embedded (DejaVu, installed with the system).

Tagged for accessibility as PDF/UA-1 (WeasyPrint's ``pdf_variant="pdf/ua-1"``): a structure
tree of the headings, paragraphs, lists and tables, page headers and footers marked as
artifacts, the title shown as the window title, and XMP metadata naming the standard. The
language (``/Lang``) comes from ``<html lang>``, the title from ``<title>``."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render ``template_name`` (extending reports/pdf/base.html) to PDF bytes.

    The context needs ``title``; the document's language is the active one.
    """
    html = render_to_string(
        template_name, {**context, "language": translation.get_language() or "nb"}
    )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        pdf_identifier=False, pdf_variant="pdf/ua-1", uncompressed_pdf=False
    )
