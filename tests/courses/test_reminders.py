"""The reminder the day before an event: sent from Celery beat to each registered person (or to
whoever registered them), once per registration however often it runs, and never for what
was cancelled."""

import datetime
import zoneinfo

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.utils import timezone

from courses import services, tasks
from courses.models import EventReminder
from scheme.models import Notification
from tests import factories

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")


def event_on(caseworker, scheme_year, day, hour=9, minute=0, **fields):
    starts = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=OSLO)
    values = {
        "scheme_year": scheme_year,
        "kind": "gathering",
        "audience": "participants",
        "title": f"Samling {day:%d.%m}",
        "starts_at": starts,
        "ends_at": starts + datetime.timedelta(hours=6),
        "place": "Oslo, Tøyen",
        "registration_deadline": timezone.localdate(),
    }
    values.update(fields)
    return services.save_event(caseworker, **values)


def reminded():
    return sorted((n.recipient.email, n.subject) for n in Notification.objects.all())


@pytest.fixture
def day():
    """The day of the event, a week from now."""
    return timezone.localdate() + datetime.timedelta(days=7)


@pytest.fixture
def event(caseworker, scheme_year, day):
    return event_on(caseworker, scheme_year, day, title="Fellessamling i Oslo")


@pytest.fixture
def colleague(participant):
    return factories.member_of(participant, role="member", full_name="Kari Kollega")


def test_the_reminder_goes_out_the_day_before_only(event, day, member, participant):
    services.register(member, event, participant, person_name="Ola")
    assert services.send_event_reminders(day - datetime.timedelta(days=2)) == 0
    assert services.send_event_reminders(day) == 0
    assert Notification.objects.count() == 0
    assert services.send_event_reminders(day - datetime.timedelta(days=1)) == 1
    notification = Notification.objects.get()
    assert notification.subject == "Tomorrow: Fellessamling i Oslo"
    assert notification.body == (
        "Ola is registered for Fellessamling i Oslo tomorrow at 09:00. Oslo, Tøyen"
    )
    assert notification.url.endswith(f"/{event.pk}/")


def test_each_registration_is_reminded_once_however_often_it_runs(
    caseworker, event, day, member, participant, colleague
):
    services.register(member, event, participant, person_name="Ola")
    the_day_before = day - datetime.timedelta(days=1)
    assert services.send_event_reminders(the_day_before) == 1
    assert services.send_event_reminders(the_day_before) == 0
    # Someone registered after the first run is reminded by the next one, and only they are.
    services.register(member, event, participant, person_name="Kari Kollega", person=colleague)
    assert services.send_event_reminders(the_day_before) == 1
    assert services.send_event_reminders(the_day_before) == 0
    assert EventReminder.objects.count() == 2
    assert reminded() == sorted(
        [
            (colleague.email, "Tomorrow: Fellessamling i Oslo"),
            (member.email, "Tomorrow: Fellessamling i Oslo"),
        ]
    )


def test_the_reminder_goes_to_the_person_or_to_whoever_registered_them(
    event, day, member, participant, colleague
):
    services.register(member, event, participant, person_name="Kari Kollega", person=colleague)
    services.register(member, event, participant, person_name="Ola uten innlogging")
    assert services.send_event_reminders(day - datetime.timedelta(days=1)) == 2
    bodies = {n.recipient.email: n.body for n in Notification.objects.all()}
    assert bodies[colleague.email].startswith("Kari Kollega is registered")
    assert bodies[member.email].startswith("Ola uten innlogging is registered")


def test_no_reminder_for_cancelled_registrations_or_events(
    caseworker, scheme_year, event, day, member, participant
):
    dropped = services.register(member, event, participant, person_name="Ola")
    services.cancel_registration(member, dropped)
    other = event_on(caseworker, scheme_year, day, hour=12, title="Avlyst samling")
    services.register(member, other, participant, person_name="Per")
    services.cancel_event(caseworker, other, "For få påmeldte.")
    Notification.objects.all().delete()  # the notice of the cancellation itself
    assert services.send_event_reminders(day - datetime.timedelta(days=1)) == 0
    assert not Notification.objects.exists() and not EventReminder.objects.exists()


def test_the_day_before_is_counted_in_oslo_time(caseworker, scheme_year, day, member, participant):
    """At half past midnight in Oslo it is still the day before in UTC."""
    late = event_on(caseworker, scheme_year, day, hour=0, minute=30, title="Nattmøte")
    services.register(member, late, participant, person_name="Ola")
    assert services.send_event_reminders(day - datetime.timedelta(days=2)) == 0
    assert services.send_event_reminders(day - datetime.timedelta(days=1)) == 1
    assert "tomorrow at 00:30" in Notification.objects.get().body


def test_a_digital_event_gives_its_meeting_link(caseworker, scheme_year, day, member, participant):
    course = event_on(
        caseworker,
        scheme_year,
        day,
        hour=18,
        kind="course",
        title="Kurs i kommunikasjon",
        is_digital=True,
        place="",
        meeting_link="https://teams.example/kurs",
    )
    services.register(member, course, participant, person_name="Ola")
    services.send_event_reminders(day - datetime.timedelta(days=1))
    assert Notification.objects.get().body.endswith("at 18:00. https://teams.example/kurs")


def test_the_reminder_is_e_mailed(
    event, day, member, participant, django_capture_on_commit_callbacks
):
    services.register(member, event, participant, person_name="Ola")
    with django_capture_on_commit_callbacks(execute=True):
        services.send_event_reminders(day - datetime.timedelta(days=1))
    assert [message.to for message in mail.outbox] == [[member.email]]
    assert mail.outbox[0].subject == "Tomorrow: Fellessamling i Oslo"


def test_celery_beat_runs_the_task_every_day(caseworker, scheme_year, member, participant):
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "courses.tasks.send_event_reminders"
    ]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    assert isinstance(schedule, crontab)
    assert schedule.day_of_week == set(range(7)) and len(schedule.hour) == 1
    assert tasks.send_event_reminders.name == "courses.tasks.send_event_reminders"
    tomorrow = event_on(caseworker, scheme_year, timezone.localdate() + datetime.timedelta(days=1))
    services.register(member, tomorrow, participant, person_name="Ola")
    assert tasks.send_event_reminders.delay().get() == 1  # today is the day before
    assert tasks.send_event_reminders.delay().get() == 0
