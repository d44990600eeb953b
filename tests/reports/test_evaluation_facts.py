"""The evaluation report's checkable facts on the scheme's operation, as the portal's outputs
show them for the demo data.

``FACTS`` is one table: the fact as the report states it (chapter and section of the 2025
evaluation report in ``../shared/seed/``), where the portal shows it (the output and the
function in ``reports/figures/`` the PDFs use), the value the demo gives, and whether that is
what the report says. The README's "Evaluation report facts" table is the same table row for
row (``test_the_readme_table_is_this_table``), so neither can change without the other.

The demo is loaded once for the module; every output is built for the pilot's years
2022–2024 as of 31 March 2025, after the last grant reports were due (23 January 2025) and
the last payments made.
"""

import datetime
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from courses.models import EventKind
from organisations.models import PartnerKind
from reports.builders import builder_for
from reports.figures import money
from reports.figures.annual import annual_figures
from reports.figures.definitions import Period, ReportState
from reports.figures.evaluation import evaluation_figures
from scheme.models import Scheme, User
from tests.reports.test_pdf_layout import outside_the_page

pytestmark = pytest.mark.django_db

SCHEME = "proveordning-sma-organisasjoner"
PERIOD = (2022, 2024)
AS_OF = datetime.date(2025, 3, 31)
GRANT_YEARS = (2023, 2024)  # the two years the report says the organisations had grants for
README = Path(__file__).resolve().parents[2] / "README.md"
MARKERS = ("<!-- evaluation-facts:start -->", "<!-- evaluation-facts:end -->")


@dataclass
class Outputs:
    """The figures of every output for the period, as the PDFs get them."""

    period: Period
    evaluation: object  # EvaluationFigures: the evaluation summary, with its sections
    annual: dict  # year -> AnnualFigures: the annual grant report of each year
    pdfs: dict  # language -> the evaluation summary's PDF for the period


def build_outputs() -> Outputs:
    scheme = Scheme.objects.get(slug=SCHEME)
    period = Period.years(*PERIOD, AS_OF)
    years = scheme.years.filter(year__in=period.calendar_years).order_by("year")
    return Outputs(
        period=period,
        evaluation=evaluation_figures(scheme, period),
        annual={year.year: annual_figures(year, AS_OF) for year in years},
        pdfs={language: evaluation_pdf(scheme, period, language) for language in ("nb", "en")},
    )


def evaluation_pdf(scheme, period: Period, language: str) -> bytes:
    parameters = {
        "scheme": scheme.pk,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "as_of": period.as_of.isoformat(),
    }
    admin = User.objects.filter(is_superuser=True).first()
    with translation.override(language):
        content, _name = builder_for("evaluation").make(admin, parameters, lambda *step: None)
    return content


@pytest.fixture(scope="module")
def outputs(django_db_setup, django_db_blocker, tmp_path_factory):
    """``load_demo`` once for the module and the outputs built (in English); rolled back
    afterwards."""
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(media)),
        translation.override("en"),
        transaction.atomic(),
    ):
        call_command("load_demo", stdout=io.StringIO())
        yield build_outputs()
        transaction.set_rollback(True)


# --- how a value is written in the table ---------------------------------------------------------


def number(value) -> str:
    """``360000`` -> ``360 000`` (a plain space, as the README writes it)."""
    return f"{Decimal(value).quantize(Decimal(1)):,}".replace(",", " ")


def day(moment) -> str:
    return moment.strftime("%d.%m.%Y")


def per_year(show, years=GRANT_YEARS):
    """A value per grant year: ``2023: 9; 2024: 9``."""
    return lambda o: "; ".join(f"{year}: {show(o, year)}" for year in years)


def year_row(o, year):
    return next(row for row in o.evaluation.years if row.year == year)


# --- the values: organisations and money ---------------------------------------------------------


def awarded_by_year(o: Outputs) -> str:
    return "; ".join(f"{row.year}: {row.organisations}" for row in o.evaluation.years)


def selection(o: Outputs) -> str:
    chosen = o.evaluation.money.selection
    return f"{chosen.invited} invited, {chosen.applied} applied, {chosen.awarded} awarded"


def largest_award(o, year):
    return number(max(row.awarded for row in o.annual[year].awards))


def average_award(o, year):
    figures = o.annual[year]
    return number(figures.awarded / len(figures.awards))


