"""The evaluation figures as CSV files in a ZIP (issue 14): ordered by evaluators and the
scheme's caseworkers for a period; one CSV per table of the evaluation summary, from the same
figures as the PDF; names of organisations, people and places nowhere; small groups as
"fewer than"; numbers as data; file names in the reader's language."""

import csv
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from mentoring.models import CheckIn
from organisations.models import Organisation
from reports import services
from reports.builders import builder_for
from reports.builders.evaluation_csv import _data, figures_for, tables_of
from reports.forms import order_forms_for
from reports.models import ReportJob
from reports.tasks import build_report
from scheme.models import User
from scheme.spreadsheet import cell
from tests import factories
from tests.reports import dataset
from tests.reports.test_pdfs import Pdf, squash

KIND = "evaluation_csv"


@pytest.fixture
def data(db):
    data = dataset.build()
    data.evaluator = factories.member_of(factories.OrganisationFactory(kind="evaluator"))
    return data


def build(scheme, language="nb", **parameters) -> tuple[dict, str]:
    """The ZIP's CSV files read back ({file name: rows}) and the ZIP's name."""
    admin = factories.UserFactory(is_superuser=True)
    with translation.override(language):
        content, name = builder_for(KIND).make(
            admin, {"scheme": scheme.pk, **parameters}, lambda percent, step="": None
        )
    files = {}
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        for info in package.infolist():
            raw = package.read(info)
            assert raw.startswith(b"\xef\xbb\xbf"), info.filename  # the BOM, as every export
            text = raw.decode("utf-8-sig")
            files[info.filename] = list(csv.reader(io.StringIO(text), delimiter=";"))
    return files, name


def table(files, stem) -> list[list[str]]:
    (found,) = [rows for name, rows in files.items() if name.split("-", 1)[1] == f"{stem}.csv"]
    return found


def by_first_column(rows) -> dict:
    return {row[0]: row[1:] for row in rows[1:]}


# --- what is in it ---------------------------------------------------------------------------


def test_one_csv_per_table_named_in_the_readers_language(data):
    files, name = build(data.scheme, "nb")
    assert name == "evaluation-figures-proveordning.zip"
    names = sorted(files)
    assert names[0] == "01-nokkeltall.csv"
    assert {"02-ar-for-ar.csv", "03-mal.csv", "04-kompetanseomrader.csv"} <= set(names)
    assert all(n.isascii() and " " not in n for n in names)
    english, _name = build(data.scheme, "en")
    assert sorted(english)[:2] == ["01-key-figures.csv", "02-year-by-year.csv"]
    assert len(english) == len(files)
    # The download is named in the reader's language too.
    job = ReportJob(kind=KIND, file_name=name)
    with translation.override("nb"):
        assert services.download_name(job) == "evalueringstall-proveordning.zip"
    with translation.override("en"):
        assert services.download_name(job) == "evaluation-figures-proveordning.zip"


def test_the_csv_figures_are_the_pdfs_for_the_same_period(data):
    """The CSV files and the PDF are written from one figures object: each CSV value is the
    figure as the summary has it, and the PDF prints the same totals."""
    period = {"start": f"{data.today.year - 1}-01-01", "end": f"{data.today.year}-12-31"}
    files, _name = build(data.scheme, "nb", **period)
    with translation.override("nb"):
        figures, feedback = figures_for(data.scheme, period, lambda *args: None)
        expected = tables_of(figures, feedback)
        for rows, written in zip(files.values(), expected, strict=True):  # in the ZIP's order
            assert rows[0] == [str(h) for h in written.header], written.name
            assert rows[1:] == [[cell(_data(v)) for v in row] for row in written.rows], written.name
        content, _pdf_name = builder_for("evaluation").make(
            factories.UserFactory(is_superuser=True),
            {"scheme": data.scheme.pk, **period},
            lambda *args: None,
        )
    key = by_first_column(table(files, "nokkeltall"))
    with translation.override("nb"):
        assert key[_("Awarded")] == [f"{figures.awarded:.2f}".replace(".", ",")]
        assert key[_("Mentor meetings")] == [str(figures.meetings)]
        years = by_first_column(table(files, "ar-for-ar"))
        assert years[_("Mentor meetings")][-2] == str(figures.meetings)  # the whole period
    pdf = Pdf(content)
    assert pdf.says(f"{figures.awarded:,.0f} kr".replace(",", " "))
    with translation.override("nb"):
        assert pdf.says(_("Whole period"))


def test_numbers_are_data_and_small_groups_read_fewer_than(data):
    files, _name = build(data.scheme, "nb")
    key = by_first_column(table(files, "nokkeltall"))
    with translation.override("nb"):
        awarded = key[_("Awarded")][0]
    assert awarded == "260000,00"  # no thousands space: it is data; a decimal comma
    check_ins = table(files, "underveisvurderinger")
    assert CheckIn.objects.exists()
    smallest = data.scheme.smallest_group
    answers = [row[2] for row in check_ins[1:]]
    assert answers and all(a == f"færre enn {smallest}" or int(a) >= smallest for a in answers)
    assert f"færre enn {smallest}" in answers


