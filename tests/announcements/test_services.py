"""Writing, scheduling, editing, pinning and withdrawing announcements; reading and dismissing
them; telling the audience once, each in the way they chose."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from scheme import registry
from scheme.announcements import services
from scheme.announcements.models import AnnouncementRead
from scheme.audit import timeline
from scheme.models import Notification, NotifyBy
from tests import factories
from tests.announcements.conftest import announce

pytestmark = pytest.mark.django_db


def test_only_the_body_running_the_scheme_publishes(scheme_year, member, mentor, evaluator):
    another_body = factories.caseworker()
    for person in (member, mentor, evaluator, another_body):
        with pytest.raises(PermissionDenied):
            announce(person, scheme_year)


def test_publishing_is_recorded_and_tells_the_audience_each_their_way(
    caseworker, scheme_year, member, mailoutbox, django_capture_on_commit_callbacks
):
    weekly = factories.member_of(member.memberships.get().organisation, notify_by=NotifyBy.WEEKLY)
    with django_capture_on_commit_callbacks(execute=True):
        announcement = announce(caseworker, scheme_year, title_nb="Frist", title_en="Deadline")
    assert [e.verb for e in timeline(announcement)] == [services.PUBLISHED]
    assert set(Notification.objects.values_list("recipient", flat=True)) == {member.pk, weekly.pk}
    [mail] = mailoutbox
    assert mail.to == [member.email] and mail.subject == "Announcement: Deadline"
    assert services.announce_due() == 0  # told once


def test_a_scheduled_announcement_is_told_when_its_time_comes(caseworker, scheme_year, member):
    later = timezone.now() + datetime.timedelta(hours=1)
    announcement = announce(caseworker, scheme_year, publish_at=later)
    assert services.announce_due() == 0
    assert services.announce_due(now=later + datetime.timedelta(minutes=1)) == 1
    announcement.refresh_from_db()
    assert announcement.announced_at is not None
    assert Notification.objects.filter(recipient=member).count() == 1


def test_only_a_scheduled_announcement_can_be_edited(caseworker, scheme_year):
    later = timezone.now() + datetime.timedelta(days=1)
    scheduled = announce(caseworker, scheme_year, publish_at=later)
    services.edit(caseworker, scheduled, title_nb="Ny tittel")
    scheduled.refresh_from_db()
    assert scheduled.title_nb == "Ny tittel"
    published = announce(caseworker, scheme_year)
    with pytest.raises(ValidationError):
        services.edit(caseworker, published, title_nb="For sent")


def test_an_event_audience_names_an_event_of_the_year(caseworker, scheme_year, gathering):
    with pytest.raises(ValidationError) as refused:
        announce(caseworker, scheme_year, "event")
    assert "group_id" in refused.value.message_dict
    other_year = factories.SchemeYearFactory(scheme=scheme_year.scheme, year=scheme_year.year + 1)
    with pytest.raises(ValidationError):
        announce(caseworker, other_year, "event", group_id=gathering.pk)


def test_pin_withdraw_and_the_body_of_another_scheme(caseworker, scheme_year):
    announcement = announce(caseworker, scheme_year)
    services.set_pinned(caseworker, announcement, True)
    services.withdraw(caseworker, announcement)
    announcement.refresh_from_db()
    assert announcement.pinned and announcement.is_withdrawn
    assert announcement.withdrawn_by == caseworker
    with pytest.raises(ValidationError):
        services.withdraw(caseworker, announcement)
    with pytest.raises(PermissionDenied):
        services.set_pinned(factories.caseworker(), announcement, False)


def test_reading_and_dismissing_are_the_person_s_own(caseworker, scheme_year, member, mentor):
    announcement = announce(caseworker, scheme_year, "participants")
    services.dismiss(member, announcement)
    services.mark_read(member, announcement)
    reading = AnnouncementRead.objects.get()
    assert reading.person == member and reading.read_at and reading.dismissed_at
    with pytest.raises(PermissionDenied):
        services.mark_read(mentor, announcement)


def test_the_person_s_data_export_holds_what_they_wrote_and_read(caseworker, scheme_year, member):
    announcement = announce(caseworker, scheme_year, title_nb="Frist")
    services.mark_read(member, announcement)
    [read_part] = [p for p in registry.person_data(member) if p.name == "announcements"]
    assert [row["title"] for row in read_part.records["read"]] == ["Frist"]
    [written_part] = [p for p in registry.person_data(caseworker) if p.name == "announcements"]
    assert [row["title"] for row in written_part.records["written"]] == ["Frist"]