def just_under_threshold(o: Outputs) -> str:
    """Applications for more than 90 % of the threshold up to it, and awards in that range."""
    threshold = o.evaluation.money.threshold
    awarded = sum(
        b.awarded for b in threshold.bins[money.AT_THRESHOLD - 1 : money.AT_THRESHOLD + 1]
    )
    awards = sum(b.awarded for b in threshold.bins)
    return (
        f"{threshold.just_under} of {threshold.applications} applications; "
        f"{awarded} of {awards} awards"
    )


def mainly_on_salary(o: Outputs) -> str:
    rows = [row for row in o.evaluation.money.spending.rows if row.total]
    most = sum(1 for row in rows if row.salary == max(row.amounts.values()))
    return f"{most} of {len(rows)}"


def activities_without_salary(o: Outputs) -> str:
    rows = o.evaluation.money.spending.rows
    return str(
        sum(1 for row in rows if row.total and not row.salary and row.activities > row.other)
    )


def report_states(o, year):
    states = o.annual[year].report_states
    shown = [(ReportState.ON_TIME, "on time"), (ReportState.LATE, "late")]
    shown += [(ReportState.RETURNED, "returned"), (ReportState.MISSING, "missing")]
    return ", ".join(f"{states[state]} {label}" for state, label in shown)


def report_due(o, year):
    return day(o.annual[year].scheme_year.report_due_date)


def cost(o: Outputs, attribute: str):
    """A line of the money section's cost table, per grant year and for the period."""
    rows = o.evaluation.money.cost
    shown = [
        f"{row.year}: {number(getattr(row, attribute))}" for row in rows if row.year in GRANT_YEARS
    ]
    return "; ".join([*shown, f"period: {number(getattr(rows[-1], attribute))}"])


# --- the values: mentoring -----------------------------------------------------------------------


def pairings_and_mentors(o: Outputs) -> str:
    mentors = {row.mentor for figures in o.annual.values() for row in figures.pairings}
    return (
        f"{o.evaluation.pairings} pairings, {o.evaluation.replaced} replaced, "
        f"{len(mentors)} mentors"
    )


def pairings_by_year(o: Outputs) -> str:
    return "; ".join(f"{row.year}: {row.pairings}" for row in o.evaluation.years)


def minimum(o: Outputs) -> str:
    return ", ".join(sorted({str(r.minimum) for f in o.annual.values() for r in f.pairings}))


def at_minimum(o, year):
    row = year_row(o, year)
    return f"{row.pairings_at_minimum} of {row.pairings}"


# --- the values: events --------------------------------------------------------------------------


def held(o: Outputs, kind=None) -> list:
    return [
        line
        for line in o.evaluation.events.events
        if line.held and (kind is None or line.kind == str(kind.label))
    ]


def planned(o, year):
    return str(next(row.planned for row in o.evaluation.events.years if row.year == year))


def planned_and_held(o, year):
    row = next(row for row in o.evaluation.events.years if row.year == year)
    return f"{row.planned_held} of {row.planned}"


def held_by_kind(o: Outputs) -> str:
    kinds = (EventKind.GATHERING, EventKind.COURSE, EventKind.JOINT_MEETING)
    parts = []
    for kind in kinds:
        lines = held(o, kind)
        digital = sum(1 for line in lines if line.is_digital)
        parts.append(f"{len(lines)} {kind.label} ({digital} digital)")
    return ", ".join(parts)


def courses(o: Outputs) -> str:
    return "; ".join(
        f"{line.starts_at:%a %d.%m.%Y %H:%M}, {line.provider}" for line in held(o, EventKind.COURSE)
    )


def gatherings(o: Outputs) -> str:
    """The weekday, day and venue of each gathering held, and the day first planned."""
    return "; ".join(
        f"{line.starts_at:%a %d.%m.%Y}"
        + (f" (planned {day(line.first_planned)})" if line.first_planned else "")
        + f", {line.venue}"
        for line in held(o, EventKind.GATHERING)
    )


def brought_two(o: Outputs) -> str:
    return "; ".join(
        f"{day(line.starts_at)}: {line.brought_two} of {line.organisations_came}"
        for line in held(o, EventKind.GATHERING)
    )


def attendee_cap(o, year):
    return str(o.annual[year].scheme_year.max_attendees_per_organisation)


# --- the values: networks ------------------------------------------------------------------------


def branches_by_year(o: Outputs) -> str:
    founded = dict(o.evaluation.branches_by_year)
    return "; ".join(f"{year}: {founded.get(year, 0)}" for year in o.period.calendar_years)


