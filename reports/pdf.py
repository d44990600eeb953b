"""HTML to PDF with WeasyPrint: A4, header and footer with page numbers, the document's
language and title set, fonts with æøå embedded (DejaVu, installed with the system)."""

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
        pdf_identifier=False, pdf_variant=None, uncompressed_pdf=False
    )
