"""The archive package (reports/builders/archive.py), read back and checked against the
database: each case's documents in the ZIP (the ones the portal draws up as PDF/A-2b, uploads
byte for byte as received), and one XML file in the Noark 5 archive structure whose every
case, journal entry and document is compared with the rows and files it describes. A period's
package holds only the cases closed in it of the user's bodies; another body's caseworker can
neither order nor fetch a package.

Cases are made through the grant services (sending an application opens the case and registers
the application and its attachments); documents the grant services do not register yet are
registered with ``scheme.records.services.register_document``. Where no renderer is
registered for a source kind the portal draws up, a stand-in draws the PDF with WeasyPrint
in the variant asked for."""

import datetime
import hashlib
import io
import os
import time
import zipfile
from html import escape
from xml.etree import ElementTree as ET

import pytest
from django.core.exceptions import PermissionDenied
from django.template import engines
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from pypdf import PdfReader
from weasyprint import HTML

from grants import services as grants
from reports import services
from reports.models import JobStatus, ReportJob, ReportKind
from scheme import registry
from scheme.records import services as records
from scheme.records.models import CaseFile, Direction, DocumentType, RegistryEntry
from tests import factories
from tests.grants.conftest import complete_application, eligible_organisation

N5 = "http://www.arkivverket.no/standarder/noark5/arkivstruktur"
NS = {"n5": N5}
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
PDFAID = "http://www.aiim.org/pdfa/ns/id/"

# The source kinds whose documents the portal draws up in these tests.
DRAWN_UP = ("grants.application", "grants.round")
DOCX = b"PK\x03\x04" + b"word document as received" * 20


def stand_in_render(entry, *, variant="pdf/ua-1"):
    title = escape(entry.title)
    html = (
        f'<html lang="nb"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><h1>{escape(entry.number_label)}</h1><p>{title}</p></body></html>"
    )
    return HTML(string=html).write_pdf(pdf_variant=variant, pdf_identifier=False)


# A worker started by the test below imports this module (``--include``) with this variable
# set: it then draws up with the stand-in where the portal has no renderer yet.
WORKER_STAND_INS = "ARCHIVE_TEST_STAND_INS"
if os.environ.get(WORKER_STAND_INS) == "1":
    for _kind in DRAWN_UP:
        if registry.document_renderer(_kind) is None:
            registry.register_document_renderer(_kind, stand_in_render)


@pytest.fixture
def asked(monkeypatch):
    """The renderers of DRAWN_UP (the portal's, or a stand-in), recording (entry id, variant)
    of each document drawn up."""
    calls = []
    for kind in DRAWN_UP:
        render = registry.document_renderer(kind) or stand_in_render

        def recording(entry, *, variant="pdf/ua-1", render=render):
            calls.append((entry.pk, variant))
            return render(entry, variant=variant)

        monkeypatch.setitem(registry._document_renderers, kind, recording)
    return calls


@pytest.fixture
def scheme_year(db):
    return factories.SchemeYearFactory(year=timezone.localdate().year)


@pytest.fixture
def body(scheme_year):
    return scheme_year.scheme.administrator


@pytest.fixture
def caseworker(body):
    return factories.caseworker(body)


@pytest.fixture
def colleague(body):
    return factories.caseworker(body)


@pytest.fixture
def other_year(db):
    """A scheme year run by another administering body."""
    return factories.SchemeYearFactory(year=timezone.localdate().year)


@pytest.fixture
def foreign_caseworker(other_year):
    return factories.caseworker(other_year.scheme.administrator)


def sent_application(caseworker, scheme_year, name):
    """An application sent by a new organisation to a call of ``caseworker``'s: its case is
    open, with the application and its two attachments registered."""
    organisation = eligible_organisation(name=name)
    member = factories.member_of(organisation)
    today = timezone.localdate()
    call = grants.save_round(
        caseworker,
        scheme_year=scheme_year,
        title=f"Søknadsrunde for {name}",
        kind="closed",
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=20),
        guidance="Søk om driftsmidler.",
    )
    grants.invite(caseworker, call, [organisation])
    application = complete_application(member, call, organisation)
    grants.submit_application(member, application)
    return application, member