def municipal_ties(o: Outputs) -> str:
    ties = o.evaluation.network.ties
    return str(len({tie.participant for tie in ties if tie.kind == PartnerKind.MUNICIPALITY}))


def ties_between_participants(o: Outputs) -> str:
    years = o.period.calendar_years
    return str(
        sum(
            1
            for tie in o.evaluation.network.ties
            if tie.kind == PartnerKind.PARTICIPANT and tie.year in years
        )
    )


def new_ties(o: Outputs) -> str:
    return "; ".join(f"{year}: {new}" for year, new, _total in o.evaluation.network.new_by_year)


# --- the table -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    fact: str  # as the report states it, short, with chapter and section
    where: str  # the output, and the function in reports/figures/
    value: object  # Outputs -> str
    expected: str  # the demo's value
    same: str  # "yes", or how and why the demo differs


EVAL = "Evaluation summary"
ANNUAL = "Annual report"
MONEY = f"{EVAL}, Money"
EVENTS = f"{EVAL}, Events"
NETWORKS = f"{EVAL}, Networks"
FACTS = [
    # Organisations, applications, budget and awards
    Fact(
        "Nine participant organisations (ch. 2, Utvelgelse av deltakerorganisasjoner)",
        f"{EVAL}, Summary: `evaluation_figures().organisations`",
        lambda o: str(o.evaluation.organisations),
        "9",
        "yes",
    ),
    Fact(
        "56 applications in a closed call (April 2022); 9 chosen (ch. 2, Utvelgelse av "
        "deltakerorganisasjoner)",
        f"{MONEY}: applicants and selection (`money.selection`)",
        selection,
        "56 invited, 56 applied, 9 awarded",
        "yes",
    ),
    Fact(
        "Grants for two years, 2023 and 2024; no third year (summary; ch. 5, Ordningens "
        "lengde og plassering hos IMDi)",
        f"{EVAL}, Year by year: `evaluation_figures().years[].organisations`",
        awarded_by_year,
        "2022: 0; 2023: 9; 2024: 9",
        "yes: the call of 2022 was decided that year, for grants in 2023",
    ),
    Fact(
        "Budget 1 million kroner (ch. 2, Utvelgelse av deltakerorganisasjoner)",
        f"{ANNUAL}, Summary: budget frame (`annual_figures().scheme_year`)",
        per_year(lambda o, y: number(o.annual[y].scheme_year.budget_frame)),
        "2023: 1 000 000; 2024: 1 000 000",
        "yes (a year)",
    ),
    Fact(
        "Up to 110 000 kroner a year each (ch. 2, Prøveordningen)",
        f"{ANNUAL}, Grants and spending: largest award (`annual_figures().awards`)",
        per_year(largest_award),
        "2023: 110 000; 2024: 110 000",
        "yes",
    ),
    Fact(
        "Awarded around 100 000 kroner each (ch. 5, Betydningen av tilskuddsmidler)",
        f"{ANNUAL}, Grants and spending: awarded / organisations (`annual_figures()`)",
        per_year(average_award),
        "2023: 97 556; 2024: 99 444",
        "yes",
    ),
    # Audit threshold and spending
    Fact(
        "Several asked for 89 000–99 000 kroner, to stay under the audit threshold of 100 000 "
        "(ch. 5, Betydningen av tilskuddsmidler)",
        f"{MONEY}: amounts against the audit threshold (`money.amounts_against_threshold`), "
        "90 000–100 000",
        just_under_threshold,
        "27 of 65 applications; 12 of 18 awards",
        "yes",
    ),
    Fact(
        "Grants over 100 000 kroner need audited accounts (ch. 2, Mål og rammer)",
        f"{ANNUAL}, Grant reports and accounts: `AnnualFigures.audit_required`",
        per_year(lambda o, y: str(o.annual[y].audit_required)),
        "2023: 2; 2024: 2",
        "the report gives no count",
    ),
    Fact(
        "For most, salary or fees was the largest expense (ch. 5, Betydningen av tilskuddsmidler)",
        f"{MONEY}: spending by category (`money.spending_by_category`)",
        mainly_on_salary,
        "7 of 9",
        "yes",
    ),
    Fact(
        "Two organisations spent nothing on salary, mostly on activities (ch. 5, "
        "Betydningen av tilskuddsmidler)",
        f"{MONEY}: spending by category (`money.spending_by_category`)",
        activities_without_salary,
        "2",
        "yes",
    ),
    # Reporting
    Fact(
        "Grant report due 23 January (ch. 2, Mål og rammer)",
        f"{ANNUAL}, Grant reports and accounts: `annual_figures().scheme_year`",
        per_year(report_due),
        "2023: 23.01.2024; 2024: 23.01.2025",
        "yes",
    ),
    Fact(
        "Reporting was simple; some found it hard to account for the money (ch. 5, "
        "Kommunikasjonen med IMDi; ch. 7)",
        f"{ANNUAL}, Grant reports and accounts: `AnnualFigures.report_states`",
        per_year(report_states),
        "2023: 7 on time, 0 late, 1 returned, 1 missing; "
        "2024: 8 on time, 0 late, 0 returned, 1 missing",
        "the report gives no count",
    ),
    # Mentoring
    Fact(
        "Ten mentor organisations for nine participants: one mentor was replaced (ch. 2, "
        "Utvelgelse av mentororganisasjoner)",
        f"{EVAL}, The mentoring pattern: `evaluation_figures().pairings`, `.replaced`; "
        f"mentors in the {ANNUAL}'s Mentoring",
        pairings_and_mentors,
        "10 pairings, 1 replaced, 10 mentors",
        "yes",
    ),
    Fact(
        "Pairs not matched before the first gathering, winter 2023 (ch. 3, Intervjuer)",
        f"{EVAL}, Year by year: `evaluation_figures().years[].pairings`",
        pairings_by_year,
        "2022: 0; 2023: 10; 2024: 9",
        "yes",
    ),
    Fact(
        "At least six mentor meetings a calendar year (ch. 2, Deltakernes og mentorenes "
        "gjensidige forpliktelser)",
        f"{ANNUAL}, Mentoring: `annual_figures().pairings[].minimum`",
        minimum,
        "6",
        "yes",
    ),
    Fact(
        "Some pairs met less often than hoped (ch. 6, Fremdrift og kapasitet)",
        f"{EVAL}, Year by year: `evaluation_figures().years[].pairings_at_minimum`",
        per_year(at_minimum),
        "2023: 7 of 10; 2024: 8 of 9",
        "the report gives no count",
    ),
    Fact(
        "Three of the pairs had difficulties that hindered progress (ch. 5, Erfaringer med "
        "mentoring)",
        f"{EVAL}, Year by year: pairings below the minimum in 2023",
        lambda o: str(year_row(o, 2023).pairings - year_row(o, 2023).pairings_at_minimum),
        "3",
        "yes (the replaced pair and two that met too seldom)",
    ),
    Fact(
        "Mentor organisations received 40 000 kroner a year (ch. 2, Utvelgelse av "
        "mentororganisasjoner; ch. 7)",
        f"{MONEY}: cost per organisation, mentor compensation (`money.cost_per_organisation`)",
        lambda o: cost(o, "compensation"),
        "2023: 360 000; 2024: 360 000; period: 720 000",
        "yes: 9 × 40 000 (2023: the replaced mentor 15 000, its successor 25 000)",
    ),
    # Planned and held events, attendance
    Fact(
        "The annual plan of February 2023: 9 activities in 2023, 8 in 2024 (ch. 2, "
        "Planlagte aktiviteter)",
        f"{EVENTS}: plan against held (`events.plan_years`)",
        per_year(planned),
        "2023: 9; 2024: 8",
        "yes",
    ),
    Fact(
        "Somewhat fewer activities than planned (ch. 2, Hva ble gjennomført?)",
        f"{EVENTS}: planned items held (`events.plan_years`)",
        per_year(planned_and_held),
        "2023: 6 of 9; 2024: 4 of 8",
        "yes",
    ),
    Fact(
        "Held: three physical gatherings, three digital courses, three digital meetings for "
        "mentors and two for participants (ch. 2, Hva ble gjennomført?)",
        f"{EVENTS}: one line per event (`events.event_lines`)",
        held_by_kind,
        "3 gathering (0 digital), 3 course (3 digital), 5 joint meeting (5 digital)",
        "yes",
    ),
    Fact(
        "Courses on Teams in the evening; the one on mentoring in November 2023 by "
        "Likestillingssenteret (ch. 2, Hva ble gjennomført?)",
        f"{EVENTS}: weekday, time and provider (`events.event_lines`)",
        courses,
        "Tue 18.04.2023 18:00, Frivillighet Norge; Wed 15.11.2023 18:00, "
        "Likestillingssenteret; Tue 12.03.2024 18:00, Frivillighet Norge",
        "yes",
    ),
    Fact(
        "Gatherings in January 2023, September 2023 and October 2024, in IMDi's premises, on "
        "weekends; the second postponed some months (ch. 2; ch. 5, Fellessamlingene, "
        "Kommunikasjonen med IMDi)",
        f"{EVENTS}: weekday, planned and held day, venue (`events.event_lines`)",
        gatherings,
        "Sat 28.01.2023, the administering body's premises; Sat 23.09.2023 (planned "
        "10.06.2023), the administering body's premises; Sat 19.10.2024, the administering "
        "body's premises",
        "yes",
    ),
    Fact(
        "At most two people from each organisation at a gathering (ch. 5, Fellessamlingene)",
        "Event registration: `SchemeYear.max_attendees_per_organisation`",
        per_year(attendee_cap),
        "2023: 2; 2024: 2",
        "yes",
    ),
    Fact(
        "Most participant organisations came with two (ch. 5, Fellessamlingene)",
        f"{EVENTS}: organisations that brought two, of those that came (`events.event_lines`)",
        brought_two,
        "28.01.2023: 5 of 16; 23.09.2023: 6 of 15; 19.10.2024: 6 of 17",
        "yes (of nine participants; mentors came too)",
    ),
    # Cost
    Fact(
        "Cost: about 100 000 kroner in grant and 40 000 to the mentor a year for each of "
        "nine, plus gatherings and courses (ch. 7)",
        f"{MONEY}: cost per organisation (`money.cost_per_organisation`)",
        lambda o: cost(o, "per_organisation"),
        "2023: 160 000; 2024: 151 111; period: 311 111",
        "yes (staff cost not recorded)",
    ),
    # Networks
    Fact(
        "Two organisations set up local branches during the period (ch. 5, Læring og endring)",
        f"{EVAL}, Goal 6: branches founded per year (`evaluation_figures().branches_by_year`)",
        branches_by_year,
        "2022: 0; 2023: 0; 2024: 2",
        "yes",
    ),
    Fact(
        "Two participants presented their work with a municipality (ch. 5, Nettverk og samarbeid)",
        f"{NETWORKS}: participants with a tie to a municipality (`network.network_figures`)",
        municipal_ties,
        "5",
        "yes (at least two)",
    ),
    Fact(
        "Participants came to work with each other by the end (ch. 5, Nettverk og samarbeid)",
        f"{NETWORKS}: ties between participants started 2022–2024 (`network.network_figures`)",
        ties_between_participants,
        "1",
        "yes: one begun, two more planned (a planned collaboration is not a tie)",
    ),
    Fact(
        "New ties during the period (ch. 5, Nettverk og samarbeid)",
        f"{NETWORKS}: new ties per year (`network.network_figures`)",
        new_ties,
        "2022: 4; 2023: 4; 2024: 2",
        "the report gives no count",
    ),
]


