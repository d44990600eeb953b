"""The evaluation summary's network section in the PDF: the picture builds, fits its page, and
no name of a participant or partner reaches it."""

import datetime
import io

import pytest
from pdfminer.high_level import extract_text

from organisations.models import Collaboration
from tests import factories
from tests.reports import dataset
from tests.reports.test_pdf_layout import build, outside_the_page

MENTOR = "Mentorhjelpen Plantet"
PLACES = [f"Plantetvik{n} kommune" for n in range(30)]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def data(db):
    data = dataset.build()
    year = data.today.year
    mentor = factories.OrganisationFactory(kind="mentor", name=MENTOR)
    rows = [
        Collaboration(organisation=data.a, partner_kind="participant", partner=data.b,
                      partner_name=data.b.name, since=datetime.date(year, 1, 5)),
        Collaboration(organisation=data.c, partner_kind="mentor", partner=mentor,
                      partner_name=MENTOR, since=datetime.date(year, 2, 1)),
        Collaboration(organisation=data.b, partner_kind="immigrant_council",
                      partner_name="Plantet innvandrerråd", since=datetime.date(year, 2, 1)),
    ]  # fmt: skip
    rows += [
        Collaboration(
            organisation=data.participants[n % 3],
            partner_kind="municipality",
            partner_name=place,
            since=datetime.date(year, 1, 1),
        )
        for n, place in enumerate(PLACES)
    ]
    Collaboration.objects.bulk_create(rows)
    return data


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_network_picture_fits_and_names_no_one(data, language):
    content = build("evaluation", language, scheme=data.scheme.pk)
    assert outside_the_page(content) == []
    text = extract_text(io.BytesIO(content))
    assert ("Nettverk" if language == "nb" else "Networks") in text
    for name in [MENTOR, "Plantet innvandrerråd", *PLACES, *(o.name for o in data.participants)]:
        assert name not in text, name