def closed(caseworker, application, member, monkeypatch, at=None):
    """Withdraw the application and close its case (at ``at``, a local time, if given)."""
    grants.withdraw_application(member, application)
    case_file = records.case_of(application)
    with monkeypatch.context() as patched:
        if at is not None:
            moment = timezone.make_aware(at)
            patched.setattr(timezone, "now", lambda: moment)
        return records.close_case(caseworker, case_file)


def order_and_build(user, kind, django_capture_on_commit_callbacks, **parameters):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.order_report(user, kind, **parameters)
    job.refresh_from_db()
    return job


def read_package(job):
    assert job.status == JobStatus.DONE, job.error
    with job.file.open("rb") as stored:
        return zipfile.ZipFile(io.BytesIO(stored.read()))


def text(element, path):
    found = element.find(path, NS)
    assert found is not None, f"{path} missing in {element.tag}"
    return found.text or ""


def moment(value) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value)


def pdfa_of(content: bytes) -> tuple[str, str]:
    """The PDF/A part and conformance a PDF's XMP metadata declares."""
    metadata = PdfReader(io.BytesIO(content)).trailer["/Root"]["/Metadata"].get_object()
    rdf = ET.fromstring(metadata.get_data().strip().split(b"?>", 1)[1].rsplit(b"<?xpacket", 1)[0])
    for description in rdf.iter("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}Description"):
        part = description.get(f"{{{PDFAID}}}part") or description.findtext(f"{{{PDFAID}}}part")
        level = description.get(f"{{{PDFAID}}}conformance") or description.findtext(
            f"{{{PDFAID}}}conformance"
        )
        if part:
            return part, level
    raise AssertionError("no pdfaid in the XMP metadata")


def check_package(package, cases, asked):
    """Every case and document in the package matches the database and the files: returns the
    XML root and {document number: registrering} for more checks."""
    root = ET.fromstring(package.read("arkivstruktur.xml"))
    assert root.tag == f"{{{N5}}}arkiv"
    mapper = {}
    for klasse in root.iterfind("n5:arkivdel/n5:klassifikasjonssystem/n5:klasse", NS):
        for mappe in klasse.iterfind("n5:mappe", NS):
            mapper[text(mappe, "n5:mappeID")] = (klasse, mappe)
    assert set(mapper) == {case.number for case in cases}
    entries = {}
    files = {"arkivstruktur.xml"}
    for case in cases:
        klasse, mappe = mapper[case.number]
        assert text(klasse, "n5:klasseID") == case.classification == "223"
        assert mappe.get(XSI_TYPE) == "saksmappe"
        assert text(mappe, "n5:tittel") == case.title
        assert (text(mappe, "n5:saksaar"), text(mappe, "n5:sakssekvensnummer")) == (
            str(case.year),
            str(case.sequence),
        )
        assert moment(text(mappe, "n5:opprettetDato")) == case.opened_at.replace(microsecond=0)
        assert text(mappe, "n5:saksdato") == timezone.localtime(case.opened_at).date().isoformat()
        assert text(mappe, "n5:administrativEnhet") == case.body.name
        assert text(mappe, "n5:saksansvarlig") == (str(case.caseworker) if case.caseworker else "")
        assert text(mappe, "n5:part/n5:partNavn") == case.party.name
        if case.is_closed:
            assert moment(text(mappe, "n5:avsluttetDato")) == case.closed_at.replace(microsecond=0)
            assert text(mappe, "n5:avsluttetAv") == str(case.closed_by)
            assert text(mappe, "n5:saksstatus") == "Avsluttet"
        else:
            assert mappe.find("n5:avsluttetDato", NS) is None
            assert text(mappe, "n5:saksstatus") == "Under behandling"
        posts = {
            text(post, "n5:registreringsID"): post for post in mappe.iterfind("n5:registrering", NS)
        }
        rows = list(
            RegistryEntry.objects.filter(case_file=case).select_related("case_file", "caseworker")
        )
        assert rows and set(posts) == {entry.number_label for entry in rows}
        for entry in rows:
            post = entries[entry.number_label] = posts[entry.number_label]
            files.add(check_entry(package, post, entry, asked))
    assert set(package.namelist()) == files
    return root, entries


