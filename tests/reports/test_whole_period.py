"""The whole-period evaluation summary (issue 14): for a period of three years every headline
figure is given per year and for the whole period, by the total rule written for it
("Year by year and the whole period"). The order form makes the whole period the default.

Three past years F, M and L of one scheme, counted by hand:

- awards: A in F (95 000), A and B in M (100 000 and 50 000), none in L;
- pairing P1 (A) from 1 January F: two meetings in F, three in M;
- pairing P2 (B) from 1 July M: one meeting in M, two in L (P1 runs on in L, with none).
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from pdfminer.high_level import extract_text

from grants.models import Decision
from mentoring import services
from reports.builders import builder_for
from reports.figures import evaluation
from reports.figures.definitions import DEFINITIONS, Period
from reports.figures.evaluation import evaluation_figures
from reports.forms import EvaluationCsvForm, EvaluationForm
from reports.models import ReportJob
from tests import factories
from tests.reports.test_pdf_layout import outside_the_page

LAST = timezone.localdate().year - 1
MID = LAST - 1
FIRST = LAST - 2


def day(year, month, number):
    return datetime.date(year, month, number)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def data(db):
    first = factories.SchemeYearFactory(year=FIRST)
    scheme = first.scheme
    years = {FIRST: first}
    for year in (MID, LAST):
        years[year] = factories.SchemeYearFactory(scheme=scheme, year=year)
    caseworker = factories.caseworker(scheme.administrator)
    a = factories.OrganisationFactory(kind="participant", name="Deltaker A")
    b = factories.OrganisationFactory(kind="participant", name="Deltaker B")
    for year, organisation, amount in ((FIRST, a, 95000), (MID, a, 100000), (MID, b, 50000)):
        award = factories.awarded(years[year], organisation, amount)
        decided = timezone.make_aware(datetime.datetime(year, 3, 1, 12))
        Decision.objects.filter(pk=award.decision_id).update(decided_at=decided)
    pairings = {}
    for name, participant, starts_on in (("p1", a, day(FIRST, 1, 1)), ("p2", b, day(MID, 7, 1))):
        mentor_org = factories.OrganisationFactory(kind="mentor", name=f"Mentor {name}")
        services.save_offer(caseworker, mentor_org, capacity=1)
        mentor = factories.member_of(mentor_org, role="contact")
        pairing = services.create_pairing(
            caseworker, scheme, mentor_org, [participant], starts_on=starts_on
        )
        pairings[name] = (mentor, pairing)
    held = {
        "p1": [day(FIRST, 3, 1), day(FIRST, 9, 1), day(MID, 2, 1), day(MID, 5, 1),
               day(MID, 10, 1)],
        "p2": [day(MID, 8, 1), day(LAST, 2, 1), day(LAST, 4, 1)],
    }  # fmt: skip
    for name, days in held.items():
        mentor, pairing = pairings[name]
        for held_on in days:
            services.log_meeting(
                mentor, pairing, held_on=held_on, mode="digital", duration_minutes=60,
                attendees="Kari og Ola", summary="Møte.",
            )  # fmt: skip
    return {"scheme": scheme, "caseworker": caseworker}


def whole():
    return Period.years(FIRST, LAST)


def lines(figures) -> dict:
    return {line.key: line for line in figures.year_table}


def test_every_headline_figure_per_year_and_for_the_whole_period(data):
    figures = evaluation_figures(data["scheme"], whole())
    found = lines(figures)
    assert [row.year for row in figures.years] == [FIRST, MID, LAST]
    expected = {
        # key: (per year, whole period, rule)
        "participants": ([1, 2, 2], 2, evaluation.ONCE),
        "organisations_awarded": ([1, 2, 0], 2, evaluation.ONCE),
        "awarded": ([Decimal(95000), Decimal(150000), Decimal(0)], Decimal(245000),
                    evaluation.SUMMED),
        "pairings": ([1, 2, 2], 2, evaluation.ONCE),  # P1 runs on in L without meetings
        "meetings": ([2, 4, 2], 8, evaluation.SUMMED),
        # 8 meetings over 5 pairing-years, not the average of the years' 2.0, 2.0 and 1.0
        "meetings_per_pairing": ([2.0, 2.0, 1.0], 1.6, evaluation.FROM_TOTALS),
        "pairings_at_minimum": (None, None, evaluation.NO_TOTAL),
    }  # fmt: skip
    for key, (values, total, rule) in expected.items():
        line = found[key]
        if values is not None:
            assert line.values == values, key
        assert (line.total, line.rule) == (total, rule), key


def test_the_total_rules_hold_for_every_line(data):
    figures = evaluation_figures(data["scheme"], whole())
    for line in figures.year_table:
        assert len(line.values) == 3, line.key
        if line.rule == evaluation.SUMMED:
            assert line.total == sum(line.values), line.key
        elif line.rule == evaluation.AT_END:
            assert line.total == line.values[-1], line.key
        elif line.rule == evaluation.NO_TOTAL:
            assert line.total is None, line.key
        assert line.rule_text  # every line says how its total is had
    # The whole-period figures are the summary's own, so the two cannot disagree.
    found = lines(figures)
    assert found["meetings"].total == figures.meetings
    assert found["awarded"].total == figures.awarded
    assert found["pairings"].total == figures.pairings
    assert found["participants"].total == figures.organisations


def test_health_at_the_years_end_is_the_last_years_not_a_sum(data):
    figures = evaluation_figures(data["scheme"], whole())
    found = lines(figures)
    health = [found[f"health_{row}"] for row in ("at_risk", "behind", "on_track")]
    ends = {row.year: row for row in figures.year_end_health}
    for line in health:
        assert line.rule == evaluation.AT_END
    # Each year's column adds up to the pairings read at that year's end.
    for position, year in enumerate((FIRST, MID, LAST)):
        running = sum(line.values[position] for line in health)
        not_running = found["health_not_running"].values[position]
        assert running + not_running == ends[year].pairings


def test_a_period_of_part_of_a_year_counts_that_part(data):
    figures = evaluation_figures(data["scheme"], Period.of(day(MID, 6, 1), day(LAST, 3, 31)))
    found = lines(figures)
    assert [row.year for row in figures.years] == [MID, LAST]
    assert found["meetings"].values == [2, 1]  # P1 in October, P2 in August; P2 in February
    assert found["meetings"].total == 3


def test_the_pdf_prints_the_years_and_the_whole_period_inside_the_page(data):
    with translation.override("en"):
        content, _name = builder_for("evaluation").make(
            factories.UserFactory(is_superuser=True),
            {"scheme": data["scheme"].pk, "start": f"{FIRST}-01-01", "end": f"{LAST}-12-31"},
            lambda percent, step="": None,
        )
    text = " ".join(extract_text(io.BytesIO(content)).split())
    assert "Year by year" in text and "Whole period" in text
    assert "245,000" in text or "245 000" in text  # the whole period's awards
    assert "each counted once, though in several years" in text
    assert "Year by year and the whole period" in text  # its definition, under the figures
    assert outside_the_page(content) == []


def test_the_order_form_makes_the_whole_period_the_default(data, client, sent):
    evaluator = factories.member_of(factories.OrganisationFactory(kind="evaluator"))
    for form_class in (EvaluationForm, EvaluationCsvForm):
        with translation.override("en"):
            form = form_class(evaluator)
            assert form.fields["start"].initial is None and form.fields["end"].initial is None
            assert "the whole period" in str(form.fields["start"].help_text)
            assert "the whole period" in str(form.fields["end"].help_text)
    # Ordered without dates, the report covers the scheme's three years.
    client.force_login(evaluator)
    response = client.post(
        reverse("reports:order", args=["evaluation"]),
        {"evaluation-scheme": data["scheme"].pk},
    )
    assert response.status_code == 302
    assert ReportJob.objects.get().parameters == {"scheme": data["scheme"].pk}
    assert [row.year for row in evaluation_figures(data["scheme"], None).years] == [
        FIRST, MID, LAST,
    ]  # fmt: skip


def test_the_definition_is_written_once(data):
    with translation.override("en"):
        terms = [str(term) for term, _text in DEFINITIONS]
    assert terms.count("Year by year and the whole period") == 1


def test_a_long_period_with_large_amounts_is_printed_in_parts_inside_the_page(db):
    """Six years of grants in millions: the years are printed in parts of the table that fit
    the page, the whole period in the last part; no text of any page (the money section's cost
    table has a row per year too) lies outside the page."""
    first = factories.SchemeYearFactory(year=LAST - 5)
    scheme = first.scheme
    for year in range(LAST - 5, LAST + 1):
        scheme_year = (
            first if year == first.year else factories.SchemeYearFactory(scheme=scheme, year=year)
        )
        award = factories.awarded(scheme_year, factories.OrganisationFactory(), 9_999_999)
        decided = timezone.make_aware(datetime.datetime(year, 3, 1, 12))
        Decision.objects.filter(pk=award.decision_id).update(decided_at=decided)
    figures = evaluation_figures(scheme, None)
    parts = figures.year_table_parts
    assert [part.columns for part in parts] == [
        list(range(LAST - 5, LAST - 1)), [LAST - 1, LAST, None],
    ]  # fmt: skip
    awarded = next(values for line, values in parts[-1].rows if line.key == "awarded")
    assert awarded == [Decimal(9_999_999), Decimal(9_999_999), Decimal(59_999_994)]
    for language in ("nb", "en"):
        with translation.override(language):
            content, _name = builder_for("evaluation").make(
                factories.UserFactory(is_superuser=True),
                {"scheme": scheme.pk},
                lambda percent, step="": None,
            )
        assert outside_the_page(content) == [], language
