"""The health rule of mentoring/progress.py at its boundaries, and who is due to act next.

Every test fixes ``today`` and builds the pairing's history through the services with dates in
the past (pairings start in 2022 or 2023, long before the real today).
"""

import datetime

import pytest

from mentoring import services
from mentoring.models import Pairing, PairingStatus
from mentoring.progress import (
    AT_RISK_SILENCE_DAYS,
    HEALTH_ORDER,
    NUDGE_SILENCE_DAYS,
    RISKIEST_FIRST,
    Health,
    expected_meetings,
    health_as_of,
    progress,
    with_progress_data,
)
from tests import factories
from tests.mentoring.conftest import meet

D = datetime.date


def state(pairing, today, minimum=6):
    annotated = (
        with_progress_data(Pairing.objects.filter(pk=pairing.pk), today)
        .prefetch_related("members__organisation")
        .get()
    )
    return progress(annotated, today, minimum)


@pytest.fixture
def pair(caseworker, scheme_year, mentor_org, offer, participant, member, mentor):
    """A pairing that started on 1 February 2023 (agreement: 6 meetings a year)."""
    return services.create_pairing(
        caseworker, scheme_year.scheme, mentor_org, [participant], starts_on=D(2023, 2, 1)
    )


def meetings(actor, pairing, *dates, confirm_by=None):
    for day in dates:
        meeting = meet(actor, pairing, day)
        if confirm_by is not None:
            services.confirm_meeting(confirm_by, meeting)


# --- the yearly minimum pro-rated to today ----------------------------------------------------


@pytest.mark.parametrize(
    "minimum, today, expected",
    [
        (6, D(2023, 1, 1), 0),
        (6, D(2023, 2, 28), 0),
        # 6 a year: the first meeting is expected once a sixth of the year has passed
        # (61 of 365 days: from 3 March; in a leap year 61 of 366 days: from 2 March).
        (6, D(2023, 3, 2), 0),
        (6, D(2023, 3, 3), 1),
        (6, D(2024, 3, 1), 0),
        (6, D(2024, 3, 2), 1),
        (6, D(2023, 5, 2), 1),
        (6, D(2023, 5, 3), 2),
        (6, D(2023, 7, 2), 2),
        (6, D(2023, 7, 3), 3),
        # five by early November (305 days passed: 2 November, or 1 November in a leap year)
        (6, D(2023, 11, 1), 4),
        (6, D(2023, 11, 2), 5),
        (6, D(2024, 10, 31), 4),
        (6, D(2024, 11, 1), 5),
        # On the last day of the year the sixth meeting may still be held that day.
        (6, D(2023, 12, 31), 5),
        (6, D(2024, 12, 31), 5),
        (4, D(2023, 7, 2), 1),
        (4, D(2023, 7, 3), 2),
        (12, D(2023, 1, 31), 0),
        (12, D(2023, 2, 1), 1),
        (0, D(2023, 12, 31), 0),
    ],
)
def test_expected_meetings(minimum, today, expected):
    assert expected_meetings(minimum, today) == expected


# --- behind, at risk, on track -----------------------------------------------------------------


def test_behind_exactly_when_fewer_meetings_than_expected(pair, mentor):
    # Nothing expected yet: on track without a meeting.
    assert state(pair, D(2023, 3, 2)).health == Health.ON_TRACK
    # One expected from 3 March (30 days since the start: behind, not yet at risk).
    on_the_3rd = state(pair, D(2023, 3, 3))
    assert (on_the_3rd.meetings_this_year, on_the_3rd.expected_by_now) == (0, 1)
    assert on_the_3rd.health == Health.BEHIND
    meet(mentor, pair, D(2023, 2, 20))
    assert state(pair, D(2023, 3, 3)).health == Health.ON_TRACK
    # Two expected from 3 May, three from 3 July.
    meet(mentor, pair, D(2023, 5, 20))
    assert state(pair, D(2023, 7, 2)).health == Health.ON_TRACK
    july = state(pair, D(2023, 7, 3))
    assert (july.meetings_this_year, july.expected_by_now) == (2, 3)
    assert july.health == Health.BEHIND
    meet(mentor, pair, D(2023, 6, 20))
    assert state(pair, D(2023, 7, 3)).health == Health.ON_TRACK