def check_entry(package, post, entry, asked) -> str:
    """The journal entry and its document against the row and the file; the file's path."""
    assert post.get(XSI_TYPE) == "journalpost"
    assert text(post, "n5:tittel") == entry.title
    assert text(post, "n5:journalpostnummer") == str(entry.number)
    assert text(post, "n5:journalaar") == str(timezone.localtime(entry.registered_at).year)
    assert int(text(post, "n5:journalsekvensnummer")) >= 1
    assert (
        text(post, "n5:journalposttype")
        == {
            Direction.INCOMING: "Inngående dokument",
            Direction.OUTGOING: "Utgående dokument",
            Direction.INTERNAL: "Organinternt dokument for oppfølging",
        }[entry.direction]
    )
    assert (
        text(post, "n5:journaldato") == timezone.localtime(entry.registered_at).date().isoformat()
    )
    assert text(post, "n5:dokumentetsDato") == entry.document_date.isoformat()
    assert moment(text(post, "n5:opprettetDato")) == entry.registered_at.replace(microsecond=0)
    party = post.find("n5:korrespondansepart", NS)
    assert text(party, "n5:korrespondanseparttype") == (
        "Avsender" if entry.direction == Direction.INCOMING else "Mottaker"
    )
    assert text(party, "n5:korrespondansepartNavn") == entry.party_name
    assert text(party, "n5:saksbehandler") == (str(entry.caseworker) if entry.caseworker else "")

    [description] = post.findall("n5:dokumentbeskrivelse", NS)
    with translation.override("nb"):
        assert text(description, "n5:dokumenttype") == capfirst(entry.get_document_type_display())
    assert text(description, "n5:tittel") == entry.title
    assert text(description, "n5:dokumentstatus") == "Dokumentet er ferdigstilt"
    assert text(description, "n5:tilknyttetRegistreringSom") == "Hoveddokument"
    assert text(description, "n5:dokumentnummer") == "1"

    [item] = description.findall("n5:dokumentobjekt", NS)
    path = text(item, "n5:referanseDokumentfil")
    content = package.read(path)
    assert text(item, "n5:versjonsnummer") == "1"
    assert text(item, "n5:sjekksumAlgoritme") == "SHA256"
    assert text(item, "n5:sjekksum") == hashlib.sha256(content).hexdigest()
    assert text(item, "n5:filstoerrelse") == str(len(content))
    assert path.endswith(
        f"/{entry.case_file.year}-{entry.case_file.sequence}-{entry.number}.pdf"
    ) or (not content.startswith(b"%PDF"))
    if entry.source_kind in DRAWN_UP:
        assert (entry.pk, "pdf/a-2b") in asked
        assert pdfa_of(content) == ("2", "B")
        assert (text(item, "n5:format"), text(item, "n5:variantformat")) == (
            "fmt/477",
            "Arkivformat",
        )
    else:
        with entry.file.open("rb") as stored:
            assert content == stored.read()  # as received, byte for byte
    return path


# --- one case --------------------------------------------------------------------------------


@pytest.fixture
def case_file(caseworker, body, scheme_year, asked, monkeypatch):
    """A sent application's case with, besides the application and its attachments, a letter
    the portal drew up (with caseworker and approver), a Word file from a private person and
    an uploaded PDF/A-2b; closed."""
    application, member = sent_application(caseworker, scheme_year, "Wadajir forening")
    case_file = records.case_of(application)
    approver = factories.approver(body)
    records.register_document(
        case_file,
        application.round,
        document_type=DocumentType.DECISION,
        direction=Direction.OUTGOING,
        title="Vedtak om tilskudd",
        party_name=application.organisation.name,
        caseworker=caseworker,
        approver=approver,
    )
    records.register_document(
        case_file,
        member,
        document_type=DocumentType.MESSAGE,
        direction=Direction.INCOMING,
        title="Innspill til saken",
        party_name="Kari Nordmann",
        party_is_person=True,
        caseworker=caseworker,
        content=DOCX,
        file_name="innspill.docx",
    )
    archived = stand_in_render(
        RegistryEntry(case_file=case_file, number=99, title="Rapport"), variant="pdf/a-2b"
    )
    records.register_document(
        case_file,
        application.organisation,
        document_type=DocumentType.ATTACHMENT,
        direction=Direction.INCOMING,
        title="Årsmelding (PDF/A)",
        party_name=application.organisation.name,
        content=archived,
        file_name="arsmelding.pdf",
    )
    return closed(caseworker, application, member, monkeypatch)


