"""The mentoring process in the evaluation summary (issue 14): meetings held, postponed and
cancelled per year and by side, who took the initiative, the clarity of expectations in the
half-way and end check-ins, and the health at the end of each year with the minimum pro-rated
for pairings that started during the year. Each figure is checked against data counted by
hand below.

Two pairings of a scheme with two past years F and L (minimum 6 meetings a year):

- P1 (participant A, mentor 1) from 1 January F: six meetings in F (initiative: mentor 3,
  participant 2, both 1), a meeting cancelled by the participant side (20 January) and one
  postponed by the mentor side (11 August, to 8 September); in L two meetings in November
  (initiative not recorded) and one cancelled by the mentor side (5 October);
- P2 (participant B, mentor 2) from 1 October F: one meeting in F (15 November, the mentor
  side's initiative); in L six meetings (participant 2, both 4) and one postponed by the
  participant side (5 May, to 2 June).

Clarity of expectations: half-way A 2, B 5, mentor 1 4, mentor 2 skipped it; at the end A 3.
"""

import datetime
import io

import pytest
from django.utils import timezone, translation
from pdfminer.high_level import extract_text

from mentoring import services
from mentoring.models import CheckIn, Pairing
from mentoring.progress import Health, health_as_of, prorated_elapsed
from reports.builders import builder_for
from reports.figures import definitions as define
from reports.figures.definitions import DEFINITIONS, Period
from reports.figures.evaluation import (
    clarity_of_expectations,
    evaluation_figures,
    health_at_year_ends,
    initiative_shares,
    meeting_process,
)
from scheme.models import SchemeYear
from tests import factories
from tests.reports.test_pdf_layout import outside_the_page

LAST = timezone.localdate().year - 1
FIRST = LAST - 1


def day(year, month, number):
    return datetime.date(year, month, number)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def data(db):
    first = factories.SchemeYearFactory(year=FIRST)
    scheme = first.scheme
    SchemeYear.objects.create(scheme=scheme, year=LAST, report_due_date=day(LAST + 1, 1, 23))
    caseworker = factories.caseworker(scheme.administrator)
    found = {"scheme": scheme, "caseworker": caseworker}
    for number, starts_on in ((1, day(FIRST, 1, 1)), (2, day(FIRST, 10, 1))):
        mentor_org = factories.OrganisationFactory(kind="mentor", name=f"Mentor {number}")
        participant = factories.OrganisationFactory(kind="participant", name=f"Deltaker {number}")
        services.save_offer(caseworker, mentor_org, capacity=1)
        found[f"mentor_{number}"] = factories.member_of(mentor_org, role="contact")
        found[f"member_{number}"] = factories.member_of(participant)
        found[f"p{number}"] = services.create_pairing(
            caseworker, scheme, mentor_org, [participant], starts_on=starts_on
        )
    meetings = {
        1: [(day(FIRST, 2, 10), "mentor"), (day(FIRST, 3, 10), "mentor"),
            (day(FIRST, 4, 14), "mentor"), (day(FIRST, 6, 9), "participant"),
            (day(FIRST, 9, 8), "participant"), (day(FIRST, 11, 10), "both"),
            (day(LAST, 11, 2), None), (day(LAST, 11, 23), None)],
        2: [(day(FIRST, 11, 15), "mentor"), (day(LAST, 2, 3), "participant"),
            (day(LAST, 3, 3), "participant"), (day(LAST, 4, 7), "both"),
            (day(LAST, 6, 2), "both"), (day(LAST, 9, 1), "both"), (day(LAST, 11, 3), "both")],
    }  # fmt: skip
    for number, held in meetings.items():
        for held_on, initiative in held:
            extra = {"initiative": initiative} if initiative else {}
            services.log_meeting(
                found[f"mentor_{number}"], found[f"p{number}"], held_on=held_on, mode="digital",
                duration_minutes=60, attendees="Kari og Ola", summary="Møte.", **extra,
            )  # fmt: skip
    called_off = [
        (1, day(FIRST, 1, 20), "cancelled", "participant", None),
        (1, day(FIRST, 8, 11), "postponed", "mentor", day(FIRST, 9, 8)),
        (1, day(LAST, 10, 5), "cancelled", "mentor", None),
        (2, day(LAST, 5, 5), "postponed", "participant", day(LAST, 6, 2)),
        # Planned after the period: counted nowhere in it.
        (2, timezone.localdate(), "cancelled", "mentor", None),
    ]
    for number, planned_on, outcome, side, new_date in called_off:
        services.call_off_meeting(
            found[f"member_{number}"], found[f"p{number}"], planned_on=planned_on,
            outcome=outcome, by_side=side, new_date=new_date,
        )  # fmt: skip
    answers = [
        ("member_1", 1, "midpoint", 2), ("member_2", 2, "midpoint", 5),
        ("mentor_1", 1, "midpoint", 4), ("mentor_2", 2, "midpoint", None),
        ("member_1", 1, "end", 3),
    ]  # fmt: skip
    for who, number, kind, clarity in answers:
        answer = services.answer_check_in(
            found[who], found[f"p{number}"], kind, usefulness=4, cooperation=4, progress=3,
            clarity=clarity,
        )  # fmt: skip
        answered = day(LAST, 6, 1) if kind == "midpoint" else day(LAST, 12, 10)
        moment = timezone.make_aware(datetime.datetime.combine(answered, datetime.time(12)))
        CheckIn.objects.filter(pk=answer.pk).update(answered_at=moment)
    return found


