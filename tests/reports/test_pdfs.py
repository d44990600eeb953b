"""Each PDF built in a test and its text read back with pypdf: the key figures formatted the
Norwegian way, the headings and the contents list, page numbers in the footer, æøå, the
document's language and title, tagging for accessibility; the evaluation summary names no
organisation or person; a long table splits across pages with its header repeated."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pypdf import PdfReader

from organisations.models import Organisation
from reports import services
from reports.builders import builder_for
from reports.builders.documents import award_letter_title, css_string, file_stem
from reports.models import JobStatus
from scheme.formatting import format_day
from scheme.models import User
from tests import factories
from tests.reports import dataset


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def data(db):
    return dataset.build()


def normalise(text: str) -> str:
    """One space for any run of white space, the non-breaking ones included."""
    return re.sub(r"\s+", " ", text.replace("\xa0", " ").replace("\u202f", " ")).strip()


def squash(text: str) -> str:
    """Without any white space: pypdf reads a space into some kerned pairs ("T akk")."""
    return re.sub(r"\s+", "", text)


class Pdf:
    def __init__(self, content: bytes):
        assert content.startswith(b"%PDF-")
        self.reader = PdfReader(io.BytesIO(content))
        self.pages = [normalise(page.extract_text()) for page in self.reader.pages]
        self.text = " ".join(self.pages)
        self.catalog = self.reader.trailer["/Root"]

    def says(self, words: str) -> bool:
        """Whether the text holds ``words`` (compared without white space)."""
        return squash(words) in squash(self.text)

    @property
    def language(self):
        return self.catalog["/Lang"]

    @property
    def title(self):
        return self.reader.metadata.title

    def bookmarks(self, outline=None) -> list[str]:
        titles = []
        for entry in self.reader.outline if outline is None else outline:
            if isinstance(entry, list):
                titles.extend(self.bookmarks(entry))
            else:
                titles.append(normalise(entry.title))
        return titles

    def fonts(self) -> set[str]:
        found = set()
        for page in self.reader.pages:
            for font in page["/Resources"]["/Font"].values():
                font = font.get_object()
                descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                if "/FontFile2" in descriptor.get_object():  # the font program is embedded
                    found.add(str(font["/BaseFont"]).split("+")[-1])
        return found


def admin():
    """Builds are made for the one who ordered them (who sees the object): here an admin."""
    return factories.UserFactory(is_superuser=True)


def build(kind, language="nb", **parameters):
    with translation.override(language):
        content, file_name = builder_for(kind).make(
            admin(), parameters, lambda percent, step="": None
        )
    return Pdf(content), file_name


def assert_well_made(pdf: Pdf, title: str, language="nb"):
    """Language and title set, tagged (PDF/UA-1), DejaVu embedded, page numbers in the footer."""
    assert pdf.language == language
    assert pdf.title == title
    assert bool(pdf.catalog["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in pdf.catalog
    assert bool(pdf.catalog["/ViewerPreferences"]["/DisplayDocTitle"])
    assert {"DejaVu-Sans", "DejaVu-Sans-Bold"} <= pdf.fonts()
    for box in pdf.reader.pages:
        assert [round(float(x)) for x in box.mediabox[2:]] == [595, 842]  # A4
    total = len(pdf.pages)
    with translation.override(language):
        for number, text in enumerate(pdf.pages, start=1):
            assert f"{_('Page')} {number} {_('of')} {total}" in text, text[-80:]


def assert_contents(pdf: Pdf, headings):
    """The contents list on the first page names each heading with its page number, and each
    heading is a bookmark."""
    first = squash(pdf.pages[0])
    assert squash(_("Contents")) in first
    for heading in headings:
        match = re.search(re.escape(squash(heading)) + r"\.{3,}(\d+)", first)
        assert match, heading
        page = int(match.group(1))
        assert squash(heading) in squash(pdf.pages[page - 1])
        assert heading in pdf.bookmarks()


# --- the annual grant report ----------------------------------------------------------------


def after_the_reports(data):
    """A month after the reports were due, and the reports read as of then: Bærum's, sent
    five days late, counts (a report sent after the as-of date does not)."""
    moment = datetime.datetime.combine(data.due, datetime.time(12), tzinfo=datetime.UTC)
    return dataset.at(moment + datetime.timedelta(days=30))


def as_of_after_the_reports(data) -> str:
    return (data.due + datetime.timedelta(days=30)).isoformat()


def test_the_annual_report(data):
    with after_the_reports(data):
        pdf, file_name = build(
            "annual", scheme_year=data.scheme_year.pk, as_of=as_of_after_the_reports(data)
        )
    year = data.today.year
    assert file_name == f"annual-report-proveordning-{year}.pdf"
    with translation.override("nb"):
        title = _("Annual grant report %(year)s") % {"year": year}
        assert_well_made(pdf, title)
        assert pdf.pages[0].startswith(title)
        assert_contents(pdf, [_("Summary"), _("Grants and spending"),
                              _("Grant reports and accounts"), _("Mentoring"),
                              _("Competence building"), _("What the scheme cost"),
                              _("About the figures")])  # fmt: skip
    text = pdf.text
    for figure in ["95 000 kr", "105 000 kr", "60 000 kr", "260 000 kr", "230 000 kr",
                   "190 000 kr", "130 000 kr", "68 %", "26 %", "340 000 kr", "113 333 kr",
                   "60 000 kr", "20 000 kr", f"23.01.{year + 1}"]:  # fmt: skip
        assert figure in text, figure
    for name in ("Grønland foreldregruppe", "Bærum språkkafé", "Ørsta innvandrerforum"):
        assert pdf.says(name)  # æøå come back as they went in
    assert pdf.says("Mentorforeningen Tråd")
    assert "<svg" not in text and text.count("Fellessamling i Oslo") >= 2


def test_the_annual_report_ordered_through_the_pipeline(data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.order_report(data.caseworker, "annual", scheme_year=data.scheme_year.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert job.file_name == f"annual-report-proveordning-{data.today.year}.pdf"
    pdf = Pdf(job.file.read())
    assert pdf.language == data.caseworker.language == "nb"
    assert "340 000 kr" in pdf.text


def test_a_long_table_splits_across_pages_with_its_header_repeated(db):
    """150 awards: the table of awards runs over several pages; each page repeats the header,
    no row is split between two pages, and the sum is printed once, after the last row."""
    _scheme, scheme_year, caseworker = dataset.scheme_with_year()
    names = [f"Forening {number:03d} for små og nye" for number in range(150)]
    organisations = []
    for name in names:
        organisation, member = dataset.participant(name, "Oslo")
        organisations.append((organisation, member))
    call = dataset.open_call(caseworker, scheme_year, [o for o, _member in organisations])
    for organisation, member in organisations:
        application = dataset.apply(member, call, organisation, Decimal("5000"))
        dataset.award(caseworker, application, Decimal("5000"))
    pdf, _name = build("annual", scheme_year=scheme_year.pk)
    with translation.override("nb"):
        header = " ".join(
            _(word) for word in ("Organisation", "County", "Awarded", "Paid out", "Spent")
        )
        caption = _("Awards per organisation")
    first = next(n for n, text in enumerate(pdf.pages) if caption in text)
    last = next(n for n, text in enumerate(pdf.pages) if names[-1] in text)
    assert last > first + 1  # the table spans at least three pages
    for number in range(first, last + 1):
        assert header in pdf.pages[number], number
    for name in names:  # each row whole on one page: its cells follow one another
        assert any(re.search(re.escape(name) + r" Oslo 5 000 kr", page) for page in pdf.pages)
    with translation.override("nb"):
        total = f"{_('Total')} 750 000 kr"
    table = pdf.pages[first : last + 1]
    assert [page.count(total) for page in table] == [0] * (last - first) + [1]
    assert pdf.pages[last].index(names[-1]) < pdf.pages[last].index(total)
    assert "80–100 %" in pdf.text  # a chart of the distribution, not 150 bars


# --- the evaluation summary -----------------------------------------------------------------


def test_the_evaluation_summary_names_no_organisation_and_no_person(data):
    factories.caseworker()  # one more organisation and person the summary must not name
    data.scheme.smallest_group = 2  # the form's two answers are shown
    data.scheme.save(update_fields=["smallest_group"])
    with after_the_reports(data):
        pdf, file_name = build(
            "evaluation", scheme=data.scheme.pk, as_of=as_of_after_the_reports(data)
        )
    assert file_name == "evaluation-summary-proveordning.pdf"
    with translation.override("nb"):
        title = _("Evaluation summary: %(scheme)s") % {"scheme": data.scheme.name}
        assert_well_made(pdf, title)
        assert_contents(pdf, [_("Summary"), _("The goals and what the data shows"),
                              _("The mentoring pattern"), _("Feedback forms"),
                              _("Year by year"), _("About the figures")])  # fmt: skip
        goal = _("Goal %(number)s: %(text)s") % {"number": 1, "text": dataset.GOALS[0]}
    assert pdf.says(goal)
    lowered = squash(pdf.text).lower()
    names = list(Organisation.objects.values_list("name", flat=True))
    names += list(User.objects.values_list("full_name", flat=True))
    names += ["Aisha Ali", "Ola Hansen", "Bjørn Berg", "22 33 44 55"]
    assert len(names) > 10
    for name in names:
        assert squash(name).lower() not in lowered, name
    # What it does say: aggregates, and the free text without the names.
    for figure in ["260 000 kr", "330", "Takk til […] for samarbeidet!", "Nyttig, men lite tid.",
                   "Regnskap og økonomi", "Avslutningsskjema"]:  # fmt: skip
        assert pdf.says(figure), figure


# --- the organisation report ----------------------------------------------------------------


def test_the_organisation_report(data):
    pdf, file_name = build("organisation", organisation=data.a.pk)
    assert file_name == "organisation-report-gronland-foreldregruppe.pdf"
    with translation.override("nb"):
        title = _("Organisation report: %(organisation)s") % {"organisation": data.a.name}
        assert_well_made(pdf, title)
        assert_contents(pdf, [_("Profile"), _("Applications and decisions"),
                              _("Awards and payments"), _("Grant reports and accounts"),
                              _("Mentoring"), _("Courses and gatherings")])  # fmt: skip
    text = pdf.text
    for figure in ["95 000 kr", "99 000 kr", "90 000 kr", "5 000 kr", "2 000 kr",
                   "Mentorforeningen Tråd", "Fellessamling i Oslo", "Bydel Gamle Oslo",
                   "Leksehjelp 40 ganger.", "Avdeling Drammen"]:  # fmt: skip
        assert pdf.says(figure), figure
    # Meeting notes and summaries belong to the pair; the mentor's check-in is the mentor's.
    for private in ["Hemmelig notat", "Vi gikk gjennom regnskapet", "møter sjelden"]:
        assert not pdf.says(private), private
    # Nothing of another organisation's record.
    assert not pdf.says("Ørsta innvandrerforum") and "105 000 kr" not in text


# --- the award letter -----------------------------------------------------------------------


def test_the_award_letter(data):
    pdf, file_name = build("award_letter", award=data.award_b.pk)
    year = data.today.year
    assert file_name == f"award-letter-baerum-sprakkafe-{year}.pdf"
    decision = data.award_b.decision
    with translation.override("nb"):
        assert_well_made(pdf, award_letter_title(data.award_b))
        heading = _("Award letter: grant for %(year)s") % {"year": year}
        deadline = format_day(decision.appeal_deadline)
        dated = format_day(timezone.localtime(decision.decided_at).date())
    assert heading in pdf.bookmarks()
    assert re.match(r"\d\d\.\d\d\.\d{4}$", dated)
    for part in ["Integrerings- og mangfoldsdirektoratet", "Prøveordning for små organisasjoner",
                 "Bærum språkkafé", "Storgata 1", "0155 Bærum", "105 000 kr", "110 000 kr",
                 "55 000 kr", "50 000 kr", "Søknaden viser en tydelig plan for aktivitetene.",
                 "Midlene skal brukes til organisasjonens drift, slik det er søkt om.",
                 "Organisasjonen melder fra til IMDi om endringer i grunnlaget for tilskuddet.",
                 f"23.01.{year + 1}", "100 000 kr", "registrert eller statsautorisert revisor",
                 dated, deadline, "Kari Nordmann"]:  # fmt: skip
        assert pdf.says(part), part
    last = squash(pdf.pages[-1])
    assert last.index("KariNordmann") < last.rindex("Integrerings-ogmangfoldsdirektoratet")
    # the signature: the caseworker, then the body


def test_the_award_letter_in_english(data):
    pdf, _name = build("award_letter", language="en", award=data.award_b.pk)
    assert pdf.language == "en"
    assert pdf.says("The money is used for the organisation's operation, as applied for.")
    # A condition without an English text is given in Norwegian.
    assert pdf.says("Organisasjonen melder fra til IMDi om endringer i grunnlaget")
    assert pdf.says("three weeks") and "NOK 105,000" in pdf.text
    assert f"Page 1 of {len(pdf.pages)}" in pdf.pages[0]


def test_an_award_letter_ordered_by_the_organisation(data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.order_report(data.member_b, "award_letter", award=data.award_b.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert "105 000 kr" in Pdf(job.file.read()).text


# --- helpers --------------------------------------------------------------------------------


def test_strings_in_the_page_boxes_are_escaped_for_css():
    assert css_string('Rapport "A" – 1\\2') == '"Rapport \\22 A\\22  – 1\\5c 2"'
    assert css_string("</style>") == '"\\3c /style\\3e "'


def test_file_names_spell_norwegian_letters_out():
    assert file_stem("Bærum språkkafé – Ørsta") == "baerum-sprakkafe-orsta"


def test_a_missing_object_is_a_readable_error(db):
    from reports.builders import ReportError

    kinds = [("annual", "scheme_year"), ("evaluation", "scheme"),
             ("organisation", "organisation"), ("award_letter", "award")]  # fmt: skip
    for kind, parameter in kinds:
        with pytest.raises(ReportError):
            builder_for(kind).make(admin(), {parameter: 999999}, lambda percent, step="": None)


def test_dates_and_money_the_norwegian_way(data):
    """Dates as 23.01.2024 and money as 110 000 kr, whatever the day."""
    pdf, _name = build("annual", scheme_year=data.scheme_year.pk)
    with translation.override("nb"):
        assert format_day(datetime.date(2024, 1, 23)) == "23.01.2024"
    assert re.search(r"\b\d\d\.\d\d\.\d{4}\b", pdf.text)
    assert not re.search(r"\d,\d{3} kr", pdf.text)  # no English thousands separators
