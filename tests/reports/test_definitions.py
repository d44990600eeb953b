"""One definition per figure (reports/figures/definitions.py): the annual grant report, the
evaluation summary and the organisation reports built for the same period agree on every figure
they share, and the three contradictions issue 14 found are gone: meetings after the period, a
returned grant report counted as on time, flags and health read as of today instead of the
period's end."""

import datetime
from collections import Counter
from decimal import Decimal

import pytest

from grants import services as grants
from mentoring import services as mentoring
from mentoring.models import Flag
from mentoring.progress import Health
from reports.builders import ReportError
from reports.builders.documents import period_in
from reports.figures.annual import annual_figures
from reports.figures.definitions import Period, ReportState
from reports.figures.evaluation import evaluation_figures
from reports.figures.organisation import organisation_figures
from tests.reports import dataset
from tests.reports.test_pdfs import build

D = Decimal


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def data(db):
    return dataset.build()


def every_output(data, period):
    """The annual report of the period's year, the evaluation summary and each participant's
    organisation report, for the same period."""
    annual = annual_figures(data.scheme_year, period.as_of)
    evaluation = evaluation_figures(data.scheme, period)
    organisations = [organisation_figures(o, period) for o in data.participants]
    return annual, evaluation, organisations


def test_every_output_of_one_period_gives_the_same_figures(data):
    after_the_reports = data.due + datetime.timedelta(days=30)
    period = Period.year(data.today.year, after_the_reports)
    annual, evaluation, organisations = every_output(data, period)
    (year,) = evaluation.years
    # Meetings and pairings.
    by_mode = sum(evaluation.meetings_by_mode.values())
    meetings = [annual.meetings, evaluation.meetings, year.meetings, by_mode,
                sum(o.meetings for o in organisations)]  # fmt: skip
    assert meetings == [10] * 5
    assert [len(annual.pairings), evaluation.pairings, year.pairings] == [3] * 3
    assert annual.pairings_at_minimum == year.pairings_at_minimum == 1
    # Grant reports on time, late, missing; what they report.
    states = Counter(award.report.state for o in organisations for award in o.awards)
    assert {state: n for state, n in annual.report_states.items() if n} == dict(states) == {
        ReportState.ON_TIME: 1, ReportState.LATE: 1, ReportState.MISSING: 1
    }  # fmt: skip
    assert evaluation.reports_sent == states[ReportState.ON_TIME] + states[ReportState.LATE] == 2
    reached = sum(a.report.people_reached or 0 for o in organisations for a in o.awards
                  if a.report.sent)  # fmt: skip
    assert evaluation.people_reached == reached == 330
    # Flags and health.
    assert [annual.flags, evaluation.flags_raised, year.flags,
            sum(o.flags for o in organisations)] == [1] * 4  # fmt: skip
    assert annual.health == evaluation.health == year.health
    assert sum(annual.health.values()) == 3
    # Attendance and events.
    assert [annual.attended, evaluation.attended, sum(o.attended for o in organisations)] == [3] * 3
    assert len(annual.events) == year.events_held == 3
    # Amounts.
    assert annual.awarded == evaluation.awarded == sum(o.awarded for o in organisations)
    assert annual.awarded == D(260000)
    assert annual.disbursed == sum(o.disbursed for o in organisations) == D(230000)
    assert annual.organisations_mainly_on("salary") == 2
    assert [row.organisations for row in evaluation.years] == [len(annual.awards)] == [3]


def test_meetings_after_the_period_are_counted_nowhere(data):
    """The summary said 131 meetings on one page and 188 on another: the meetings by mode
    counted those after the period."""
    yesterday = data.today - datetime.timedelta(days=1)  # the replacement's six meetings: today
    figures = evaluation_figures(data.scheme, yesterday)
    assert figures.period.last_day == yesterday
    assert sum(figures.meetings_by_mode.values()) == figures.meetings == 4
    assert sum(row.meetings for row in figures.years) == 4