def test_a_case_package_holds_every_document_and_field(
    caseworker, case_file, asked, django_capture_on_commit_callbacks
):
    job = order_and_build(
        caseworker, ReportKind.ARCHIVE_CASE, django_capture_on_commit_callbacks,
        case_file=case_file.pk,
    )  # fmt: skip
    assert (
        job.progress == 100 and job.file_name == f"archive-{case_file.number.replace('/', '-')}.zip"
    )
    case_file.refresh_from_db()
    _root, entries = check_package(read_package(job), [case_file], asked)
    kinds = {entry.document_type for entry in case_file.entries.all()}
    assert {DocumentType.APPLICATION, DocumentType.ATTACHMENT, DocumentType.DECISION} <= kinds
    assert len(entries) == case_file.entries.count() == 6

    by_title = {text(post, "n5:tittel"): post for post in entries.values()}
    # The private person's name is kept: this is the archive, not the public journal.
    message = by_title["Innspill til saken"]
    assert text(message, "n5:korrespondansepart/n5:korrespondansepartNavn") == "Kari Nordmann"
    item = message.find("n5:dokumentbeskrivelse/n5:dokumentobjekt", NS)
    assert (text(item, "n5:format"), text(item, "n5:variantformat")) == (
        "fmt/412",
        "Produksjonsformat",
    )
    assert text(item, "n5:referanseDokumentfil").endswith(".docx")
    # An uploaded PDF that is not PDF/A is kept and said to be what it is.
    attachment = next(post for title, post in by_title.items() if "vedtekter.pdf" in title)
    item = attachment.find("n5:dokumentbeskrivelse/n5:dokumentobjekt", NS)
    assert (text(item, "n5:format"), text(item, "n5:variantformat")) == (
        "fmt/18",
        "Produksjonsformat",
    )
    assert "PDF 1.4" in text(item, "n5:formatDetaljer")
    # An uploaded PDF/A-2b is recognised by its XMP metadata.
    item = by_title["Årsmelding (PDF/A)"].find("n5:dokumentbeskrivelse/n5:dokumentobjekt", NS)
    assert (text(item, "n5:format"), text(item, "n5:variantformat")) == ("fmt/477", "Arkivformat")
    # The letter names the caseworker and the approver.
    letter = by_title["Vedtak om tilskudd"]
    approver = case_file.entries.get(title="Vedtak om tilskudd").approver
    assert [author.text for author in letter.findall("n5:forfatter", NS)] == [
        str(caseworker),
        str(approver),
    ]
    assert text(letter, "n5:korrespondansepart/n5:korrespondanseparttype") == "Mottaker"
    # Each portal-drawn document was drawn up for the package as PDF/A-2b.
    drawn = case_file.entries.filter(source_kind__in=DRAWN_UP)
    assert sorted(pk for pk, variant in asked if variant == "pdf/a-2b") == sorted(
        drawn.values_list("pk", flat=True)
    )
    # The journal numbers of the year run in the order the documents were registered.
    numbers = [
        int(text(entries[entry.number_label], "n5:journalsekvensnummer"))
        for entry in case_file.entries.order_by("registered_at", "pk").select_related("case_file")
    ]
    assert numbers == list(range(1, len(numbers) + 1))


def test_the_package_reports_its_progress_document_by_document(caseworker, case_file, asked):
    from reports.builders import builder_for

    steps = []
    builder_for("archive_case").make(
        caseworker, {"case_file": case_file.pk}, lambda percent, step="": steps.append(percent)
    )
    assert steps == sorted(steps) and len(set(steps)) >= case_file.entries.count() + 1


