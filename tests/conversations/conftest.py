"""A scheme run by a body with a caseworker; an organisation with an awarded application;
a mentor organisation paired with two participant organisations (a group); another body,
organisation, mentor and evaluator who must see none of it."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from mentoring import services as mentoring
from organisations.models import CompetenceArea
from tests import factories


@pytest.fixture
def world(db):
    today = timezone.localdate()
    scheme_year = factories.SchemeYearFactory(year=today.year)
    body = scheme_year.scheme.administrator
    caseworker = factories.caseworker(body)
    organisation = factories.OrganisationFactory(name="Aktiv Ungdom")
    award = factories.awarded(scheme_year, organisation)
    second = factories.OrganisationFactory(name="Sveti Sava")
    mentor_org = factories.OrganisationFactory(kind="mentor", name="Røde Kors")
    mentoring.save_offer(
        caseworker,
        mentor_org,
        capacity=3,
        regions=["east"],
        competence_areas=CompetenceArea.objects.filter(code__in=["accounts"]),
    )
    world = SimpleNamespace(
        scheme_year=scheme_year,
        scheme=scheme_year.scheme,
        body=body,
        caseworker=caseworker,
        organisation=organisation,
        member=factories.member_of(organisation),
        colleague=factories.member_of(organisation, role="member"),
        award=award,
        application=award.application,
        second=second,
        second_member=factories.member_of(second),
        mentor_org=mentor_org,
        mentor=factories.member_of(mentor_org, role="contact"),
        other_org=factories.OrganisationFactory(name="Andre"),
        other_body_caseworker=factories.caseworker(),
        evaluator=factories.member_of(factories.OrganisationFactory(kind="evaluator")),
        admin=factories.UserFactory(is_superuser=True, is_staff=True),
    )
    world.other_member = factories.member_of(world.other_org)
    world.pairing = mentoring.create_pairing(
        caseworker,
        world.scheme,
        mentor_org,
        [organisation, second],
        starts_on=today - datetime.timedelta(days=30),
    )
    other_mentor_org = factories.OrganisationFactory(kind="mentor", name="Kirkens Bymisjon")
    world.other_mentor = factories.member_of(other_mentor_org, role="contact")
    return world


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """Post a message as the services do, running what waits for the commit (the e-mails,
    forgetting cached counts)."""
    from scheme.conversations import services

    def post(user, kind, obj, body="Hei! Et spørsmål.", files=()):
        with django_capture_on_commit_callbacks(execute=True):
            return services.post_message(user, kind, obj.pk, body, files)

    return post


@pytest.fixture
def read(django_capture_on_commit_callbacks):
    from scheme.conversations import services

    def read(user, thread):
        with django_capture_on_commit_callbacks(execute=True):
            services.mark_read(user, thread)

    return read
