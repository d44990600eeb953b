"""The dashboard takes as many queries with much data as with little, for every role.

Every panel of the role is populated at both sizes (organisations, grants, mentoring and
courses), made through the services as users make it; the counts must be equal
(tests/querycount.py lists the queries when they are not).
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import services as courses
from grants import services as grants
from mentoring import services as mentoring
from organisations import services as organisations
from organisations.models import Membership
from organisations.orgnr import fictional_orgnr
from scheme.roles import MemberRole, OrganisationKind
from tests import factories
from tests.grants.conftest import complete_application, confirmed_account, eligible_organisation
from tests.querycount import assert_same_query_count, count_queries

DASHBOARD = reverse("dashboard")
SMALL, LARGE = 2, 5  # cases: at two already, lists and plurals are in use


@pytest.fixture
def world(db):
    """This year's scheme, run by a body with a caseworker; a member leading participant
    organisations, a mentor in mentor organisations, an evaluator and an admin. ``grow(world)``
    adds one case of everything."""
    today = timezone.localdate()
    scheme_year = factories.SchemeYearFactory(year=today.year)
    caseworker = factories.caseworker(scheme_year.scheme.administrator)
    world = SimpleNamespace(
        today=today,
        scheme_year=scheme_year,
        scheme=scheme_year.scheme,
        caseworker=caseworker,
        member=factories.UserFactory(),
        mentor=factories.UserFactory(),
        evaluator=factories.member_of(factories.OrganisationFactory(kind="evaluator")),
        admin=factories.UserFactory(is_superuser=True, is_staff=True),
        cases=0,
    )
    # A call every participant organisation is invited to and none has applied to yet.
    world.shared_call = open_call(world, "Felles utlysning")
    return world


def open_call(world, title):
    return grants.save_round(
        world.caseworker,
        scheme_year=world.scheme_year,
        title=title,
        kind="closed",
        opens_on=world.today - datetime.timedelta(days=10),
        closes_on=world.today + datetime.timedelta(days=20),
        guidance="Søk om driftsmidler.",
    )


def grow(world):
    """One more case of everything the dashboards show, in organisations of its own: a
    participant the member leads and a mentor organisation the mentor is in, paired."""
    world.cases += 1
    participant = eligible_organisation()
    Membership.objects.create(user=world.member, organisation=participant, role=MemberRole.LEADER)
    mentor_org = factories.OrganisationFactory(kind=OrganisationKind.MENTOR)
    Membership.objects.create(user=world.mentor, organisation=mentor_org, role=MemberRole.CONTACT)
    # The services read a person's access once per user object: read them again.
    world.member, world.mentor = fresh(world.member), fresh(world.mentor)
    grow_organisations(world, participant)
    grow_grants(world, participant)
    pairing = grow_mentoring(world, participant, mentor_org)
    grow_courses(world, participant)
    return SimpleNamespace(participant=participant, mentor_org=mentor_org, pairing=pairing)


def grow_within(world, case):
    """More of what grows in the same organisations: a call, meetings both sides are to
    confirm with tasks for each, events, tasks and forms."""
    world.cases += 1
    call = open_call(world, f"Utlysning {world.cases}")
    grants.invite(world.caseworker, call, [case.participant])
    held_on = world.today - datetime.timedelta(days=world.cases)
    overdue = world.today - datetime.timedelta(days=1)
    for author, owner in ((world.mentor, case.participant), (world.member, case.mentor_org)):
        meet(case.pairing, author, held_on, tasks=[(f"Oppgave {world.cases}", owner, overdue)])
    grow_courses(world, case.participant)


def fresh(user):
    return type(user).objects.get(pk=user.pk)


def grow_organisations(world, participant):
    """A person asks to join the organisation; another asks to register theirs."""
    organisations.ask_to_join(factories.UserFactory(), participant, message="Kan jeg bli med?")
    organisations.request_registration(
        factories.UserFactory(),
        org_number=fictional_orgnr(90000000 + 2 * world.cases),
        name=f"Ny forening {world.cases}",
        kind=OrganisationKind.PARTICIPANT,
        description="Leksehjelp og språkkafé.",
        target_groups=[factories.TargetGroupFactory()],
    )


def grow_grants(world, participant):
    """An application awarded, accepted and paid, with a change notice, an appeal and a
    clawback; a call of its own for another application waiting to be decided."""
    caseworker, member = world.caseworker, world.member
    grants.invite(caseworker, world.shared_call, [participant])
    call = open_call(world, f"Utlysning {world.cases}")
    grants.invite(caseworker, call, [participant])
    application = grants.submit_application(
        member, complete_application(member, call, participant, amount=Decimal("40000"))
    )
    grants.declare_impartiality(caseworker, application, has_conflict=False)
    award = grants.award_grant(
        caseworker, application, amount=Decimal("40000"), reasons="God søknad."
    )
    grants.accept_award(member, award)
    confirmed_account(member, caseworker, participant)
    factories.pay(award, Decimal("40000"), world.today, attester=caseworker)
    grants.send_change_notice(member, award, "Ny leder.")
    grants.lodge_appeal(member, award.decision, "Vi ba om mer.")
    grants.open_clawback(
        caseworker,
        award,
        amount=Decimal("1000"),
        reasons="Feil bruk.",
        due_on=world.today + datetime.timedelta(days=30),
    )
    waiting = open_call(world, f"Utlysning {world.cases}b")
    grants.invite(caseworker, waiting, [participant])
    grants.submit_application(
        member, complete_application(member, waiting, participant, amount=Decimal("30000"))
    )


def grow_mentoring(world, participant, mentor_org):
    """A pairing with a meeting the participant is to confirm, an overdue task, a flag and a
    "not a good fit" answer."""
    caseworker = world.caseworker
    mentoring.save_offer(caseworker, mentor_org, capacity=2)
    pairing = mentoring.create_pairing(
        caseworker,
        world.scheme,
        mentor_org,
        [participant],
        starts_on=world.today - datetime.timedelta(days=90),
    )
    overdue = world.today - datetime.timedelta(days=1)
    meet(
        pairing,
        world.mentor,
        world.today - datetime.timedelta(days=7),
        tasks=[("Sett opp budsjett", participant, overdue)],
    )
    mentoring.raise_flag(world.member, pairing, "Vi får ikke tak i mentoren.")
    mentoring.answer_check_in(world.mentor, pairing, "first", good_fit=False, comment="Lite tid.")
    return pairing


def meet(pairing, author, held_on, tasks):
    mentoring.log_meeting(
        author,
        pairing,
        held_on=held_on,
        mode="digital",
        duration_minutes=60,
        attendees="Kari og Ola",
        summary="Vi gikk gjennom regnskapet.",
        tasks=tasks,
    )


def grow_courses(world, participant):
    """An upcoming event the organisation is registered for, with a task to hand in; an
    event held an hour ago whose attendance is not marked; a feedback form answered once."""
    caseworker, member = world.caseworker, world.member
    now = timezone.now()
    upcoming = event(world, f"Samling {world.cases}", now + datetime.timedelta(days=21))
    courses.register(member, upcoming, participant, person_name="Aisha Ali")
    courses.give_task(
        caseworker,
        upcoming,
        title=f"Oppgave {world.cases}",
        description="Lag en plan.",
        organisations=[participant],
        due_on=world.today + datetime.timedelta(days=30),
    )
    held = event(world, f"Kurs {world.cases}", now - datetime.timedelta(hours=1))
    courses.register(member, held, participant, person_name="Ola Hansen")
    form = courses.save_form(
        caseworker,
        world.scheme,
        title=f"Skjema {world.cases}",
        questions=[("rating", "Hvor nyttig var det?", [], True)],
    )
    answerer = factories.taking_part(world.scheme_year, factories.OrganisationFactory())[0]
    courses.answer_form(
        factories.member_of(answerer), form, answerer, {form.questions.get().pk: "4"}
    )


def event(world, title, starts_at):
    return courses.save_event(
        world.caseworker,
        scheme_year=world.scheme_year,
        kind="gathering",
        audience="both",
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
        place="Oslo",
        registration_deadline=max(world.today, (starts_at - datetime.timedelta(days=7)).date()),
    )


# What each role's dashboard shows, every panel with something in it.
PANELS = {
    "member": {
        "organisations/panels/own.html": "rows",
        "grants/panels/organisation.html": "applications",
        "mentoring/panels/pairings.html": "rows",
        "courses/panels/upcoming.html": "events",
        "scheme/panels/rules.html": "years",
        "scheme/panels/notifications.html": "unread",
    },
    "mentor": {
        "organisations/panels/own.html": "rows",
        "mentoring/panels/pairings.html": "rows",
        "courses/panels/upcoming.html": "events",
        "scheme/panels/notifications.html": "unread",
    },
    "caseworker": {
        "organisations/panels/caseworker.html": "registrations_waiting",
        "grants/panels/caseworker.html": "to_decide",
        "mentoring/panels/overview.html": "live",
        "courses/panels/this_month.html": "to_mark",
        "scheme/panels/rules.html": "years",
        "scheme/panels/notifications.html": "unread",
    },
    "evaluator": {
        "organisations/panels/evaluator.html": "rows",
        "courses/panels/evaluation.html": "forms",
    },
    "admin": {
        "organisations/panels/caseworker.html": "registrations_waiting",
        "grants/panels/caseworker.html": "to_decide",
        "mentoring/panels/overview.html": "live",
        "courses/panels/this_month.html": "to_mark",
        "scheme/panels/rules.html": "years",
    },
}


def dashboard(client, user):
    """The dashboard as ``user`` sees it, checked to show each of the role's panels filled."""
    client.force_login(user)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    return response


