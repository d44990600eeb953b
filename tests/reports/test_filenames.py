"""Downloaded files are named in the reader's language, ASCII-safe: ``arsrapport-2023.pdf``
for a Norwegian reader, ``annual-report-2023.pdf`` for an English one."""

import pytest
from django.urls import reverse
from django.utils import translation

from reports import services
from reports.models import ReportJob
from reports.tasks import build_report
from scheme.file_names import file_stem, in_reader_language
from tests.reports.conftest import SCRIPTED

WORDS = {"annual-report": "årsrapport", "award-letter": "tilsagnsbrev", "awards": "tilsagn"}


@pytest.mark.parametrize(
    ("stored", "downloaded"),
    [
        ("annual-report-2023.pdf", "arsrapport-2023.pdf"),
        ("award-letter-baerum-2024.pdf", "tilsagnsbrev-baerum-2024.pdf"),
        ("awards-2024-05-01.csv", "tilsagn-2024-05-01.csv"),
        ("awardsome.csv", "awardsome.csv"),  # not a known stem
    ],
)
def test_the_english_stem_is_put_in_the_readers_words(stored, downloaded):
    assert in_reader_language(stored, WORDS) == downloaded


def test_names_are_ascii_safe():
    assert file_stem("Årsrapport for Bærum og Ørsta") == "arsrapport-for-baerum-og-orsta"


@pytest.fixture
def annual_report(caseworker, script):
    job = services.order_report(caseworker, SCRIPTED)
    build_report(job.pk)
    ReportJob.objects.filter(pk=job.pk).update(file_name="annual-report-2023.pdf")
    return job


def downloaded_name(client, user, job, language) -> str:
    client.force_login(user)
    with translation.override(language):
        response = client.get(
            reverse("reports:download", args=[job.pk]), HTTP_ACCEPT_LANGUAGE=language
        )
    return response["Content-Disposition"]


def test_an_english_reader_downloads_an_english_name(client, caseworker, annual_report, settings):
    settings.LANGUAGE_CODE = "en"
    caseworker.language = "en"
    caseworker.save()
    name = downloaded_name(client, caseworker, annual_report, "en")
    assert name == 'attachment; filename="annual-report-2023.pdf"'


def test_a_norwegian_reader_downloads_a_norwegian_name(
    client, caseworker, annual_report, monkeypatch
):
    caseworker.language = "nb"
    caseworker.save()
    monkeypatch.setitem(services.FILE_WORDS, "annual-report", "årsrapport")  # as translated
    name = downloaded_name(client, caseworker, annual_report, "nb")
    assert name == 'attachment; filename="arsrapport-2023.pdf"'