def test_a_returned_grant_report_is_not_on_time(data):
    """The annual report counted a report sent on time and returned for changes as on time,
    where the summary did not count it as sent."""
    report = data.award_c.report
    goal = data.scheme.goals.get(number=1)
    grants.save_report(data.member_c, report, goal_results={goal.pk: "Kurs."},
                       activities_held="Møter.", people_reached=10,
                       money_used_for="Leie.")  # fmt: skip
    grants.save_accounts(data.member_c, report, [("expense", "rent", "Lokaler", D(1000))])
    grants.submit_report(data.member_c, report)
    grants.return_report(data.caseworker, report, "Regnskapet mangler bilag.")
    period = Period.year(data.today.year, data.due + datetime.timedelta(days=30))
    annual, evaluation, organisations = every_output(data, period)
    orsta = next(row for row in annual.awards if row.organisation == data.c.name)
    assert orsta.report_state == ReportState.RETURNED
    assert orsta.unspent is None  # its accounts do not count yet
    assert annual.report_states[ReportState.ON_TIME] == 1
    assert annual.report_states[ReportState.RETURNED] == 1
    on_time_or_late = annual.report_states[ReportState.ON_TIME] + annual.report_states["late"]
    assert evaluation.reports_sent == on_time_or_late == 2
    assert organisations[2].awards[0].report.state == ReportState.RETURNED


def test_flags_and_health_are_read_as_of_the_period_not_today(data):
    """The annual report said 0 problem reports where the summary said 1 (raised after the
    period), and the summary gave the pairings' health as of today, after the scheme ended."""
    yesterday = data.today - datetime.timedelta(days=1)
    figures = evaluation_figures(data.scheme, yesterday)
    assert figures.flags_raised == 0  # the flag was raised today
    # Yesterday the replaced pairing still ran and its replacement had not started; the flag
    # that puts the first pairing at risk today was not open yet.
    assert sum(figures.health.values()) == 2
    assert figures.health[Health.NOT_RUNNING] == 0
    later = datetime.datetime.combine(
        data.today + datetime.timedelta(days=400), datetime.time(12), tzinfo=datetime.UTC
    )
    flag = mentoring.raise_flag(data.member_a, data.pairing_1, "Mentoren svarer ikke.")
    Flag.objects.filter(pk=flag.pk).update(raised_at=later)  # raised after the scheme's years
    annual = annual_figures(data.scheme_year, data.today)
    whole = evaluation_figures(data.scheme, data.today)
    assert annual.flags == whole.flags_raised == 1  # not the one raised after the period
    assert annual.health == whole.health


def test_the_period_comes_from_the_job_with_defaults(data):
    default = Period.year(2024)
    assert default == Period(datetime.date(2024, 1, 1), datetime.date(2024, 12, 31),
                             datetime.date(2024, 12, 31))  # fmt: skip
    assert period_in({}, default) == default
    given = period_in({"start": "2024-03-01", "end": "2024-06-30", "as_of": "2024-08-01"}, default)
    assert (given.start, given.end, given.as_of, given.last_day) == (
        datetime.date(2024, 3, 1), datetime.date(2024, 6, 30), datetime.date(2024, 8, 1),
        datetime.date(2024, 6, 30),
    )  # fmt: skip
    future = period_in({"as_of": "2999-01-01"}, Period.year(data.today.year))
    assert future.as_of == data.today  # never after today
    with pytest.raises(ReportError):
        period_in({"start": "2024-06-01", "end": "2024-01-01"}, default)
    with pytest.raises(ReportError):
        period_in({"start": "not a date"}, default)


def test_every_pdf_of_one_period_prints_the_period_and_the_definitions(data):
    year = data.today.year
    dates = {"start": f"{year}-01-01", "end": f"{year}-12-31", "as_of": data.today.isoformat()}
    subjects = {
        "annual": {"scheme_year": data.scheme_year.pk},
        "evaluation": {"scheme": data.scheme.pk},
        "organisation": {"organisation": data.a.pk},
    }
    for kind, subject in subjects.items():
        pdf, _file_name = build(kind, **subject, **dates)
        as_of = data.today.strftime("%d.%m.%Y")
        assert pdf.says(f"Periode 01.01.{year}–31.12.{year}, tall per {as_of}."), kind
        assert pdf.says("Om tallene") and pdf.says("Problemmeldinger sendt i perioden"), kind
