"""The evaluation summary's money figures (reports/figures/money.py) against the known data set
of tests/reports/dataset.py, with a few applicants more: each figure's definition, the
small-group rule, no names, the PDF section, and queries that do not grow with organisations."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from pdfminer.high_level import extract_pages, extract_text

from grants import services as grants
from grants.models import Round
from reports.figures import money
from reports.figures.annual import annual_figures
from reports.figures.anonymous import organisation_labels
from reports.figures.definitions import Period
from reports.figures.evaluation import participant_ids, scheme_period
from reports.figures.money import CostRow, MoneyFigures, Selection, Spending, SpendingRow
from scheme.models import SchemeYear
from tests.reports import dataset
from tests.reports.test_pdf_layout import build, lines, outside_the_page

D = Decimal
OSLO, AKERSHUS, MORE = "03", "32", "15"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def data(db):
    return dataset.build()


def period_of(data):
    """The scheme's years, as of a month after this year's reports were due (both sent)."""
    return scheme_period(data.scheme, data.due + datetime.timedelta(days=30))


def more_applicants(data, names, county=OSLO, amount=99000):
    """Organisations invited to this year's call that apply and are not awarded."""
    call = Round.objects.get(scheme_year=data.scheme_year)
    applicants = [dataset.participant(name, "Oslo") for name in names]
    grants.invite(data.caseworker, call, [organisation for organisation, _member in applicants])
    for organisation, member in applicants:
        organisation.county, organisation.member_based = county, True
        organisation.save(update_fields=["county", "member_based"])
        dataset.apply(member, call, organisation, D(amount))
    return [organisation for organisation, _member in applicants]


def set_profiles(data):
    for organisation, county in zip(data.participants, (OSLO, AKERSHUS, MORE), strict=True):
        organisation.county = county
        organisation.save(update_fields=["county"])


# --- spending by category ---------------------------------------------------------------------


def test_spending_comes_from_the_accounts_sent_per_anonymous_organisation(data):
    period = period_of(data)
    # Ørsta's report is a draft: its lines do not count until it is sent.
    grants.save_accounts(data.member_c, data.award_c.report, [
        ("expense", "salary", "Lønn til Ørsta innvandrerforum", D("40000")),
    ])  # fmt: skip
    spending = money.spending_by_category(data.scheme, period, participant_ids(data.scheme, period))
    labels = organisation_labels(participant_ids(data.scheme, period))
    rows = {row.organisation: row for row in spending.rows}
    assert set(rows) == {labels[data.a.pk], labels[data.b.pk]}
    gronland, baerum = rows[labels[data.a.pk]], rows[labels[data.b.pk]]
    assert (gronland.salary, gronland.activities, gronland.other) == (D(70000), D(20000), D(0))
    assert (baerum.salary, baerum.activities, baerum.other) == (D(60000), D(30000), D(10000))
    assert (gronland.salary_share, baerum.salary_share) == (78, 60)
    together = spending.all
    assert (together.salary, together.activities, together.total) == (
        D(130000),
        D(50000),
        D(190000),
    )
    assert together.salary_share == 68
    shares = {label: share for label, _amount, share in spending.by_category}
    assert (shares["salary and fees"], shares["activities"], shares["rent"]) == (68, 26, 5)
    # The chart draws those that spent, in the categories' order.
    [parts] = spending.chart_groups
    assert (labels[data.a.pk], [D(70000), D(0), D(20000), D(0), D(0), D(0)]) in parts


def test_a_report_sent_after_the_as_of_date_does_not_count(data):
    # Bærum's report was sent five days after it was due.
    period = scheme_period(data.scheme, data.due + datetime.timedelta(days=2))
    spending = money.spending_by_category(data.scheme, period, participant_ids(data.scheme, period))
    assert [row.salary for row in spending.rows] == [D(70000)]


# --- amounts against the audit threshold ------------------------------------------------------