def test_a_document_without_file_or_renderer_fails_the_job_with_a_message(
    caseworker, case_file, asked, monkeypatch, django_capture_on_commit_callbacks
):
    for kind in DRAWN_UP:
        monkeypatch.delitem(registry._document_renderers, kind)
    RegistryEntry.objects.filter(case_file=case_file, source_kind="grants.application").update(
        file=""
    )
    job = order_and_build(
        caseworker, ReportKind.ARCHIVE_CASE, django_capture_on_commit_callbacks,
        case_file=case_file.pk,
    )  # fmt: skip
    assert job.status == JobStatus.FAILED
    with translation.override(caseworker.language):  # the error is in the orderer's language
        expected = translation.gettext(
            "Document %(number)s has no file, and the portal cannot draw it up."
        ) % {"number": f"{case_file.number}-1"}
    assert job.error == expected


# --- a period --------------------------------------------------------------------------------


def test_a_period_package_holds_the_cases_closed_in_it_of_the_users_bodies(
    caseworker, scheme_year, other_year, foreign_caseworker, asked, monkeypatch,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    start = timezone.localdate() + datetime.timedelta(days=30)
    end = start + datetime.timedelta(days=30)
    at = {
        "first day": datetime.datetime.combine(start, datetime.time(0, 30)),
        "last day": datetime.datetime.combine(end, datetime.time(23, 30)),
        "day before": datetime.datetime.combine(start, datetime.time(0, 0))
        - datetime.timedelta(minutes=30),
        "day after": datetime.datetime.combine(end, datetime.time(0, 0))
        + datetime.timedelta(days=1, minutes=30),
    }
    cases = {}
    for name, when in at.items():
        application, member = sent_application(caseworker, scheme_year, f"Forening {name}")
        cases[name] = closed(caseworker, application, member, monkeypatch, at=when)
    still_open, _member = sent_application(caseworker, scheme_year, "Forening åpen")
    theirs, their_member = sent_application(foreign_caseworker, other_year, "Forening hos andre")
    closed(foreign_caseworker, theirs, their_member, monkeypatch, at=at["first day"])

    client_parameters = {
        "archive_period-start": start.strftime("%d.%m.%Y"),
        "archive_period-end": end.strftime("%d.%m.%Y"),
    }
    client = Client()
    client.force_login(caseworker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:order", args=[ReportKind.ARCHIVE_PERIOD]), client_parameters
        )
    job = ReportJob.objects.get(kind=ReportKind.ARCHIVE_PERIOD)
    assert response["Location"] == reverse("reports:job", args=[job.pk])
    assert job.parameters == {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "bodies": [scheme_year.scheme.administrator_id],
    }
    job.refresh_from_db()
    included = [cases["first day"], cases["last day"]]
    for case in included:
        case.refresh_from_db()
    root, entries = check_package(read_package(job), included, asked)
    part = root.find("n5:arkivdel", NS)
    assert (text(part, "n5:arkivperiodeStartDato"), text(part, "n5:arkivperiodeSluttDato")) == (
        start.isoformat(),
        end.isoformat(),
    )
    assert len(entries) == sum(case.entries.count() for case in included)
    assert records.case_of(still_open).number not in {
        text(m, "n5:mappeID") for m in root.iter(f"{{{N5}}}mappe")
    }

    # The same period ordered by the other body's caseworker holds only their case.
    job = order_and_build(
        foreign_caseworker, ReportKind.ARCHIVE_PERIOD, django_capture_on_commit_callbacks,
        start=start.isoformat(), end=end.isoformat(),
        bodies=[other_year.scheme.administrator_id],
    )  # fmt: skip
    theirs_case = records.case_of(theirs)
    check_package(read_package(job), [theirs_case], asked)


def test_a_period_without_closed_cases_fails_with_a_message(
    caseworker, body, django_capture_on_commit_callbacks
):
    caseworker.language = "nb"
    caseworker.save(update_fields=["language"])
    job = order_and_build(
        caseworker, ReportKind.ARCHIVE_PERIOD, django_capture_on_commit_callbacks,
        start="2020-01-01", end="2020-12-31", bodies=[body.pk],
    )  # fmt: skip
    assert job.status == JobStatus.FAILED
    assert job.error == "Ingen saker ble avsluttet i perioden."


def test_the_period_form_refuses_a_period_that_ends_before_it_starts(client, caseworker):
    client.force_login(caseworker)
    response = client.post(
        reverse("reports:order", args=[ReportKind.ARCHIVE_PERIOD]),
        {"archive_period-start": "31.03.2026", "archive_period-end": "01.03.2026"},
    )
    assert response.status_code == 200
    assert not ReportJob.objects.exists()
    assert "Perioden slutter før den begynner." in response.content.decode()
    assert 'value="31.03.2026"' in response.content.decode()  # the input is kept


# --- who may order and fetch -----------------------------------------------------------------


def test_only_caseworkers_of_the_cases_body_may_order_and_fetch_its_package(
    client, caseworker, colleague, foreign_caseworker, case_file, asked,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    order_url = reverse("reports:order", args=[ReportKind.ARCHIVE_CASE])
    # Another body's caseworker: the case is not theirs to choose.
    client.force_login(foreign_caseworker)
    assert client.post(order_url, {"archive_case-case_file": case_file.pk}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.order_report(foreign_caseworker, ReportKind.ARCHIVE_CASE, case_file=case_file.pk)
    with pytest.raises(PermissionDenied):
        services.order_report(
            foreign_caseworker, ReportKind.ARCHIVE_PERIOD,
            start="2026-01-01", end="2026-12-31", bodies=[case_file.body_id],
        )  # fmt: skip
    # An organisation's member: the report is not offered at all.
    member = factories.member_of(case_file.party)
    client.force_login(member)
    assert client.post(order_url, {"archive_case-case_file": case_file.pk}).status_code == 404
    assert not ReportJob.objects.exists()

    client.force_login(caseworker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(order_url, {"archive_case-case_file": case_file.pk})
    job = ReportJob.objects.get()
    assert response["Location"] == reverse("reports:job", args=[job.pk])
    urls = [
        reverse(name, args=[job.pk])
        for name in ("reports:job", "reports:status", "reports:download")
    ]
    for user, status in ((colleague, 200), (foreign_caseworker, 404), (member, 404)):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == status, (user, url)


def test_the_case_page_button_is_shown_to_the_bodys_caseworkers_only(
    caseworker, foreign_caseworker, case_file
):
    template = engines["django"].from_string(
        "{% load order_actions %}[{% order_buttons case_file %}]"
    )
    request = RequestFactory().get("/")
    request.user = caseworker
    html = template.render({"case_file": case_file}, request)
    assert f'name="archive_case-case_file" value="{case_file.pk}"' in html
    assert reverse("reports:order", args=["archive_case"]) in html
    request.user = foreign_caseworker
    assert template.render({"case_file": case_file}, request) == "[]"


def test_the_reports_page_offers_the_period_form_to_caseworkers(client, caseworker):
    client.force_login(caseworker)
    page = client.get(reverse("reports:list")).content.decode()
    assert 'name="archive_period-start"' in page and 'name="archive_period-end"' in page
    assert 'name="archive_case-case_file"' not in page  # ordered from the case's page
    assert reverse("records:journal") in page


# --- with a real worker ----------------------------------------------------------------------


@pytest.mark.services
def test_a_worker_builds_the_package(postgres_shared, celery_workers, body, scheme_year):
    caseworker = factories.caseworker(body)
    celery_workers.start(include=[__name__], env={WORKER_STAND_INS: "1"})
    application, _member = sent_application(caseworker, scheme_year, "Forening med arbeider")
    case_file = records.case_of(application)
    job = services.order_report(caseworker, ReportKind.ARCHIVE_CASE, case_file=case_file.pk)
    seen = set()
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        job.refresh_from_db()
        seen.add(job.status)
        if job.is_finished:
            break
        time.sleep(0.1)
    assert job.status == JobStatus.DONE, job.error
    assert JobStatus.QUEUED in seen or JobStatus.RUNNING in seen
    drawn = case_file.entries.filter(source_kind__in=DRAWN_UP).values_list("pk", flat=True)
    check_package(
        read_package(job),
        [CaseFile.objects.get(pk=case_file.pk)],
        asked=[(pk, "pdf/a-2b") for pk in drawn],
    )
