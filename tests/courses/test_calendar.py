""" "My calendar" and its iCalendar feed: exactly the events the person is registered for (or
registered someone for), at the right times in Europe/Oslo, valid iCalendar, reachable by
calendar apps without a login at a secret address that can be replaced."""

import datetime
import zoneinfo

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses import calendar, services
from courses.models import CalendarFeed
from tests import factories
from tests.courses.test_services import make_event, move_to_past

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")


def parse(data: bytes):
    parsed = icalendar.Calendar.from_ical(data)
    assert parsed.name == "VCALENDAR"
    assert str(parsed["version"]) == "2.0" and str(parsed["prodid"])
    return {str(entry["summary"]): entry for entry in parsed.walk("VEVENT")}


def at_oslo(year, month, day, hour):
    return datetime.datetime(year, month, day, hour, tzinfo=OSLO)


@pytest.fixture
def summer_and_winter(caseworker, scheme_year):
    """A gathering at 09:00 on a summer day (UTC+2) and a course at 18:00 in winter (UTC+1)."""
    year = timezone.localdate().year + 1
    summer = services.save_event(
        caseworker,
        scheme_year=scheme_year,
        kind="gathering",
        audience="participants",
        title="Sommersamling",
        starts_at=at_oslo(year, 6, 12, 9),
        ends_at=at_oslo(year, 6, 12, 16),
        place="Oslo, Tøyen",
        registration_deadline=datetime.date(year, 6, 1),
    )
    winter = services.save_event(
        caseworker,
        scheme_year=scheme_year,
        kind="course",
        audience="both",
        title="Vinterkurs",
        starts_at=at_oslo(year, 1, 20, 18),
        ends_at=at_oslo(year, 1, 20, 20),
        is_digital=True,
        meeting_link="https://teams.example/vinterkurs",
        registration_deadline=datetime.date(year, 1, 15),
    )
    return summer, winter


def test_the_feed_holds_exactly_the_persons_events_at_oslo_times(
    caseworker, scheme_year, summer_and_winter, member, participant
):
    summer, winter = summer_and_winter
    colleague = factories.member_of(participant, role="member", full_name="Kari Kollega")
    # Registered by the member: the gathering for a colleague, the course for themself.
    services.register(member, summer, participant, person_name="Kari Kollega", person=colleague)
    services.register(member, winter, participant, person_name="Leder", person=member)
    # Not in the member's calendar: an event nobody registered for, a cancelled registration,
    # a cancelled event, and a colleague registering someone else.
    make_event(caseworker, scheme_year, title="Ikke påmeldt")
    dropped = make_event(caseworker, scheme_year, days=12, title="Avmeldt")
    services.cancel_registration(
        member, services.register(member, dropped, participant, person_name="Ola")
    )
    cancelled = make_event(caseworker, scheme_year, days=14, title="Avlyst")
    services.register(member, cancelled, participant, person_name="Per")
    services.cancel_event(caseworker, cancelled, "Sykdom")
    by_colleague = make_event(caseworker, scheme_year, days=16, title="Kollegas påmelding")
    services.register(colleague, by_colleague, participant, person_name="Anna")

    entries = parse(calendar.ics(member))
    assert set(entries) == {"Sommersamling", "Vinterkurs"}
    gathering, course = entries["Sommersamling"], entries["Vinterkurs"]
    assert gathering["dtstart"].dt.astimezone(OSLO) == at_oslo(summer.starts_at.year, 6, 12, 9)
    assert gathering["dtend"].dt.astimezone(OSLO) == at_oslo(summer.starts_at.year, 6, 12, 16)
    assert gathering["dtstart"].dt.utcoffset() is not None  # a moment, not a floating time
    assert course["dtstart"].dt.astimezone(OSLO) == at_oslo(winter.starts_at.year, 1, 20, 18)
    assert str(gathering["location"]) == "Oslo, Tøyen"
    assert str(course["location"]) == "https://teams.example/vinterkurs"
    assert str(gathering["uid"]) != str(course["uid"])
    assert str(course["url"]).endswith(reverse("courses:event", args=[winter.pk]))
    assert str(course["url"]).startswith("http")
    # The colleague registered as a person sees the gathering, and the event they registered.
    assert set(parse(calendar.ics(colleague))) == {"Sommersamling", "Kollegas påmelding"}


def test_the_feed_keeps_past_events_and_the_page_shows_the_coming_ones(
    caseworker, gathering, member, participant, scheme_year
):
    services.register(member, gathering, participant, person_name="Kari")
    coming = make_event(caseworker, scheme_year, title="Kommende kurs")
    services.register(member, coming, participant, person_name="Kari")
    move_to_past(caseworker, gathering)
    assert set(parse(calendar.ics(member))) == {gathering.title, "Kommende kurs"}
    assert list(calendar.my_events(member)) == [coming]


def test_an_empty_calendar_is_still_valid(caseworker, evaluator):
    for user in (caseworker, evaluator):
        assert parse(calendar.ics(user)) == {}


def test_the_feed_needs_the_same_queries_for_one_event_and_many(
    caseworker, scheme_year, member, participant
):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            parse(calendar.ics(member))
        return len(captured)

    first = make_event(caseworker, scheme_year, title="Kurs 0")
    services.register(member, first, participant, person_name="Kari")
    one = queries()
    for n in range(1, 6):
        event = make_event(caseworker, scheme_year, days=10 + n, title=f"Kurs {n}")
        services.register(member, event, participant, person_name="Kari")
    assert queries() == one


# --- the secret address -------------------------------------------------------------------------


def test_the_feed_address_works_without_login_and_a_new_one_replaces_it(
    client, gathering, member, participant
):
    services.register(member, gathering, participant, person_name="Kari")
    old = services.calendar_feed_for(member).token
    assert services.calendar_feed_for(member).token == old  # the same address until renewed
    response = client.get(reverse("courses:calendar_feed", args=[old]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert set(parse(response.content)) == {gathering.title}

    new = services.calendar_feed_for(member, renew=True).token
    assert new != old and len(new) >= 32
    assert client.get(reverse("courses:calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("courses:calendar_feed", args=[new])).status_code == 200
    assert CalendarFeed.objects.filter(user=member).count() == 1


def test_renewing_before_there_is_an_address_makes_one(member):
    feed = services.calendar_feed_for(member, renew=True)
    assert CalendarFeed.objects.get(user=member).token == feed.token


def test_the_feed_of_a_deactivated_person_stops(client, member):
    token = services.calendar_feed_for(member).token
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert client.get(reverse("courses:calendar_feed", args=[token])).status_code == 404