def panels_shown(response) -> dict:
    return {panel.template: panel.context for panel in response.context["panels"]}


def assert_every_panel_filled(response, role):
    shown = panels_shown(response)
    for template, key in PANELS[role].items():
        assert template in shown, (role, template, sorted(shown))
        assert shown[template][key], (role, template, key)


ROLES = list(PANELS)
# The most each role's dashboard may take, messages and announcements included: the bar is
# 12 on every page (the year's rules come from the cache, kept up to date on change).
MOST_QUERIES = {"caseworker": 11, "member": 12, "mentor": 10, "evaluator": 9, "admin": 11}


def assert_queries_do_not_grow(client, user, role, add):
    """The role's dashboard, every panel filled, after ``add()`` SMALL and LARGE times: the
    same number of queries."""
    for _time in range(SMALL):
        add()
    assert_every_panel_filled(dashboard(client, user), role)
    small = count_queries(lambda: client.get(DASHBOARD))
    for _time in range(LARGE - SMALL):
        add()
    assert_every_panel_filled(dashboard(client, user), role)
    large = count_queries(lambda: client.get(DASHBOARD))
    assert_same_query_count(small, large)
    assert len(large) <= MOST_QUERIES[role], f"{role}: {len(large)} queries"


@pytest.mark.parametrize("role", ROLES)
def test_the_dashboard_takes_as_many_queries_with_more_data(client, world, role):
    assert_queries_do_not_grow(client, getattr(world, role), role, lambda: grow(world))


@pytest.mark.parametrize("role", ["member", "mentor"])
def test_in_one_organisation_the_dashboard_takes_as_many_queries_with_more_data(
    client, world, role
):
    """The same for a person in one organisation whose calls, meetings, tasks, events and
    forms grow (not touched by the query per organisation above)."""
    case = grow(world)
    assert_queries_do_not_grow(client, getattr(world, role), role, lambda: grow_within(world, case))
