"""This year's scheme with a participant and a mentor organisation taking part, a gathering
the participant is registered to, and the body's caseworker."""

import datetime

import pytest
from django.utils import timezone

from courses import services as courses
from scheme.announcements import services
from tests import factories


@pytest.fixture
def scheme_year(db):
    return factories.SchemeYearFactory(year=timezone.localdate().year)


@pytest.fixture
def caseworker(scheme_year):
    return factories.caseworker(scheme_year.scheme.administrator)


@pytest.fixture
def participant(scheme_year):
    return factories.taking_part(scheme_year, factories.OrganisationFactory(kind="participant"))[0]


@pytest.fixture
def other_participant(scheme_year):
    return factories.taking_part(scheme_year, factories.OrganisationFactory(kind="participant"))[0]


@pytest.fixture
def other_member(other_participant):
    return factories.member_of(other_participant)


@pytest.fixture
def mentor_organisation(scheme_year):
    return factories.taking_part(scheme_year, factories.OrganisationFactory(kind="mentor"))[0]


@pytest.fixture
def mentor(mentor_organisation):
    return factories.member_of(mentor_organisation)


@pytest.fixture
def gathering(caseworker, scheme_year, member, participant):
    """A gathering in three weeks; the participant has registered its member."""
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=21)
    event = courses.save_event(
        caseworker,
        scheme_year=scheme_year,
        kind="gathering",
        audience="participants",
        title="Fellessamling i Oslo",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=7),
        place="Oslo",
        registration_deadline=timezone.localdate() + datetime.timedelta(days=14),
    )
    courses.register(member, event, participant, person_name=member.full_name, person=member)
    return event


def announce(caseworker, scheme_year, audience="everyone", **content):
    """An announcement published now (or at ``publish_at``) through the service."""
    content = {"title_nb": f"Til {audience}", "body_nb": "Noen korte linjer.", **content}
    return services.publish(caseworker, scheme_year, audience=audience, **content)