def test_amounts_are_binned_against_the_threshold_up_to_and_including_it(data):
    data.scheme.smallest_group = 1
    data.scheme.save(update_fields=["smallest_group"])
    more_applicants(data, ["Søkerlag en", "Søkerlag to"], amount=100000)
    figures = money.amounts_against_threshold(data.scheme, period_of(data))
    assert figures.thresholds == [D(100000)]
    bins = {b.label: b for b in figures.bins}
    assert list(bins) == [
        "up to 80,000", "80,000–85,000", "85,000–90,000", "90,000–95,000", "95,000–100,000",
        "100,000–105,000", "105,000–110,000", "110,000–120,000", "over 120,000",
    ]  # fmt: skip
    # Applied: 99,000, 110,000, 60,000 and twice 100,000 (the threshold itself needs no audit).
    assert (bins["95,000–100,000"].applied, bins["95,000–100,000"].awarded) == (3, 0)
    assert (bins["90,000–95,000"].applied, bins["90,000–95,000"].awarded) == (0, 1)  # 95,000
    assert (bins["100,000–105,000"].applied, bins["100,000–105,000"].awarded) == (0, 1)
    assert (bins["105,000–110,000"].applied, bins["up to 80,000"].applied) == (1, 1)
    assert [b.under_threshold for b in figures.bins] == [True] * 5 + [False] * 4
    assert (figures.applications, figures.just_under) == (5, 3)


def test_a_small_range_reads_fewer_than_and_is_not_drawn(data):
    figures = money.amounts_against_threshold(data.scheme, period_of(data))  # smallest group 3
    by_label = {b.label: b for b in figures.bins}
    small = by_label["95,000–100,000"]
    assert (small.applied, small.applied_shown, small.drawn, small.note) == (
        1, "fewer than 3", 0, "<\xa03"
    )  # fmt: skip
    assert figures.just_under_shown == "fewer than 3"
    empty = by_label["over 120,000"]
    assert (empty.applied_shown, empty.drawn, empty.note) == (0, 0, "")


# --- applicants and the selection -------------------------------------------------------------


def test_selection_by_county_target_group_and_type(data):
    data.scheme.smallest_group = 1
    data.scheme.save(update_fields=["smallest_group"])
    set_profiles(data)
    more_applicants(data, ["Søkerlag en", "Søkerlag to", "Søkerlag tre"])
    selection = money.selection(data.scheme, period_of(data))
    assert (selection.invited, selection.applied, selection.awarded) == (6, 6, 3)
    counties = {row.label: (row.applied, row.awarded, row.share) for row in selection.by_county}
    assert counties == {"Oslo": (4, 1, 25), "Akershus": (1, 1, 100), "Møre og Romsdal": (1, 1, 100)}
    assert selection.by_county[0].label == "Oslo"  # the most applicants first
    types = {row.label: (row.applied, row.awarded) for row in selection.by_type}
    assert types == {"member-based": (3, 0), "not recorded": (3, 3)}
    assert [(row.applied, row.awarded) for row in selection.by_target_group] == [(6, 3)]


def test_selection_counts_below_the_smallest_group_read_fewer_than(data):
    set_profiles(data)
    more_applicants(data, ["Søkerlag en", "Søkerlag to", "Søkerlag tre"])
    selection = money.selection(data.scheme, period_of(data))  # smallest group 3
    oslo = next(row for row in selection.by_county if row.label == "Oslo")
    assert (oslo.applied_shown, oslo.awarded_shown, oslo.share) == (4, "fewer than 3", None)
    member_based = next(row for row in selection.by_type if row.label == "member-based")
    assert (member_based.applied_shown, member_based.awarded_shown, member_based.share) == (3, 0, 0)


def test_an_application_not_sent_is_not_an_applicant(data):
    call = Round.objects.get(scheme_year=data.scheme_year)
    organisation, member = dataset.participant("Utkastlaget", "Oslo")
    grants.invite(data.caseworker, call, [organisation])
    grants.start_application(member, call, organisation)
    selection = money.selection(data.scheme, period_of(data))
    assert (selection.invited, selection.applied) == (4, 3)


# --- cost per organisation --------------------------------------------------------------------


def test_cost_per_organisation_agrees_with_the_annual_report(data):
    as_of = data.due + datetime.timedelta(days=30)
    last, this, period = money.cost_per_organisation(data.scheme, period_of(data))
    assert (this.grants, this.compensation, this.events) == (D(260000), D(60000), D(20000))
    assert (this.staff, this.organisations, this.total) == (None, 3, D(340000))
    assert this.per_organisation == D(113333)
    assert this.per_organisation == annual_figures(data.scheme_year, as_of).cost_per_organisation
    assert (last.year, last.total, last.per_organisation) == (data.today.year - 1, D(0), None)
    assert (period.year, period.total, period.organisations) == (None, D(340000), 3)


def test_staff_cost_is_added_where_recorded(data):
    SchemeYear.objects.filter(pk=data.scheme_year.pk).update(staff_cost=D("30000"))
    last, this, period = money.cost_per_organisation(data.scheme, period_of(data))
    assert (this.staff, this.total, this.per_organisation) == (D(30000), D(370000), D(123333))
    assert (last.staff, period.staff, period.per_organisation) == (None, D(30000), D(123333))


