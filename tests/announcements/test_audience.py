"""Who is in an announcement's audience: the same answer on the dashboard, the list page,
the read counts and the digest."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from scheme.announcements.audience import for_person, people_in
from scheme.announcements.dashboard import unseen_by
from scheme.announcements.models import Announcement
from scheme.models import User
from tests import factories
from tests.announcements.conftest import announce

pytestmark = pytest.mark.django_db


def titles_for(user):
    return {a.title_nb for a in Announcement.objects.published().filter(for_person(user))}


def test_a_mentor_sees_mentor_announcements_and_not_participant_ones(
    caseworker, scheme_year, mentor, member
):
    announce(caseworker, scheme_year, "mentors", title_nb="Mentorsamling")
    announce(caseworker, scheme_year, "participants", title_nb="Rapportfrist")
    announce(caseworker, scheme_year, "everyone", title_nb="Sommerferie")
    assert titles_for(mentor) == {"Mentorsamling", "Sommerferie"}
    assert titles_for(member) == {"Rapportfrist", "Sommerferie"}


def test_an_organisation_not_registered_to_the_event_does_not_see_it(
    caseworker, scheme_year, gathering, member, other_member
):
    announce(caseworker, scheme_year, "event", group_id=gathering.pk, title_nb="Husk matpakke")
    assert titles_for(member) == {"Husk matpakke"}
    assert titles_for(other_member) == set()


def test_organisations_of_another_year_and_evaluators_are_not_in_the_audience(
    caseworker, scheme_year, evaluator
):
    last_year = factories.SchemeYearFactory(scheme=scheme_year.scheme, year=scheme_year.year - 1)
    earlier = factories.OrganisationFactory(kind="participant")
    factories.awarded(last_year, earlier)
    announce(caseworker, scheme_year, "everyone")
    assert titles_for(factories.member_of(earlier)) == set()
    assert titles_for(evaluator) == set()
    assert titles_for(caseworker) == set()


def test_a_scheduled_announcement_shows_from_its_time_on(client, caseworker, scheme_year, member):
    later = timezone.now() + datetime.timedelta(days=2)
    scheduled = announce(caseworker, scheme_year, publish_at=later, title_nb="Snart")
    assert scheduled.is_scheduled
    assert not unseen_by(member).exists()
    client.force_login(member)
    assert "Snart" not in client.get(reverse("announcements:list")).content.decode()
    url = reverse("announcements:read", args=[scheduled.pk])
    assert client.post(url).status_code == 404
    Announcement.objects.filter(pk=scheduled.pk).update(publish_at=timezone.now())
    assert "Snart" in client.get(reverse("announcements:list")).content.decode()


def test_both_directions_of_the_rule_agree(
    caseworker, scheme_year, gathering, member, other_member, mentor, evaluator
):
    """people_in (read counts) holds exactly those for whom for_person (pages, digest) finds
    the announcement."""
    announcements = [
        announce(
            caseworker,
            scheme_year,
            audience,
            group_id=gathering.pk if audience == "event" else None,
        )
        for audience in ("everyone", "participants", "mentors", "event")
    ]
    people = [member, other_member, mentor, evaluator, caseworker]
    for announcement in announcements:
        counted = set(User.objects.filter(people_in(announcement)))
        finding = {
            p
            for p in people
            if Announcement.objects.filter(for_person(p), pk=announcement.pk).exists()
        }
        assert counted == finding, announcement.audience