def test_at_risk_when_behind_and_silent_for_60_days(pair, mentor):
    last = D(2023, 3, 10)
    meet(mentor, pair, last)
    day_59 = last + datetime.timedelta(days=AT_RISK_SILENCE_DAYS - 1)
    day_60 = last + datetime.timedelta(days=AT_RISK_SILENCE_DAYS)
    assert AT_RISK_SILENCE_DAYS == 60
    before = state(pair, day_59)
    assert (before.expected_by_now, before.meetings_this_year) == (2, 1)
    assert before.days_since_last == 59
    assert before.health == Health.BEHIND
    after = state(pair, day_60)
    assert after.days_since_last == 60
    assert after.health == Health.AT_RISK


def test_silence_alone_is_not_a_risk_while_on_track(pair, mentor):
    meetings(mentor, pair, D(2023, 2, 2), D(2023, 2, 3))
    # Two meetings cover the expectation until 3 May: 85 silent days are on track.
    later = state(pair, D(2023, 4, 29))
    assert later.days_since_last == 85
    assert later.health == Health.ON_TRACK


def test_never_met_counts_the_silence_from_the_start(caseworker, scheme_year, offer, mentor_org):
    participant = factories.OrganisationFactory(kind="participant")
    start = D(2023, 2, 1)
    pairing = services.create_pairing(
        caseworker, scheme_year.scheme, mentor_org, [participant], starts_on=start
    )
    day_59 = start + datetime.timedelta(days=59)  # 1 April: one meeting expected
    day_60 = start + datetime.timedelta(days=60)
    assert state(pairing, day_59).days_since_last is None
    assert state(pairing, day_59).health == Health.BEHIND
    assert state(pairing, day_60).health == Health.AT_RISK


def test_last_years_meetings_do_not_count_this_year(caseworker, scheme_year, offer, mentor_org):
    participant = factories.OrganisationFactory(kind="participant")
    mentor = factories.member_of(mentor_org)
    pairing = services.create_pairing(
        caseworker, scheme_year.scheme, mentor_org, [participant], starts_on=D(2022, 1, 10)
    )
    meetings(mentor, pairing, *(D(2022, month, 15) for month in (2, 4, 6, 8, 10, 12)))
    new_year = state(pairing, D(2023, 1, 2))
    assert new_year.meetings_this_year == 0
    assert new_year.health == Health.ON_TRACK
    # The silence runs on from December: 78 days on 3 March, when one meeting is expected.
    march = state(pairing, D(2023, 3, 3))
    assert march.days_since_last == 78
    assert march.health == Health.AT_RISK


def test_an_open_flag_puts_a_pairing_on_track_at_risk(pair, mentor, member, caseworker):
    meet(mentor, pair, D(2023, 2, 10))
    today = D(2023, 3, 10)
    assert state(pair, today).health == Health.ON_TRACK
    flag = services.raise_flag(member, pair, "Vi får ikke til møtetider.")
    flagged = state(pair, today)
    assert flagged.open_flags == 1
    assert flagged.health == Health.AT_RISK
    services.resolve_flag(caseworker, flag, "Avklart.")
    resolved = state(pair, today)
    assert resolved.open_flags == 0
    assert resolved.health == Health.ON_TRACK


def test_an_open_poor_fit_puts_a_pairing_at_risk(pair, mentor, member, caseworker):
    meet(mentor, pair, D(2023, 2, 10))
    today = D(2023, 3, 10)
    services.answer_check_in(mentor, pair, "first", good_fit=True)
    assert state(pair, today).health == Health.ON_TRACK
    answer = services.answer_check_in(member, pair, "first", good_fit=False)
    poor = state(pair, today)
    assert poor.poor_fit_open
    assert poor.health == Health.AT_RISK
    services.follow_up_check_in(caseworker, answer)
    followed_up = state(pair, today)
    assert not followed_up.poor_fit_open
    assert followed_up.health == Health.ON_TRACK


@pytest.mark.parametrize("status", [PairingStatus.PAUSED, PairingStatus.ENDED])
def test_paused_and_ended_pairings_are_not_running(pair, member, caseworker, status):
    services.raise_flag(member, pair, "Det stopper opp.")
    services.set_status(caseworker, pair, status, reason="Pause i arbeidet.")
    stopped = state(pair, D(2023, 9, 1))
    assert stopped.health == Health.NOT_RUNNING
    assert stopped.next_to_act is None
    assert stopped.next_action == ""


def test_a_replaced_pairing_is_not_running(pair, caseworker, other_mentor_org):
    new = services.replace_mentor(
        caseworker, pair, other_mentor_org, reason="Bytte.", starts_on=D(2023, 6, 1)
    )
    assert state(pair, D(2023, 9, 1)).health == Health.NOT_RUNNING
    # The new pairing is judged on its own (never met: silent since 1 June).
    assert state(new, D(2023, 9, 1)).health == Health.AT_RISK


