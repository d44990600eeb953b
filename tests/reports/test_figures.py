"""Each report's figures against the known data set of tests/reports/dataset.py: every figure
exactly, as the PDFs print them."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from courses.anonymise import REDACTED, Scrubber
from mentoring.progress import Health
from reports.figures.annual import ReportState, annual_figures
from reports.figures.award_letter import letter_figures, load_award
from reports.figures.evaluation import evaluation_figures
from reports.figures.organisation import organisation_figures
from tests.reports import dataset

D = Decimal


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def data(db):
    return dataset.build()


# --- the annual grant report -----------------------------------------------------------------


def test_annual_figures_per_organisation(data):
    figures = annual_figures(data.scheme_year, data.due + datetime.timedelta(days=30))
    rows = {row.organisation: row for row in figures.awards}
    assert list(rows) == sorted(rows)  # by name
    gronland, baerum, orsta = (rows[o.name] for o in data.participants)
    assert (gronland.awarded, gronland.disbursed) == (D(95000), D(95000))
    assert gronland.spent == {"salary": D(70000), "activities": D(20000)}
    assert gronland.unspent == D(5000)
    assert gronland.report_state == ReportState.ON_TIME
    assert (gronland.audit_required, gronland.audited) == (False, False)
    assert (gronland.clawed_back, gronland.repaid) == (D(5000), D(2000))
    assert (baerum.awarded, baerum.disbursed) == (D(105000), D(105000))
    assert baerum.spent == {"salary": D(60000), "activities": D(30000), "rent": D(10000)}
    assert baerum.unspent == D(5000)
    assert baerum.report_state == ReportState.LATE
    assert (baerum.audit_required, baerum.audited) == (True, True)
    assert (baerum.clawed_back, baerum.repaid) == (D(0), D(0))
    assert (orsta.awarded, orsta.disbursed, orsta.spent) == (D(60000), D(30000), {})
    assert orsta.unspent is None  # no report sent: nothing to say
    assert orsta.report_state == ReportState.MISSING
    assert gronland.main_category == baerum.main_category == "salary"
    assert orsta.main_category is None


def test_annual_totals_shares_and_report_states(data):
    figures = annual_figures(data.scheme_year, data.due + datetime.timedelta(days=30))
    assert figures.awarded == D(260000)
    assert figures.disbursed == D(230000)
    assert figures.spent == D(190000)
    assert figures.spent_by_category == {
        "salary": D(130000), "rent": D(10000), "activities": D(50000),
        "travel": D(0), "equipment": D(0), "other": D(0),
    }  # fmt: skip
    assert round(figures.share_of_spending("salary"), 4) == 0.6842
    assert round(figures.share_of_spending("activities"), 4) == 0.2632
    assert figures.organisations_mainly_on("salary") == 2
    assert figures.organisations_mainly_on("activities") == 0
    # 70 of 90 and 60 of 100 went to salary: both in the 60–79 % band.
    assert figures.salary_share_bands() == [
        ("0–19 %", 0), ("20–39 %", 0), ("40–59 %", 0), ("60–79 %", 2), ("80–100 %", 0)
    ]  # fmt: skip
    assert figures.unspent == D(10000)
    assert figures.report_states == {
        "on_time": 1,
        "late": 1,
        "returned": 0,
        "missing": 1,
        "not_due": 0,
    }
    assert (figures.audited, figures.audit_required) == (1, 1)
    assert (figures.clawed_back, figures.repaid, figures.outstanding) == (
        D(5000), D(2000), D(3000)
    )  # fmt: skip
    # Before the due date, the missing report is not due yet, and Bærum's (sent after it)
    # counts as not sent.
    before = annual_figures(data.scheme_year, data.today)
    assert before.report_states == {
        "on_time": 1, "late": 0, "returned": 0, "missing": 0, "not_due": 2
    }  # fmt: skip


def test_annual_mentoring_against_the_minimum(data):
    figures = annual_figures(data.scheme_year, data.today)
    rows = [(r.mentor, r.participants, r.meetings, r.minimum, r.flags, r.met_minimum)
            for r in figures.pairings]  # fmt: skip
    assert rows == [
        ("Frivillig Hjelp Norge", "Bærum språkkafé", 0, 6, 0, False),  # replaced today
        ("Mentorforeningen Tråd", "Grønland foreldregruppe", 4, 6, 1, False),
        ("Støtte og Samhold", "Bærum språkkafé", 6, 6, 0, True),
    ]
    assert (figures.meetings, figures.pairings_at_minimum, figures.flags) == (10, 1, 1)
    assert figures.compensation == D(60000)
    # For the chart when there are too many pairings for a bar each.
    assert figures.meetings_distribution() == [
        ("0", 1), ("1", 0), ("2", 0), ("3", 0), ("4", 1), ("5", 0), ("≥\xa06", 1)
    ]  # fmt: skip


def test_annual_competence_building_and_cost(data):
    figures = annual_figures(data.scheme_year, data.today)
    plan = figures.plan
    assert (plan["planned"], plan["planned_and_held"], plan["held_outside_plan"]) == (3, 2, 1)
    assert [(e.title, e.planned, e.registered, e.attended, e.cost) for e in figures.events] == [
        ("Fellessamling i Oslo", True, 3, 2, D(15000)),
        ("Kurs i regnskap", True, 1, 1, D(5000)),
        ("Fellesmøte for deltakere", False, 0, 0, D(0)),
    ]  # the cancelled gathering is not among them
    assert figures.attendance == [("Bærum språkkafé", 1, 1), ("Grønland foreldregruppe", 3, 2)]
    assert (figures.registered, figures.attended) == (4, 3)
    assert figures.events_cost == D(20000)
    assert figures.total_cost == D(340000)  # 260 000 + 60 000 + 20 000
    assert figures.cost_per_organisation == D(113333)


# --- the evaluation summary -------------------------------------------------------------------


def test_evaluation_years_and_goals(data):
    figures = evaluation_figures(data.scheme, data.due + datetime.timedelta(days=30))
    year = data.today.year
    assert figures.organisations == 3
    last, this = figures.years
    assert (last.year, last.organisations, last.awarded, last.meetings) == (year - 1, 0, D(0), 0)
    assert (last.new_collaborations, last.applications_elsewhere, last.granted_elsewhere) == (
        1, 2, 1
    )  # fmt: skip
    assert (this.year, this.organisations, this.awarded) == (year, 3, D(260000))
    assert (this.reports_sent, this.people_reached, this.people_per_report) == (2, 330, 165)
    assert (this.pairings, this.meetings, this.pairings_at_minimum) == (3, 10, 1)
    assert this.meetings_per_pairing == 3.3
    assert (this.events_held, this.attended) == (3, 3)
    assert (this.new_collaborations, this.applications_elsewhere, this.granted_elsewhere) == (
        2, 1, 1
    )  # fmt: skip
    assert [(g.number, g.indicators, g.reports_with_result) for g in figures.goals] == [
        (1, ["competence"], 2),
        (2, ["network"], 1),
        (3, ["public"], 0),
        (4, ["reach"], 1),
        (5, ["funding"], 0),
        (6, ["transfer"], 0),
    ]


def test_evaluation_indicators(data):
    with translation.override("en"):
        figures = evaluation_figures(data.scheme, data.due + datetime.timedelta(days=30))
    # Goal 1: competence areas asked for, covered by events (and attended), and by meetings.
    assert [(r.area, r.needed, r.events, r.attended, r.meetings) for r in figures.competence] == [
        ("Reporting", 1, 0, 0, 1),  # in the order of the Norwegian names
        ("Accounts and finances", 2, 2, 3, 2),
        ("Strategy and organisational development", 0, 1, 2, 0),
        ("Board work", 0, 1, 1, 1),
        ("Writing applications", 1, 0, 0, 1),
    ]
    # Goals 2 and 3: collaborations, by kind and their growth.
    year = data.today.year
    assert figures.collaborations == 3
    assert figures.collaborations_by_kind == {
        "municipality": 1, "immigrant council": 1, "other organisation": 1
    }  # fmt: skip
    assert figures.collaborations_by_status == {"planned": 1, "active": 2}
    assert figures.collaborations_growth == [(year - 1, 1, 1), (year, 2, 3)]
    assert figures.organisations_with_collaborations == 2
    assert figures.public_collaborations == 2
    assert figures.public_growth == [(year - 1, 1, 1), (year, 1, 2)]
    assert figures.organisations_with_public_partners == 2
    # Goal 4: activities and people reached.
    assert (figures.reports_sent, figures.reports_with_activities) == (2, 2)
    assert (figures.people_reached, figures.people_per_report) == (330, 165)
    assert figures.activities_on_profiles == 2
    # Goal 5: applications elsewhere by year and outcome.
    assert figures.previous_applications == [
        (year - 1, {"pending": 0, "granted": 1, "rejected": 1}, D(20000)),
        (year, {"pending": 0, "granted": 1, "rejected": 0}, D(15000)),
    ]
    assert figures.organisations_applying_elsewhere == 2
    # Goal 6: branches elsewhere.
    assert (figures.branches, figures.organisations_with_branches) == (1, 1)
    assert figures.branch_municipalities == 1
    assert figures.branches_by_year == [(year - 1, 1)]


def test_evaluation_mentoring_pattern(data):
    with translation.override("nb"):
        figures = evaluation_figures(data.scheme, data.today)
    assert (figures.pairings, figures.group_pairings, figures.replaced) == (3, 0, 1)
    assert figures.health == {
        Health.AT_RISK: 1,  # the open flag
        Health.BEHIND: 0,
        Health.ON_TRACK: 1,  # six meetings already
        Health.NOT_RUNNING: 1,  # the replaced pairing
    }
    assert sum(figures.meetings_by_mode.values()) == 10
    rows = [(r.answers, r.good_fit, r.poor_fit, r.usefulness, r.cooperation, r.progress)
            for r in figures.check_ins]  # fmt: skip
    assert rows == [
        (1, 1, 0, None, None, None),  # first, participant
        (1, 0, 1, None, None, None),  # first, mentor
        (1, 0, 0, 4.0, 3.0, 2.0),  # midpoint, participant
    ]
    assert (figures.flags_raised, figures.flags_resolved) == (1, 0)
    assert figures.check_in_comments == [
        "Nyttig, men lite tid.",
        f"{REDACTED} møter sjelden. Ring {REDACTED} på {REDACTED}.",
    ]


def test_evaluation_feedback_results_without_names(data):
    figures = evaluation_figures(data.scheme, data.today)
    (form,) = figures.feedback
    assert (form.title, form.responses) == ("Avslutningsskjema", 2)
    rating, multiple, text = form.questions
    assert (rating.average, rating.answered) == (4.0, 2)
    assert rating.counts == [("1", 0), ("2", 0), ("3", 1), ("4", 0), ("5", 1)]
    assert multiple.counts == [("Kurs", 2), ("Mentor", 1), ("Samling", 0)]
    assert text.texts == [f"Takk til {REDACTED} for samarbeidet!"]


def test_the_scrubber_removes_names_addresses_and_numbers():
    scrub = Scrubber(["Bærum språkkafé", "Kari Nordmann"], ["Kari", "Nordmann"])
    assert scrub("Bærum Språkkafé og kari nordmann") == f"{REDACTED} og {REDACTED}"
    assert scrub("Kari sa ja. Karius og Nordmannsen") == f"{REDACTED} sa ja. Karius og Nordmannsen"
    assert scrub("Skriv til post@eksempel.no eller ring +47 22 33 44 55.") == (
        f"Skriv til {REDACTED} eller ring {REDACTED}."
    )
    assert scrub("Org.nr. 912345678, møte 23.01.2024, 120 000 kr") == (
        f"Org.nr. {REDACTED}, møte 23.01.2024, 120 000 kr"
    )


# --- the organisation report ------------------------------------------------------------------


def test_organisation_figures(data):
    with translation.override("en"):
        figures = organisation_figures(data.a, data.today)
    (application,) = figures.applications
    assert (application.amount, application.status) == (D(99000), "awarded")
    assert [d.kind for d in application.decisions] == ["award", "clawback"]
    (award,) = figures.awards
    assert (award.amount, award.disbursed, award.payments) == (
        D(95000), D(95000), [(data.today, D(95000))]
    )  # fmt: skip
    report = award.report
    assert (report.state, report.sent, report.people_reached) == ("on_time", True, 130)
    assert (report.income, report.expenses, award.unspent) == (D(5000), D(90000), D(5000))
    assert report.by_category == [
        ("activities", D(0), D(20000)),
        ("own income", D(5000), D(0)),
        ("salary and fees", D(0), D(70000)),
    ]
    assert [(c.amount, c.repaid, c.cancelled) for c in figures.clawbacks] == [
        (D(5000), D(2000), False)
    ]
    assert (figures.clawed_back, figures.repaid) == (D(5000), D(2000))
    (pairing,) = figures.pairings
    assert (pairing.mentor, pairing.meetings) == ("Mentorforeningen Tråd", 4)
    assert pairing.meetings_by_year == [(data.today.year, 4)]
    # Only its own check-in answers and flags, never the mentor's.
    assert [(kind, fit, u, c, p) for kind, fit, u, c, p, _day in pairing.check_ins] == [
        ("after the first meeting", True, None, None, None),
        ("half-way", None, 4, 3, 2),
    ]
    assert len(pairing.flags) == 1
    assert [(e.title, e.registered, e.attended) for e in figures.events] == [
        ("Fellessamling i Oslo", 2, 1),
        ("Kurs i regnskap", 1, 1),
    ]
    assert [c.partner_name for c in figures.collaborations] == [
        "Bydel Gamle Oslo", "Naboforeningen"
    ]  # fmt: skip
    assert len(figures.previous_applications) == 1
    assert figures.address_lines == ["Storgata 1", "0155 Oslo"]


def test_organisation_figures_of_a_replaced_pairing(data):
    figures = organisation_figures(data.b, data.today)
    assert [(p.mentor, p.meetings, p.ends_on) for p in figures.pairings] == [
        ("Frivillig Hjelp Norge", 0, data.today),
        ("Støtte og Samhold", 6, None),
    ]
    assert figures.pairings[0].check_ins == []


# --- the award letter -------------------------------------------------------------------------


def test_award_letter_figures(data):
    award = load_award(data.award_b.pk)
    with translation.override("nb"):
        letter = letter_figures(award)
        conditions_nb = letter.conditions
    with translation.override("en"):
        conditions_en = letter_figures(award).conditions
    assert (letter.amount, letter.applied_for) == (D(105000), D(110000))
    assert letter.body.name == "Integrerings- og mangfoldsdirektoratet"
    assert letter.organisation == data.b
    assert letter.address_lines == ["Storgata 1", "0155 Bærum"]
    assert letter.reasons == "Søknaden viser en tydelig plan for aktivitetene."
    assert conditions_nb == [
        "Midlene skal brukes til organisasjonens drift, slik det er søkt om.",
        "Organisasjonen melder fra til IMDi om endringer i grunnlaget for tilskuddet.",
    ]
    assert conditions_en == [  # English where it exists, else the Norwegian
        "The money is used for the organisation's operation, as applied for.",
        "Organisasjonen melder fra til IMDi om endringer i grunnlaget for tilskuddet.",
    ]
    assert [(i.number, i.amount, i.paid_on) for i in letter.instalments] == [
        (1, D(55000), data.today),
        (2, D(50000), data.today),
    ]
    assert letter.report_due == datetime.date(data.today.year + 1, 1, 23)
    assert (letter.audit_threshold, letter.needs_audit) == (D(100000), True)
    assert letter.appeal_deadline == letter.dated + datetime.timedelta(weeks=3)
    assert letter.signed_by == "Kari Nordmann"
    assert letter.accepted_on == data.today