@pytest.mark.parametrize("fact", FACTS, ids=[f"{i:02}" for i in range(1, len(FACTS) + 1)])
def test_the_outputs_show_the_fact(outputs, fact):
    with translation.override("en"):  # the language the outputs were built in
        assert fact.value(outputs) == fact.expected, fact.fact


def readme_rows() -> list[tuple[str, ...]]:
    """The rows of the README's table between the markers (its header left out)."""
    text = README.read_text(encoding="utf-8")
    start, end = (text.index(marker) for marker in MARKERS)
    rows = [
        tuple(cell.strip() for cell in line.strip().strip("|").split(" | "))
        for line in text[start:end].splitlines()
        if line.startswith("|")
    ]
    return [row for row in rows[1:] if not re.fullmatch(r"[-| :]+", "|".join(row))]


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_demos_evaluation_summary_lies_inside_its_pages(outputs, language):
    """The demo's real names and places (a body's long name in a narrow column) make wider
    tables than the tests' data sets: no word of the PDF may lie outside its page."""
    assert outside_the_page(outputs.pdfs[language]) == []


def test_the_readme_table_is_this_table():
    assert readme_rows() == [(f.fact, f.where, f.expected, f.same) for f in FACTS]


def readme_table() -> str:
    """The table for the README (print it after changing ``FACTS``)."""
    lines = [
        "| Fact (evaluation report) | Where the portal shows it | Demo data | Same? |",
        "|---|---|---|---|",
    ]
    lines += [f"| {f.fact} | {f.where} | {f.expected} | {f.same} |" for f in FACTS]
    return "\n".join(lines)
