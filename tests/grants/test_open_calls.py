"""Open calls and the call's eligibility rules before an application is started.

An open call takes every participant organisation; a closed one those invited. Before an
application is started the call's rules are checked against the organisation's profile on the
call's deadline: a failed criterion blocks the start, with what to do about it; an unknown one
is a warning and the organisation may start (the caseworker checks it). Continuation calls are
for organisations already admitted and check nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from grants import services
from grants.models import Application, Round
from organisations.models import Grantor, PreviousApplication
from tests import factories
from tests.grants.conftest import eligible_organisation, refused

TODAY = timezone.localdate


def call_of(caseworker, scheme_year, kind="open", **fields):
    return services.save_round(
        caseworker,
        scheme_year=scheme_year,
        title=f"Utlysning ({kind})",
        kind=kind,
        opens_on=TODAY() - datetime.timedelta(days=3),
        closes_on=TODAY() + datetime.timedelta(days=30),
        guidance="Søk.",
        **fields,
    )


@pytest.fixture
def open_call(caseworker, scheme_year):
    return call_of(caseworker, scheme_year)


@pytest.fixture
def newcomer(db):
    """An organisation no caseworker has invited, with a leader."""
    organisation = eligible_organisation()
    return organisation, factories.member_of(organisation)


def test_an_open_call_takes_every_eligible_participant_organisation(open_call, newcomer):
    organisation, leader = newcomer
    assert open_call in Round.objects.visible_to(leader)
    assert open_call.accepts(organisation)
    assert services.admission_check(open_call, organisation).allowed
    application = services.start_application(leader, open_call, organisation)
    assert application.organisation == organisation and application.round == open_call


def test_a_closed_call_takes_only_those_invited(caseworker, scheme_year, newcomer):
    organisation, leader = newcomer
    closed = call_of(caseworker, scheme_year, kind="closed")
    assert closed not in Round.objects.visible_to(leader)
    refused(
        ValidationError,
        lambda: services.start_application(leader, closed, organisation),
        "only for invited organisations",
    )


def test_an_open_call_is_not_for_mentor_organisations(open_call):
    mentor_org = factories.OrganisationFactory(kind="mentor")
    assert not open_call.accepts(mentor_org)


# Each rule the computer can check, broken, and what the organisation is told to do about it.
FAILED = {
    "registered": (
        {"in_voluntary_register": False},
        ["Registered in Frivillighetsregisteret", "Not registered", "brreg.no"],
    ),
    "age": (
        {"founded": datetime.date(2015, 3, 1)},
        ["Founded less than 5 years ago", "too early", "newly established organisations"],
    ),
    "applied": (
        {"previous": Grantor.OTHER},
        ["Applied to IMDi or a municipality", "If you have made one, record it on your profile"],
    ),
}


def organisation_failing(rule):
    fields, _words = FAILED[rule]
    fields = dict(fields)
    grantor = fields.pop("previous", None)
    organisation = eligible_organisation(**fields)
    if grantor:
        organisation.previous_applications.update(grantor=grantor)
    return organisation, factories.member_of(organisation)


@pytest.mark.parametrize("rule", list(FAILED))
def test_a_failed_rule_blocks_the_start_in_plain_words_and_nothing_changes(open_call, rule):
    organisation, leader = organisation_failing(rule)
    check = services.admission_check(open_call, organisation)
    assert [advice.criterion.code for advice in check.blocking] == [rule]
    assert not check.allowed
    refused(
        ValidationError,
        lambda: services.start_application(leader, open_call, organisation),
        *FAILED[rule][1],
        objects=[organisation],
    )


def test_the_rules_are_judged_on_the_calls_deadline(caseworker, scheme_year, newcomer):
    organisation, _leader = newcomer
    deadline = TODAY() + datetime.timedelta(days=30)
    organisation.founded = deadline.replace(year=deadline.year - 5)  # five years on the deadline
    organisation.save(update_fields=["founded"])
    open_call = call_of(caseworker, scheme_year)
    assert [
        a.criterion.code for a in services.admission_check(open_call, organisation).blocking
    ] == ["age"]


def test_unknown_facts_warn_and_let_the_organisation_start(open_call):
    organisation = factories.OrganisationFactory(
        founded=None, in_voluntary_register=None, description=""
    )
    leader = factories.member_of(organisation)
    check = services.admission_check(open_call, organisation)
    assert check.allowed
    todo = {advice.criterion.code: advice.todo for advice in check.warnings}
    assert list(todo) == ["registered", "age", "applied", "purpose"]
    assert "whether the organisation is in Frivillighetsregisteret" in todo["registered"]
    assert "Fill in the founding date" in todo["age"]
    assert "Record your earlier grant applications" in todo["applied"]
    assert "Describe what the organisation works for" in todo["purpose"]
    services.start_application(leader, open_call, organisation)
    assert Application.objects.filter(organisation=organisation).exists()


def test_the_purpose_is_left_to_the_caseworker_when_the_profile_describes_it(open_call, newcomer):
    organisation, _leader = newcomer
    assert organisation.description
    assert services.admission_check(open_call, organisation) == ([], [])


def test_a_continuation_call_checks_no_admission_rule(caseworker, scheme_year):
    organisation, leader = organisation_failing("age")
    continuation = call_of(caseworker, scheme_year, continuation=True)
    assert services.admission_check(continuation, organisation) == ([], [])
    services.start_application(leader, continuation, organisation)


# --- the page -------------------------------------------------------------------------------------


def test_the_grants_page_explains_a_blocked_start_and_offers_no_button(client, open_call):
    organisation, leader = organisation_failing("registered")
    client.force_login(leader)
    body = client.get(reverse("grants:home")).content.decode()
    assert open_call.title in body
    assert f"{organisation.name} cannot apply to this call" in body
    assert "Register the organisation at brreg.no" in body
    assert reverse("organisations:edit", args=[organisation.pk]) in body
    assert reverse("grants:start", args=[open_call.pk, organisation.pk]) not in body


def test_the_grants_page_warns_of_unknown_facts_and_offers_the_start(client, open_call):
    organisation = factories.OrganisationFactory(founded=None, in_voluntary_register=True)
    leader = factories.member_of(organisation)
    client.force_login(leader)
    body = client.get(reverse("grants:home")).content.decode()
    assert "Fill in the founding date on your profile" in body
    assert reverse("organisations:parts", args=[organisation.pk, "previous-applications"]) in body
    assert reverse("grants:start", args=[open_call.pk, organisation.pk]) in body


def test_a_blocked_start_sent_anyway_is_refused_with_the_reasons(client, open_call):
    organisation, leader = organisation_failing("age")
    client.force_login(leader)
    response = client.post(
        reverse("grants:start", args=[open_call.pk, organisation.pk]), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("grants:home")
    assert "newly established organisations" in response.content.decode()
    assert not Application.objects.exists()


def test_the_grants_page_needs_the_same_queries_for_one_and_several_open_calls(
    client, caseworker, scheme_year, newcomer
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    organisation, leader = newcomer
    PreviousApplication.objects.create(organisation=organisation, year=TODAY().year, grantor="imdi")
    client.force_login(leader)
    call_of(caseworker, scheme_year)
    client.get(reverse("grants:home"))

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("grants:home")).status_code == 200
        return len(queries)

    few = count()
    for _ in range(4):
        call_of(caseworker, scheme_year)
    assert count() == few


def test_the_dashboard_offers_only_the_calls_the_organisation_may_start(client, open_call):
    blocked, leader = organisation_failing("age")
    client.force_login(leader)
    assert open_call.title not in client.get(reverse("dashboard")).content.decode()
    blocked.founded = TODAY() - datetime.timedelta(days=100)
    blocked.save(update_fields=["founded"])
    assert open_call.title in client.get(reverse("dashboard")).content.decode()
