"""HTML to PDF with WeasyPrint: A4, header and footer with page numbers, the document's
language and title set, fonts with æøå embedded (DejaVu, installed with the system).

Two variants (WeasyPrint's ``pdf_variant``):

- ``"pdf/ua-1"`` (the default, for every report and letter the portal hands out): tagged for
  accessibility as PDF/UA-1, with a structure tree of the headings, paragraphs, lists and
  tables, page headers and footers marked as artifacts, the title shown as the window title,
  and XMP metadata naming the standard.
- ``"pdf/a-2b"`` (for the archive, ``scheme.records``): PDF/A-2b, ISO 19005-2 level B. XMP
  metadata with ``pdfaid:part`` 2 and ``pdfaid:conformance`` B, an sRGB output intent, every
  font embedded (WeasyPrint always embeds its font subsets), PDF 1.7 and a file identifier in
  the trailer (PDF/A requires one, so it is not left out as for the other variant). The
  archive copy is tagged too (``pdf_tags``), which level B allows.

The language (``/Lang``) comes from ``<html lang>``, the title from ``<title>``."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML

UA = "pdf/ua-1"
ARCHIVE = "pdf/a-2b"
VARIANTS = (UA, ARCHIVE)


def _options(variant: str) -> dict:
    if variant == UA:
        return {"pdf_identifier": False, "pdf_variant": UA, "uncompressed_pdf": False}
    if variant == ARCHIVE:
        # pdf_identifier None: the variant's default, an identifier made from the content.
        return {"pdf_variant": ARCHIVE, "pdf_tags": True, "uncompressed_pdf": False}
    raise ValueError(f"unknown PDF variant {variant!r}; one of {', '.join(VARIANTS)}")


def render_pdf(template_name: str, context: dict, *, variant: str = UA) -> bytes:
    """Render ``template_name`` (extending reports/pdf/base.html) to PDF bytes, as
    ``variant`` (``"pdf/ua-1"`` or ``"pdf/a-2b"``).

    The context needs ``title``; the document's language is the active one.
    """
    options = _options(variant)
    html = render_to_string(
        template_name, {**context, "language": translation.get_language() or "nb"}
    )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(**options)
