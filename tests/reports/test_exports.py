"""The CSV exports: spreadsheet-ready, and only the schemes the caseworker's body runs."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from reports import services
from reports.builders import builder_for
from reports.forms import ExportForm
from reports.models import ReportJob
from tests import factories
from tests.reports import dataset

KINDS = ["csv_applications", "csv_awards", "csv_accounts", "csv_meetings", "csv_attendance"]


@pytest.fixture
def data(db):
    return dataset.build()


def build(kind, parameters):
    admin = factories.UserFactory(is_superuser=True)
    content, _name = builder_for(kind).make(admin, parameters, lambda *args: None)
    return content


@pytest.mark.parametrize("kind", KINDS)
def test_an_export_opens_in_a_spreadsheet_with_the_schemes_rows(data, kind):
    parameters = ExportForm(data.caseworker).parameters()
    content = build(kind, parameters)
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM: spreadsheets read æøå
    text = content.decode("utf-8-sig")
    assert ";" in text.splitlines()[0]
    assert len(text.splitlines()) > 1


@pytest.mark.parametrize("kind", KINDS)
def test_another_body_exports_none_of_this_scheme(data, kind):
    foreign = factories.caseworker()
    parameters = ExportForm(foreign).parameters()
    assert parameters == {"schemes": []}
    assert len(build(kind, parameters).decode("utf-8-sig").splitlines()) == 1  # the header
    mine = ExportForm(data.caseworker).parameters()
    assert builder_for(kind).subject_for(foreign, mine) is None


def test_an_export_cannot_be_ordered_for_a_scheme_of_another_body(data):
    mine = ExportForm(data.caseworker).parameters()
    with pytest.raises(PermissionDenied):
        services.order_report(factories.caseworker(), "csv_awards", **mine)


def test_text_a_spreadsheet_would_run_is_written_as_text():
    from reports.builders.exports import _cell

    assert _cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert _cell("+47 912") == "'+47 912"
    assert _cell("Grønland") == "Grønland"


def rows_of(kind, parameters, language) -> list[list[str]]:
    with translation.override(language):
        text = build(kind, parameters).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


@pytest.mark.parametrize(("language", "words"), [("nb", {"ja", "nei"}), ("en", {"yes", "no"})])
def test_yes_and_no_are_written_in_the_readers_language(data, language, words):
    """Not True/False: a spreadsheet reader sees the words of the file's language."""
    parameters = ExportForm(data.caseworker).parameters()
    for kind, columns in (("csv_meetings", [-1]), ("csv_attendance", [-2, -1])):
        rows = rows_of(kind, parameters, language)[1:]
        assert rows, kind
        found = {row[column] for row in rows for column in columns}
        assert found <= words | {""}, (kind, found)
        assert found & words, kind
        assert not found & {"True", "False"}


@pytest.mark.parametrize(
    ("kind", "stem", "norwegian"),
    [("csv_applications", "applications", "soknader"), ("csv_awards", "awards", "tilsagn"),
     ("csv_accounts", "accounts", "regnskap"), ("csv_meetings", "meetings", "moter"),
     ("csv_attendance", "attendance", "oppmote")],
)  # fmt: skip
def test_files_are_named_in_the_readers_language(data, kind, stem, norwegian):
    admin = factories.UserFactory(is_superuser=True)
    parameters = ExportForm(data.caseworker).parameters()
    _content, name = builder_for(kind).make(admin, parameters, lambda *args: None)
    day = timezone.localdate().isoformat()
    assert name == f"{stem}-{day}.csv"
    job = ReportJob(kind=kind, file_name=name)
    with translation.override("nb"):
        assert services.download_name(job) == f"{norwegian}-{day}.csv"
    with translation.override("en"):
        assert services.download_name(job) == f"{stem}-{day}.csv"
