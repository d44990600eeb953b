"""The weekly digest: one short e-mail in the person's language with the week's
announcements, what other apps add (unread messages) and what is due; never twice a week;
no mail when there is nothing to say."""

import datetime

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone, translation

from scheme import registry
from scheme.announcements import services, tasks
from scheme.announcements.digest import announcements_section, send_weekly_digests, week_of
from scheme.announcements.models import DigestSent
from scheme.models import Notification, NotifyBy
from tests import factories
from tests.announcements.conftest import announce
from tests.conftest import need_service


@pytest.fixture
def weekly(participant):
    return factories.member_of(participant, notify_by=NotifyBy.WEEKLY, language="en")


@pytest.fixture
def no_other_sections(monkeypatch):
    """Only the announcements' own section, so the test does not depend on other apps'."""
    monkeypatch.setattr(registry, "_digest_sections", [announcements_section])
    monkeypatch.setattr(registry, "_due_items", [])


def run(django_capture_on_commit_callbacks, now=None) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return send_weekly_digests(now)


@pytest.mark.django_db
def test_the_digest_gathers_the_week_in_the_person_s_language(
    caseworker, scheme_year, weekly, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    announce(caseworker, scheme_year, title_nb="Samling i mars", title_en="Gathering in March")
    old = announce(caseworker, scheme_year, title_nb="Gammel nyhet")
    old.publish_at = timezone.now() - datetime.timedelta(days=10)
    old.save(update_fields=["publish_at"])
    monkeypatch.setattr(
        registry,
        "_digest_sections",
        [*registry.digest_sections(), lambda u, s: [("2 unread messages", "/meldinger/")]],
    )
    monkeypatch.setattr(
        registry,
        "_due_items",
        [
            lambda user: [
                registry.DueItem("Send the grant report", "/grants/", datetime.date(2030, 1, 23))
            ]
        ],
    )
    mailoutbox.clear()
    assert run(django_capture_on_commit_callbacks) == 1
    [mail] = mailoutbox
    assert mail.to == [weekly.email] and mail.subject == "Your week in the portal"
    assert "Announcement: Gathering in March" in mail.body
    assert "Gammel nyhet" not in mail.body
    assert "2 unread messages" in mail.body
    assert (
        "Send the grant report (by 1/23/2030)" in mail.body
        or "Send the grant report (by" in mail.body
    )
    assert "weekly digest" in mail.body


@pytest.mark.django_db
def test_in_norwegian_for_norwegian_readers(
    caseworker,
    scheme_year,
    participant,
    mailoutbox,
    django_capture_on_commit_callbacks,
    no_other_sections,
):
    person = factories.member_of(participant, notify_by=NotifyBy.WEEKLY, language="nb")
    announce(caseworker, scheme_year, title_nb="Samling i mars", title_en="Gathering in March")
    mailoutbox.clear()
    run(django_capture_on_commit_callbacks)
    [mail] = mailoutbox
    assert mail.to == [person.email]
    assert mail.subject == "Uken din i portalen"
    assert "Kunngjøring: Samling i mars" in mail.body


@pytest.mark.django_db
def test_never_twice_a_week_and_only_to_those_who_chose_it(
    caseworker,
    scheme_year,
    weekly,
    member,
    mailoutbox,
    django_capture_on_commit_callbacks,
    no_other_sections,
):
    announce(caseworker, scheme_year)
    mailoutbox.clear()
    assert run(django_capture_on_commit_callbacks) == 1
    assert run(django_capture_on_commit_callbacks) == 0
    assert [m.to for m in mailoutbox] == [[weekly.email]]
    [sent] = DigestSent.objects.all()
    assert sent.person == weekly and sent.week == week_of(timezone.localdate())
    DigestSent.objects.update(week=F("week") - datetime.timedelta(days=7))  # a week later
    assert run(django_capture_on_commit_callbacks) == 1


@pytest.mark.django_db
def test_nothing_to_say_sends_nothing(
    weekly, mailoutbox, django_capture_on_commit_callbacks, no_other_sections
):
    assert run(django_capture_on_commit_callbacks) == 0
    assert mailoutbox == [] and not DigestSent.objects.exists()


def test_a_real_worker_sends_the_digest_once(
    transactional_db, celery_workers, caseworker, scheme_year, weekly
):
    need_service(connection.vendor == "postgresql", "PostgreSQL shared with the worker")
    announce(caseworker, scheme_year)
    celery_workers.start()
    celery_workers.wait_ready(timeout=180)
    for _run in range(3):
        tasks.send_weekly_digests.delay()
    celery_workers.wait_ready(timeout=180)  # one worker, one task at a time: the runs are done
    # The mail itself leaves through send_notification_email (tests/scheme/test_celery_worker.py).
    [digest] = Notification.objects.filter(recipient=weekly, subject="Your week in the portal")
    assert digest.email_to == weekly.email
    assert DigestSent.objects.filter(person=weekly).count() == 1


@pytest.mark.django_db
def test_what_the_person_read_is_left_out_what_another_read_is_not(
    caseworker, scheme_year, weekly, member, no_other_sections
):
    read = announce(caseworker, scheme_year, title_nb="Lest", title_en="Read already")
    other = announce(caseworker, scheme_year, title_nb="Ulest", title_en="Not read yet")
    services.mark_read(weekly, read)
    services.mark_read(member, other)
    services.dismiss(weekly, other)
    since = timezone.now() - datetime.timedelta(days=7)
    with translation.override("en"):
        lines = [text for text, _url in announcements_section(weekly, since)]
    assert lines == ["Announcement: Not read yet"]