def test_the_agreements_minimum_wins_over_the_schemes(caseworker, scheme_year, mentor_org, offer):
    factories.SchemeYearFactory(scheme=scheme_year.scheme, year=2023, min_mentor_meetings=12)
    participant = factories.OrganisationFactory(kind="participant")
    pairing = services.create_pairing(
        caseworker, scheme_year.scheme, mentor_org, [participant], starts_on=D(2023, 1, 2)
    )
    assert pairing.agreement.min_meetings == 12
    # The scheme's 6 a year (passed in) gives way to the agreement's 12: behind on 1 February.
    february = state(pairing, D(2023, 2, 1), minimum=6)
    assert february.minimum == 12
    assert february.expected_by_now == 1
    assert february.health == Health.BEHIND


def test_the_figures_of_a_pairing(pair, mentor, member, participant, mentor_org):
    meet(mentor, pair, D(2023, 2, 10))
    meet(
        mentor,
        pair,
        D(2023, 4, 1),
        tasks=[
            ("Send budsjettet", participant, D(2023, 4, 10)),
            ("Les vedtektene", participant, D(2023, 5, 1)),
            ("Finn en revisor", mentor_org, D(2023, 4, 5)),
        ],
    )
    done = pair.tasks.get(title="Finn en revisor")
    services.complete_task(mentor, done)
    figures = state(pair, D(2023, 4, 20))
    assert figures.meetings_this_year == 2
    assert figures.minimum == 6
    assert figures.expected_by_now == 1
    assert figures.days_since_last == 19
    assert figures.open_tasks == 2
    assert figures.overdue_tasks == 1


def test_the_pairing_keeps_the_meeting_figures_the_rule_reads(pair, mentor, member):
    """``last_meeting_on`` and ``meetings_that_year`` are stored by the meeting service; they
    give the same health as counting the meetings (the reports' ``health_as_of``)."""

    def figures():
        pair.refresh_from_db(fields=["last_meeting_on", "meetings_that_year"])
        return pair.last_meeting_on, pair.meetings_that_year

    def counted(day):
        row = health_as_of(Pairing.objects.filter(pk=pair.pk), day).get()
        return row.meetings_this_year, row.health_rank

    def read(day):
        shown = state(pair, day)
        return shown.meetings_this_year, HEALTH_ORDER.index(shown.health)

    assert figures() == (None, 0)
    meet(mentor, pair, D(2023, 3, 1))
    assert figures() == (D(2023, 3, 1), 1)
    meet(member, pair, D(2023, 2, 10))  # logged later, held earlier the same year
    assert figures() == (D(2023, 3, 1), 2)
    assert read(D(2023, 7, 3)) == counted(D(2023, 7, 3)) == (2, HEALTH_ORDER.index("at_risk"))
    meet(mentor, pair, D(2024, 1, 5))  # a new year counts from its own meetings
    assert figures() == (D(2024, 1, 5), 1)
    meet(mentor, pair, D(2023, 12, 1))  # a meeting of last year logged late
    assert figures() == (D(2024, 1, 5), 1)
    # A postponed or cancelled meeting is not a meeting.
    services.call_off_meeting(
        member, pair, planned_on=D(2024, 1, 20), outcome="cancelled", by_side="participant"
    )
    assert figures() == (D(2024, 1, 5), 1)
    assert read(D(2024, 3, 1)) == counted(D(2024, 3, 1)) == (1, HEALTH_ORDER.index("on_track"))
    # A new year with no meeting yet: none this year, and the silence runs on from January.
    assert read(D(2025, 3, 7)) == counted(D(2025, 3, 7)) == (0, HEALTH_ORDER.index("at_risk"))
    # Meetings go with their pairing only (no service deletes one).
    assert not Pairing.objects.filter(meetings_that_year__gt=0, last_meeting_on=None).exists()


# --- who acts next --------------------------------------------------------------------------


def test_an_unconfirmed_meeting_waits_for_the_other_side(pair, mentor, member, participant):
    meet(mentor, pair, D(2023, 2, 10))
    waiting = state(pair, D(2023, 2, 15))
    assert waiting.next_to_act == participant
    assert str(waiting.next_action) == "confirm the meeting of 10.02.2023"


def test_a_meeting_the_participant_logged_waits_for_the_mentor(pair, member, mentor_org):
    meet(member, pair, D(2023, 2, 10))
    assert state(pair, D(2023, 2, 15)).next_to_act == mentor_org