def test_no_name_of_an_organisation_a_person_or_a_place_survives_in_any_csv(data):
    """Names planted in free text (a check-in comment) and every name in the register (of
    organisations, people, a branch's place): none is found in any of the files. Counties are
    categories, as in the PDF, under the small-group rule."""
    Organisation.objects.filter(pk=data.c.pk).update(municipality="Dønna")
    check_in = CheckIn.objects.exclude(comment="").first()
    check_in.comment = (
        "Bærum språkkafé og Mentorforeningen Tråd møttes i Dønna; Aisha Ali skriver til "
        "kari@example.no."
    )
    check_in.save(update_fields=["comment"])
    data.scheme.smallest_group = 2  # the feedback form's answers are shown
    data.scheme.save(update_fields=["smallest_group"])
    files, _name = build(data.scheme, "nb")
    text = squash(" ".join(";".join(row) for rows in files.values() for row in rows)).lower()
    names = list(Organisation.objects.values_list("name", flat=True))
    names += list(User.objects.values_list("full_name", flat=True))
    names += ["Aisha Ali", "Bjørn Berg", "Dønna", "kari@example.no", "22 33 44 55", "Drammen"]
    assert len(names) > 10
    for name in names:
        assert squash(name).lower() not in text, name
    assert "[…]" in text  # the comment is there, with the names blanked


# --- who may order it ---------------------------------------------------------------------------


def order(client, user, scheme):
    client.force_login(user)
    return client.post(reverse("reports:order", args=[KIND]), {f"{KIND}-scheme": scheme.pk})


def test_evaluators_and_the_schemes_caseworkers_order_it(client, data, sent):
    for user in (data.evaluator, data.caseworker):
        assert KIND in {form.kind for form in order_forms_for(user)}
        response = order(client, user, data.scheme)
        assert response.status_code == 302
        job = ReportJob.objects.filter(ordered_by=user).get()
        assert (job.kind, job.parameters) == (KIND, {"scheme": data.scheme.pk})


def test_members_mentors_and_other_bodies_cannot_order_it(client, data, sent):
    refused = [data.member_a, data.mentor_1, factories.caseworker()]
    for user in refused:
        with pytest.raises(PermissionDenied):
            services.order_report(user, KIND, scheme=data.scheme.pk)
        response = order(client, user, data.scheme)
        assert response.status_code == 404  # as the reports app answers every refusal
    for user in refused[:2]:  # the form is not offered at all
        assert KIND not in {form.kind for form in order_forms_for(user)}
        client.force_login(user)
        page = client.get(reverse("reports:list")).content.decode()
        assert f'id="order-{KIND}"' not in page
    assert not ReportJob.objects.exists()


def test_the_reports_page_offers_both_evaluation_forms_in_few_queries(
    client, evaluator, scheme_year, django_assert_max_num_queries
):
    client.force_login(evaluator)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("reports:list")).content.decode()
    assert 'id="order-evaluation"' in page and f'id="order-{KIND}"' in page


def test_the_new_sections_name_organisations_by_label_and_say_yes_or_no(data):
    """Spending, networks and outcomes per organisation by anonymous label only; events with
    yes/no in the reader's language (not True/False)."""
    files, _name = build(data.scheme, "nb")
    with translation.override("nb"):
        label = _("Organisation %(code)s") % {"code": ""}
        everyone = _("All organisations")
    spending = table(files, "forbruk-per-organisasjon")[1:]
    assert spending, "the reports' accounts are spent by organisation"
    assert all(row[0].startswith(label) or row[0] == everyone for row in spending)
    events = table(files, "arrangementer")
    with translation.override("nb"):
        digital = events[0].index(_("Digital"))
    assert len(events) > 1
    assert {row[digital] for row in events[1:]} <= {"ja", "nei"}
    text = " ".join(";".join(row) for rows in files.values() for row in rows)
    assert "True" not in text and "False" not in text


def test_an_evaluator_orders_builds_and_downloads_the_zip_in_norwegian(client, data, sent):
    """The whole way: the order form, the worker (in the orderer's language), the download
    named in the reader's language."""
    data.evaluator.language = "nb"
    data.evaluator.save(update_fields=["language"])
    assert order(client, data.evaluator, data.scheme).status_code == 302
    job = ReportJob.objects.get()
    build_report(job.pk)
    job.refresh_from_db()
    assert (job.status, job.file_name) == ("done", "evaluation-figures-proveordning.zip")
    response = client.get(reverse("reports:download", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="nb")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="evalueringstall-proveordning.zip"'
    )
    content = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        assert "01-nokkeltall.csv" in package.namelist()
