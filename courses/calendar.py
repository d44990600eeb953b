"""The "my calendar" events of a person, and the same as an iCalendar (.ics) feed."""

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from courses.models import Event


def my_events(user, *, upcoming_only: bool = True, now=None):
    """The events the person is registered for, or has registered someone for; with
    ``upcoming_only``, those not over at ``now`` (a moment or the database's ``Now()``; the
    present by default)."""
    events = Event.objects.visible_to(user).filter(cancelled_at__isnull=True)
    if upcoming_only:
        events = events.filter(ends_at__gte=timezone.now() if now is None else now)
    standing = Q(registrations__cancelled_at__isnull=True, registrations__waiting=False)
    registered = standing & (Q(registrations__person=user) | Q(registrations__registered_by=user))
    return events.filter(registered).distinct().order_by("starts_at")


def ics(user) -> bytes:
    """The person's registered events as an iCalendar file."""
    calendar = Calendar()
    calendar.add("prodid", "-//IMDi//Tilskuddsportalen//NO")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Tilskuddsportalen")
    for event in my_events(user, upcoming_only=False):
        entry = CalendarEvent()
        entry.add("uid", f"event-{event.pk}@tilskuddsportalen")
        entry.add("dtstamp", timezone.now())
        entry.add("dtstart", event.starts_at)
        entry.add("dtend", event.ends_at)
        entry.add("summary", event.title)
        entry.add("description", event.description)
        entry.add("location", event.meeting_link if event.is_digital else event.place)
        entry.add("url", f"{settings.PORTAL_BASE_URL}{reverse('courses:event', args=[event.pk])}")
        calendar.add_component(entry)
    return calendar.to_ical()
