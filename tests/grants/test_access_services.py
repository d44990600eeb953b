"""Who sees which grant data: each model's ``visible_to(user)``.

An organisation sees only its own applications, decisions, awards, reports, clawbacks,
appeals and change notices; mentors, evaluators and people without a role see none of it;
caseworkers (and admins) see every case.
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from grants import services
from grants.models import (
    Appeal,
    Application,
    Attachment,
    Award,
    ChangeNotice,
    Clawback,
    Decision,
    GrantReport,
    PayoutAccount,
    Round,
)
from organisations.models import Membership
from scheme.roles import MemberRole
from tests import factories
from tests.grants.conftest import complete_application, confirmed_account, eligible_organisation

# Each model with private data, and the path from it to the organisation it belongs to.
PRIVATE = {
    Application: "organisation",
    Attachment: "application__organisation",
    Decision: "application__organisation",
    Award: "application__organisation",
    GrantReport: "award__application__organisation",
    Clawback: "award__application__organisation",
    Appeal: "decision__application__organisation",
    ChangeNotice: "award__application__organisation",
    PayoutAccount: "organisation",
}
MODELS = list(PRIVATE)


def a_whole_grant(person, caseworker, call, organisation):
    """An application taken through award, payment, clawback, appeal and a change notice."""
    application = services.submit_application(
        person, complete_application(person, call, organisation)
    )
    services.declare_impartiality(caseworker, application, has_conflict=False)
    award = services.award_grant(caseworker, application, amount=Decimal("95000"), reasons="Ok")
    services.accept_award(person, award)
    confirmed_account(person, caseworker, organisation)
    factories.pay(award, award.amount, timezone.localdate(), attester=caseworker)
    clawback = services.open_clawback(
        caseworker,
        award,
        amount=Decimal("5000"),
        reasons="Ubrukt.",
        due_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    services.lodge_appeal(person, clawback.decision, "Vi brukte pengene.")
    services.send_change_notice(person, award, "Ny leder.")
    return application


@pytest.fixture
def world(member, participant, other_member, other_participant, caseworker, call):
    """Two organisations with a grant each, and a third with only a draft."""
    services.invite(caseworker, call, [other_participant])
    a_whole_grant(member, caseworker, call, participant)
    a_whole_grant(other_member, caseworker, call, other_participant)
    third = eligible_organisation()
    services.invite(caseworker, call, [third])
    services.start_application(factories.member_of(third), call, third)
    for model in MODELS:
        assert model.objects.filter(**{PRIVATE[model]: participant}).exists(), model
        assert model.objects.filter(**{PRIVATE[model]: other_participant}).exists(), model


def own(model, organisation):
    return set(model.objects.filter(**{PRIVATE[model]: organisation}))


def test_an_organisation_sees_only_its_own(
    world, member, participant, other_member, other_participant
):
    for model in MODELS:
        assert set(model.objects.visible_to(member)) == own(model, participant), model
        assert set(model.objects.visible_to(other_member)) == own(model, other_participant), model
        assert own(model, participant).isdisjoint(own(model, other_participant)), model


def test_every_person_of_the_organisation_sees_its_cases(world, participant):
    contact = factories.member_of(participant, role=MemberRole.CONTACT)
    for model in MODELS:
        assert set(model.objects.visible_to(contact)) == own(model, participant), model


@pytest.mark.parametrize("who", ["mentor", "evaluator", "nobody", "anonymous", "deactivated"])
def test_mentors_evaluators_and_people_without_a_role_see_none(request, world, who):
    if who == "nobody":
        user = factories.UserFactory()  # logged in, member of no organisation
    elif who == "anonymous":
        user = AnonymousUser()
    elif who == "deactivated":
        user = request.getfixturevalue("member")
        user.is_active = False
        user.save(update_fields=["is_active"])
        user = type(user).objects.get(pk=user.pk)
    else:
        user = request.getfixturevalue(who)
    for model in MODELS:
        assert not model.objects.visible_to(user).exists(), model


def test_someone_in_a_participant_and_a_mentor_organisation_sees_the_participants_only(
    world, participant, other_participant
):
    person = factories.member_of(participant)
    mentor_org = factories.OrganisationFactory(kind="mentor")
    Membership.objects.create(user=person, organisation=mentor_org, role=MemberRole.MEMBER)
    person = type(person).objects.get(pk=person.pk)  # fresh, without the cached access
    for model in MODELS:
        assert set(model.objects.visible_to(person)) == own(model, participant), model


@pytest.mark.parametrize("who", ["caseworker", "other_caseworker", "admin_user"])
def test_caseworkers_and_admins_see_every_case(request, world, who):
    user = request.getfixturevalue(who)
    for model in MODELS:
        assert set(model.objects.visible_to(user)) == set(model.objects.all()), model


def test_a_draft_is_seen_by_its_organisation_and_the_caseworkers_only(
    world, caseworker, member, other_member
):
    draft = Application.objects.get(status="draft")
    organisation_member = draft.organisation.memberships.get().user
    assert Application.objects.visible_to(organisation_member).get() == draft
    assert draft not in Application.objects.visible_to(member)
    assert draft not in Application.objects.visible_to(other_member)
    assert draft in Application.objects.visible_to(caseworker)


def test_visible_to_costs_one_query_once_the_access_is_known(
    world, member, django_assert_num_queries
):
    list(Application.objects.visible_to(member))  # reads the access once
    with django_assert_num_queries(1):
        list(ChangeNotice.objects.visible_to(member))


# --- calls ---------------------------------------------------------------------------------------


@pytest.fixture
def open_call(caseworker, scheme_year):
    today = timezone.localdate()
    return services.save_round(
        caseworker,
        scheme_year=scheme_year,
        title="Åpen runde",
        kind="open",
        opens_on=today,
        closes_on=today + datetime.timedelta(days=10),
        guidance="Alle kan søke.",
    )


def test_the_schemes_caseworkers_and_admins_see_its_calls(
    call, open_call, caseworker, other_caseworker, admin_user, foreign_caseworker
):
    for user in (caseworker, other_caseworker, admin_user):
        assert set(Round.objects.visible_to(user)) == {call, open_call}
    assert not Round.objects.visible_to(foreign_caseworker).exists()


def test_an_organisation_sees_the_open_calls_and_those_it_is_invited_to(
    call, open_call, member, other_member
):
    assert set(Round.objects.visible_to(member)) == {call, open_call}  # invited to ``call``
    assert set(Round.objects.visible_to(other_member)) == {open_call}


@pytest.mark.parametrize("who", ["mentor", "evaluator", "nobody", "anonymous"])
def test_calls_are_hidden_from_everyone_else(request, call, open_call, who):
    if who == "nobody":
        user = factories.UserFactory()
    elif who == "anonymous":
        user = AnonymousUser()
    else:
        user = request.getfixturevalue(who)
    assert not Round.objects.visible_to(user).exists()