def whole(as_of=None):
    return Period.years(FIRST, LAST, as_of)


def test_meetings_held_postponed_and_cancelled_per_year_and_by_side(data):
    rows = meeting_process(data["scheme"], whole())
    assert [(r.year, r.held, r.postponed, r.cancelled, r.by_participants, r.by_mentors)
            for r in rows] == [(FIRST, 7, 1, 1, 1, 1), (LAST, 8, 1, 1, 1, 1)]  # fmt: skip
    # Held is the figure "Mentor meetings" counts everywhere else.
    figures = evaluation_figures(data["scheme"], whole())
    assert [row.held for row in rows] == [row.meetings for row in figures.years]
    assert figures.meeting_process == rows


def test_the_as_of_date_cuts_the_last_year(data):
    rows = meeting_process(data["scheme"], whole(day(LAST, 6, 30)))
    assert [(r.year, r.held, r.postponed, r.cancelled, r.by_participants, r.by_mentors)
            for r in rows] == [(FIRST, 7, 1, 1, 1, 1), (LAST, 4, 1, 0, 1, 0)]  # fmt: skip


def test_initiative_shares_leave_out_meetings_not_recorded(data):
    rows = {row.initiative: (row.meetings, row.share)
            for row in initiative_shares(data["scheme"], whole())}  # fmt: skip
    # Recorded: 13 (mentor 4, participant 4, both 5); not recorded: P1's two in L.
    assert rows == {"participant": (4, 31), "mentor": (4, 31), "both": (5, 38),
                    "unknown": (2, None)}  # fmt: skip
    first_year = {row.initiative: (row.meetings, row.share)
                  for row in initiative_shares(data["scheme"], Period.year(FIRST))}  # fmt: skip
    assert first_year == {"participant": (2, 29), "mentor": (4, 57), "both": (1, 14)}


def test_clarity_averages_per_check_in_and_side_and_small_groups(data):
    scheme = data["scheme"]
    scheme.smallest_group = 1
    rows = {(r.kind, r.side): (r.answers, r.average)
            for r in clarity_of_expectations(scheme, whole())}  # fmt: skip
    assert rows == {
        ("midpoint", "participant"): (2, 3.5), ("midpoint", "mentor"): (1, 4.0),
        ("end", "participant"): (1, 3.0), ("end", "mentor"): (0, None),
    }  # fmt: skip
    scheme.smallest_group = 3  # the default: groups of one or two are too small to show
    with translation.override("en"):
        shown = {(r.kind, r.side): (r.answers_shown, r.average_shown)
                 for r in clarity_of_expectations(scheme, whole())}  # fmt: skip
    assert shown == {
        ("midpoint", "participant"): ("fewer than 3", None),
        ("midpoint", "mentor"): ("fewer than 3", None),
        ("end", "participant"): ("fewer than 3", None),
        ("end", "mentor"): (0, None),
    }
    scheme.smallest_group = 2
    shown = {(r.kind, r.side): (r.answers_shown, r.average_shown)
             for r in clarity_of_expectations(scheme, whole())}  # fmt: skip
    assert shown[("midpoint", "participant")] == (2, 3.5)
    # Answers before the period's first day do not count.
    assert clarity_of_expectations(scheme, Period.year(FIRST))[0].answers == 0