def test_in_a_group_the_mentor_or_a_participant_that_took_part_confirms(group):
    meet(group.members[1], group.pairing, group.pairing.starts_on)
    today = group.pairing.starts_on + datetime.timedelta(days=1)
    assert state(group.pairing, today).next_to_act == group.mentor_org
    other = group.pairing.meetings.get()
    services.confirm_meeting(group.mentor, other)
    # Not the first participant of the group: the one that was in the meeting.
    took_part = group.participants[2]
    meet(group.mentor, group.pairing, group.pairing.starts_on, participants=[took_part])
    assert state(group.pairing, today).next_to_act == took_part


def test_an_overdue_task_waits_for_its_owner(pair, mentor, member, participant, mentor_org):
    meeting = meet(
        mentor,
        pair,
        D(2023, 2, 10),
        tasks=[
            ("Finn en revisor", mentor_org, D(2023, 2, 20)),
            ("Send", participant, D(2023, 3, 1)),
        ],
    )
    services.confirm_meeting(member, meeting)
    # Nothing is overdue on the due day itself.
    assert state(pair, D(2023, 2, 20)).next_to_act is None
    late = state(pair, D(2023, 2, 21))
    assert late.next_to_act == mentor_org
    assert str(late.next_action) == "finish an overdue task"
    services.complete_task(mentor, pair.tasks.get(owner=mentor_org))
    assert state(pair, D(2023, 3, 2)).next_to_act == participant


def test_an_unconfirmed_meeting_comes_before_an_overdue_task(pair, mentor, member, mentor_org):
    meet(mentor, pair, D(2023, 2, 10), tasks=[("Finn en revisor", mentor_org, D(2023, 2, 12))])
    meet(mentor, pair, D(2023, 2, 14))
    assert state(pair, D(2023, 2, 20)).next_to_act != mentor_org


def test_the_side_that_did_not_log_the_last_meeting_books_the_next(
    pair, mentor, member, participant, mentor_org
):
    # Never met and behind: the mentor books.
    assert state(pair, D(2023, 3, 3)).next_to_act == mentor_org
    assert str(state(pair, D(2023, 3, 3)).next_action) == "book the next meeting"
    # The mentor logged the last meeting: the participant books the next.
    meetings(mentor, pair, D(2023, 2, 10), confirm_by=member)
    assert state(pair, D(2023, 5, 3)).next_to_act == participant
    # The participant logged the last meeting: the mentor books.
    meetings(member, pair, D(2023, 4, 1), confirm_by=mentor)
    assert state(pair, D(2023, 7, 3)).next_to_act == mentor_org


def test_thirty_silent_days_ask_for_the_next_meeting_even_on_track(
    pair, mentor, member, participant
):
    meetings(mentor, pair, D(2023, 2, 2), D(2023, 2, 3), confirm_by=member)
    assert NUDGE_SILENCE_DAYS == 30
    day_29 = state(pair, D(2023, 3, 4))
    assert day_29.health == Health.ON_TRACK
    assert day_29.next_to_act is None
    assert str(day_29.next_action) == "nothing is due"
    day_30 = state(pair, D(2023, 3, 5))
    assert day_30.health == Health.ON_TRACK
    assert day_30.next_to_act == participant


# --- riskiest first -----------------------------------------------------------------------------


def test_riskiest_first(caseworker, scheme_year):
    scheme = scheme_year.scheme
    today = D(2023, 6, 1)  # two meetings expected

    def pairing_with(name, *dates, status=None):
        mentor_org = factories.OrganisationFactory(kind="mentor", name=name)
        services.save_offer(caseworker, mentor_org, capacity=1)
        mentor = factories.member_of(mentor_org)
        participant = factories.OrganisationFactory(kind="participant")
        pairing = services.create_pairing(
            caseworker, scheme, mentor_org, [participant], starts_on=D(2023, 1, 2)
        )
        meetings(mentor, pairing, *dates)
        if status:
            services.set_status(caseworker, pairing, status)
        return pairing

    paused = pairing_with("A paused", status=PairingStatus.PAUSED)
    on_track = pairing_with("B on track", D(2023, 3, 1), D(2023, 5, 1))
    behind = pairing_with("C behind", D(2023, 5, 1))
    silent_long = pairing_with("D at risk", D(2023, 2, 1))
    never_met = pairing_with("E never met")
    silent_short = pairing_with("F at risk", D(2023, 3, 20))
    also_never = pairing_with("B never met")

    ordered = list(with_progress_data(Pairing.objects.all(), today).order_by(*RISKIEST_FIRST))
    assert ordered == [
        also_never,  # at risk, never met (ties by the mentor's name)
        never_met,
        silent_long,  # at risk, 120 days silent
        silent_short,  # at risk, 73 days silent
        behind,
        on_track,
        paused,
    ]