def test_cost_of_fewer_organisations_than_the_smallest_group_is_left_out(data):
    row = CostRow(year=2024, grants=D(95000), organisations=2, smallest=3)
    assert (row.per_organisation, row.per_organisation_shown) == (D(47500), None)
    assert row.organisations_shown == "fewer than 3"


# --- the PDF section ------------------------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    return extract_text(io.BytesIO(content))


def test_the_money_section_names_no_organisation(data):
    set_profiles(data)
    planted = "Søkerlag Hemmeligvik"
    more_applicants(data, [planted])
    # Names written into the accounts and the application never reach the section.
    grants.save_accounts(data.member_c, data.award_c.report, [
        ("expense", "salary", "Lønn til daglig leder i Ørsta innvandrerforum", D("40000")),
    ])  # fmt: skip
    goals = {goal.number: goal.pk for goal in data.scheme.goals.all()}
    grants.save_report(
        data.member_c,
        data.award_c.report,
        goal_results={goals[4]: "Ørsta innvandrerforum holdt språkkafé."},
        activities_held="Språkkafé i Ørsta.",
        people_reached=40,
        money_used_for="Lønn til daglig leder i Ørsta innvandrerforum.",
    )
    grants.submit_report(data.member_c, data.award_c.report)
    text = pdf_text(build("evaluation", "nb", scheme=data.scheme.pk))
    assert "Penger" in text and "Kostnad per organisasjon" in text
    for name in [planted, *(organisation.name for organisation in data.participants)]:
        assert name not in text
    # The two whose accounts are sent by today (a's in the data set, c's above; b sends later)
    # are named by their codes, whichever letters their ids give them.
    labels = organisation_labels(participant_ids(data.scheme, scheme_period(data.scheme)))
    codes = [labels[organisation.pk] for organisation in (data.a, data.c)]
    assert all(code.replace("Organisation", "Organisasjon") in text for code in codes)


def long_money(data) -> MoneyFigures:
    """The money figures of a scheme with 80 organisations, for the layout of long tables."""
    categories = ["salary", "rent", "activities", "travel", "equipment", "other"]
    rows = [
        SpendingRow(f"Spender {n:02d}", dict(zip(categories, [D(91000 + n), D(12345), D(0), D(0),
                                                               D(1000), D(0)], strict=True)))
        for n in range(80)
    ]  # fmt: skip
    real = money.money_figures(
        data.scheme, period_of(data), participant_ids(data.scheme, period_of(data))
    )
    return MoneyFigures(
        spending=Spending(rows), threshold=real.threshold, selection=Selection(
            invited=80, applied=80, awarded=80, by_county=real.selection.by_county * 30,
            by_target_group=[], by_type=[],
        ), cost=real.cost,
    )  # fmt: skip


def test_long_money_tables_stay_on_the_page_repeat_their_header_and_sum_once(data, monkeypatch):
    figures = long_money(data)
    monkeypatch.setattr("reports.figures.evaluation.money_figures", lambda *args: figures)
    content = build("evaluation", "en", scheme=data.scheme.pk)
    assert outside_the_page(content) == []
    pages = [
        " ".join(line.get_text() for line in lines(page))
        for page in extract_pages(io.BytesIO(content))
    ]
    with_rows = [page for page in pages if "91,0" in page]  # the table's rows, not the chart's
    assert len(with_rows) > 1  # the table breaks across pages ...
    assert all("Share on" in page for page in with_rows)  # ... with its header on each
    # The sum of all spending: once after the last row, and once in the table by category.
    assert sum(page.count("8,350,760") for page in pages) == 2


# --- queries ------------------------------------------------------------------------------------


def count_queries(data) -> int:
    period = period_of(data)
    participants = participant_ids(data.scheme, period)
    with CaptureQueriesContext(connection) as queries:
        money.money_figures(data.scheme, period, participants)
    return len(queries)


def test_a_scheme_without_applications_has_no_ranges(data):
    """Before a call has had applications there is nothing to bin (and nothing fails)."""
    figures = money.money_figures(data.scheme, Period.years(2000, 2001), set())
    assert figures.threshold.bins == []
    assert figures.threshold.applications == 0


def test_the_queries_do_not_grow_with_the_organisations(data):
    set_profiles(data)
    before = count_queries(data)
    more_applicants(data, [f"Søkerlag {n}" for n in range(6)])
    assert count_queries(data) == before
    assert before <= 20