def test_health_at_the_end_of_each_year_pro_rates_a_mid_year_start(data):
    rows = health_at_year_ends(data["scheme"], whole())
    assert [(row.year, row.day) for row in rows] == [
        (FIRST, day(FIRST, 12, 31)), (LAST, day(LAST, 12, 31))
    ]  # fmt: skip
    # F: P1 held 6 (expected 5 by the pages' rule), P2 held 1 of 6 x 91/365 -> 1 expected.
    assert rows[0].health == {Health.AT_RISK: 0, Health.BEHIND: 0, Health.ON_TRACK: 2,
                              Health.NOT_RUNNING: 0}  # fmt: skip
    # Unpro-rated (the pages' rule on the day) P2 would be behind: 1 of 5.
    unprorated = define.health(Pairing.objects.all(), Period.year(FIRST))
    assert unprorated[Health.BEHIND] == 1 and unprorated[Health.ON_TRACK] == 1
    # L: P1 held 2 (behind, met within 60 days), P2 held 6 (on track).
    assert rows[1].health[Health.BEHIND] == 1 and rows[1].health[Health.ON_TRACK] == 1
    assert rows[1].counts == [0, 1, 1, 0] and rows[1].pairings == 2
    # Read on 30 June of L when the figures are as of then: P1 held none this year and had
    # not met since 10 November (at risk), P2 held four.
    mid = health_at_year_ends(data["scheme"], whole(day(LAST, 6, 30)))
    assert mid[1].day == day(LAST, 6, 30)
    assert mid[1].health[Health.AT_RISK] == 1 and mid[1].health[Health.ON_TRACK] == 1
    # No row for a year the as-of date has not reached.
    assert [row.year for row in health_at_year_ends(data["scheme"], whole(day(FIRST, 6, 1)))] == [
        FIRST
    ]


def test_the_pro_rating_counts_the_days_from_a_mid_year_start(data):
    """minimum x days from the start to the day / days in the year, rounded down."""
    end = day(FIRST, 12, 31)
    pairings = Pairing.objects.all()
    rows = dict(
        pairings.annotate(elapsed=prorated_elapsed(pairings, end)).values_list("pk", "elapsed")
    )
    assert health_as_of(pairings, end, prorate=True).filter(health_rank=2).count() == 2
    assert rows == {data["p1"].pk: (end - day(FIRST, 1, 1)).days, data["p2"].pk: 91}
    assert 6 * 91 // (366 if FIRST % 4 == 0 else 365) == 1


def test_every_new_figure_has_a_written_definition():
    with translation.override("en"):
        terms = {str(term) for term, _text in DEFINITIONS}
    assert {"Postponed and cancelled meetings", "Initiative", "Clarity of expectations",
            "Health at the end of each year"} <= terms  # fmt: skip


def test_the_evaluation_summary_has_the_mentoring_process_section(data):
    admin = factories.UserFactory(is_superuser=True)
    with translation.override("en"):
        content, _name = builder_for("evaluation").make(
            admin, {"scheme": data["scheme"].pk}, lambda percent, step="": None
        )
    text = " ".join(extract_text(io.BytesIO(content)).split())
    assert "Mentoring process" in text
    assert "Meetings held, postponed and cancelled per year (number of meetings)" in text
    assert "Who took the initiative to the meetings held" in text
    assert "How clear were the expectations between you?" in text
    assert "fewer than 3" in text
    assert "Health at the end of each year (number of pairings" in text
    assert "Clarity of expectations" in text  # the definition under "About the figures"
    assert outside_the_page(content) == []
