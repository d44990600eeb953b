"""The weekly reminder to pairings that are behind on meetings (services.send_behind_reminders
and the Celery beat task that runs it)."""

import datetime

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

from mentoring import services, tasks
from mentoring.models import BehindReminder, PairingStatus
from scheme.models import Notification, User
from tests import factories
from tests.mentoring.conftest import meet

D = datetime.date
MONDAY = D(2023, 3, 6)  # ISO week 2023-W10; one meeting expected, none held
SUNDAY = D(2023, 3, 12)  # the same ISO week
NEXT_MONDAY = D(2023, 3, 13)


def reminders(user):
    return list(Notification.objects.filter(recipient=user, subject="Time for a mentor meeting"))


@pytest.fixture
def pair(caseworker, scheme_year, mentor_org, offer, participant, member, mentor):
    """A pairing that started on 1 February 2023 and has not met; its people read English."""
    User.objects.filter(pk__in=[member.pk, mentor.pk, caseworker.pk]).update(language="en")
    return services.create_pairing(
        caseworker, scheme_year.scheme, mentor_org, [participant], starts_on=D(2023, 2, 1)
    )


def another_pairing(caseworker, scheme_year, name):
    mentor_org = factories.OrganisationFactory(kind="mentor", name=name)
    services.save_offer(caseworker, mentor_org, capacity=1)
    mentor = factories.member_of(mentor_org)
    participant = factories.OrganisationFactory(kind="participant")
    member = factories.member_of(participant)
    pairing = services.create_pairing(
        caseworker, scheme_year.scheme, mentor_org, [participant], starts_on=D(2023, 2, 1)
    )
    return pairing, mentor, member


def test_both_sides_of_a_pairing_behind_are_reminded(
    pair, mentor, member, caseworker, mentor_org, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.send_behind_reminders(today=MONDAY)
    assert sent == 1
    for person in (mentor, member):
        [notice] = reminders(person)
        assert notice.body == (
            "You have had 0 of the 1 meetings expected by now this year (6 a year). "
            f"{mentor_org.name} is asked to book the next one."
        )
        assert notice.email_to == person.email
    assert reminders(caseworker) == []
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted([mentor.email, member.email])
    assert list(BehindReminder.objects.values_list("pairing", "week")) == [(pair.pk, "2023-W10")]


def test_once_a_week_however_often_it_runs(pair, mentor, member):
    assert services.send_behind_reminders(today=MONDAY) == 1
    assert services.send_behind_reminders(today=MONDAY) == 0
    assert services.send_behind_reminders(today=SUNDAY) == 0
    assert len(reminders(mentor)) == len(reminders(member)) == 1
    # Again the next week, while the pairing is still behind.
    assert services.send_behind_reminders(today=NEXT_MONDAY) == 1
    assert len(reminders(mentor)) == len(reminders(member)) == 2
    assert BehindReminder.objects.filter(pairing=pair).count() == 2


def test_a_pairing_at_risk_for_its_silence_is_reminded(pair, mentor, member, participant):
    # 61 days without a meeting and behind: at risk.
    assert services.send_behind_reminders(today=D(2023, 4, 3)) == 1
    [notice] = reminders(member)
    assert "0 of the 1 meetings" in notice.body


def test_the_reminder_names_who_should_book(pair, mentor, member, participant):
    services.confirm_meeting(member, meet(mentor, pair, D(2023, 2, 10)))
    # Two meetings expected from 3 May; the mentor logged the last one, so the participant books.
    services.send_behind_reminders(today=D(2023, 5, 8))
    [notice] = reminders(mentor)
    assert notice.body.endswith(f"{participant.name} is asked to book the next one.")
    assert "1 of the 2 meetings" in notice.body


def test_a_group_is_reminded_on_every_side(caseworker, scheme_year):
    mentor_org = factories.OrganisationFactory(kind="mentor", name="Gruppementor")
    services.save_offer(caseworker, mentor_org, capacity=3)
    participants = [factories.OrganisationFactory(kind="participant") for _ in range(3)]
    people = [factories.member_of(o) for o in [mentor_org, *participants]]
    services.create_pairing(
        caseworker, scheme_year.scheme, mentor_org, participants, starts_on=D(2023, 2, 1)
    )
    assert services.send_behind_reminders(today=MONDAY) == 1
    for person in people:
        assert Notification.objects.filter(recipient=person).count() == 2  # paired + reminder


def test_pairings_on_track_are_left_alone(pair, mentor, member):
    meet(mentor, pair, D(2023, 3, 1))
    assert services.send_behind_reminders(today=MONDAY) == 0
    assert reminders(mentor) == reminders(member) == []
    assert not BehindReminder.objects.exists()


def test_a_flag_alone_is_not_a_reason_to_book_a_meeting(pair, mentor, member):
    # On track with meetings, at risk for an open flag: the caseworker follows the flag up.
    meet(mentor, pair, D(2023, 3, 1))
    services.raise_flag(member, pair, "Vi er uenige om målene.")
    assert services.send_behind_reminders(today=MONDAY) == 0
    assert reminders(mentor) == []


@pytest.mark.parametrize("status", [PairingStatus.PAUSED, PairingStatus.ENDED])
def test_paused_and_ended_pairings_are_left_alone(pair, caseworker, mentor, status):
    services.set_status(caseworker, pair, status, reason="Pause.")
    assert services.send_behind_reminders(today=MONDAY) == 0
    assert reminders(mentor) == []


def test_a_replaced_pairing_is_left_alone_and_its_successor_is_judged_on_its_own(
    pair, caseworker, mentor, other_mentor_org, other_mentor
):
    services.replace_mentor(
        caseworker, pair, other_mentor_org, reason="Bytte.", starts_on=D(2023, 3, 1)
    )
    assert services.send_behind_reminders(today=MONDAY) == 1
    assert reminders(mentor) == []
    assert len(Notification.objects.filter(recipient=other_mentor)) == 2  # paired + reminder


def test_only_the_pairings_behind_are_counted(pair, caseworker, scheme_year, mentor):
    on_track, on_track_mentor, _member = another_pairing(caseworker, scheme_year, "I rute")
    meet(on_track_mentor, on_track, D(2023, 3, 1))
    behind, behind_mentor, _member = another_pairing(caseworker, scheme_year, "Bak")
    before = Notification.objects.filter(recipient=on_track_mentor).count()
    assert services.send_behind_reminders(today=MONDAY) == 2
    assert set(BehindReminder.objects.values_list("pairing", flat=True)) == {pair.pk, behind.pk}
    assert Notification.objects.filter(recipient=on_track_mentor).count() == before
    assert Notification.objects.filter(recipient=behind_mentor).count() == 2  # paired + reminder


def test_the_celery_task_runs_the_reminders(pair, mentor, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: MONDAY)
    assert tasks.send_behind_reminders.delay().get() == 1
    assert len(reminders(mentor)) == 1
    assert tasks.send_behind_reminders.delay().get() == 0


def test_celery_beat_runs_the_reminders_every_week():
    assert tasks.send_behind_reminders.name == "mentoring.tasks.send_behind_reminders"
    [entry] = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "mentoring.tasks.send_behind_reminders"
    ]
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert len(schedule.day_of_week) == 1  # one day a week
    assert len(schedule.hour) == 1 and len(schedule.minute) == 1  # once that day
