"""Every PDF the portal builds is read back with the position of each line of text
(pdfminer): no word may lie outside its page, whatever the table or chart."""

import io

import pytest
from django.utils import translation
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTTextLine

from reports.builders import builder_for
from tests import factories
from tests.reports import dataset


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def build(kind, language, **parameters) -> bytes:
    admin = factories.UserFactory(is_superuser=True)
    with translation.override(language):
        content, _name = builder_for(kind).make(admin, parameters, lambda percent, step="": None)
    return content


def lines(element):
    if isinstance(element, LTTextLine):
        yield element
        return
    for child in getattr(element, "_objs", None) or ():
        yield from lines(child)


def outside_the_page(content: bytes) -> list[str]:
    """Each line of text that reaches past an edge of its page, with its page and place."""
    found = []
    for number, page in enumerate(extract_pages(io.BytesIO(content)), start=1):
        for line in lines(page):
            if line.x0 < 0 or line.y0 < 0 or line.x1 > page.width or line.y1 > page.height:
                found.append(f"page {number} at x {line.x0:.0f}–{line.x1:.0f}: {line.get_text()!r}")
    return found


@pytest.mark.parametrize("language", ["nb", "en"])
def test_no_text_of_any_report_lies_outside_its_page(db, language):
    data = dataset.build()
    documents = {
        "annual": {"scheme_year": data.scheme_year.pk},
        "evaluation": {"scheme": data.scheme.pk},
        "organisation": {"organisation": data.a.pk},
        "award_letter": {"award": data.award_b.pk},
    }
    for kind, parameters in documents.items():
        assert outside_the_page(build(kind, language, **parameters)) == [], kind
