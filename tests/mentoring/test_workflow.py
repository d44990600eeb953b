"""The pairing's and the flag's workflows (``mentoring/models.py``): the services enforce them,
the pages show what they allow, and the chain of replaced pairings costs the same queries
however long it is."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mentoring import services
from mentoring.check_ins import check_in_refusal
from mentoring.models import PAIRING_WORKFLOW, Flag, PairingStatus
from tests import factories

TODAY = timezone.localdate()


def url(name, *args):
    return reverse(f"mentoring:{name}", args=args)


def names(actor, obj):
    return [step.name for step in obj.workflow.available(actor, obj)]


def test_the_caseworker_of_the_scheme_changes_the_status_and_the_sides_act(
    pairing, caseworker, mentor, member, foreign_caseworker
):
    assert names(caseworker, pairing) == ["pause", "end", "replace"]
    assert names(mentor, pairing) == ["log_meeting", "raise_flag", "accept_agreement"]
    assert names(member, pairing) == ["log_meeting", "raise_flag", "accept_agreement"]
    assert names(foreign_caseworker, pairing) == []
    services.set_status(caseworker, pairing, PairingStatus.PAUSED)
    pairing.refresh_from_db()
    assert names(caseworker, pairing) == ["resume", "end", "replace"]
    services.set_status(caseworker, pairing, PairingStatus.ENDED, reason="Ferdig.")
    pairing.refresh_from_db()
    assert names(caseworker, pairing) == names(member, pairing) == []


def test_the_reason_comes_from_the_workflow(pairing, caseworker, member):
    services.set_status(caseworker, pairing, PairingStatus.ENDED, reason="Ferdig.")
    pairing.refresh_from_db()
    decision = PAIRING_WORKFLOW.decide(member, pairing, "log_meeting")
    assert not decision and decision.permitted
    assert "no more meetings" in decision.reason
    assert not PAIRING_WORKFLOW.decide(caseworker, pairing, "log_meeting").permitted


def test_a_pairing_is_not_paused_twice(pairing, caseworker):
    services.set_status(caseworker, pairing, PairingStatus.PAUSED)
    with pytest.raises(Exception, match="already paused"):
        services.set_status(caseworker, pairing, PairingStatus.PAUSED)


def test_the_status_page_offers_only_the_steps_the_workflow_allows(client, caseworker, pairing):
    client.force_login(caseworker)
    offered = dict(client.get(url("status", pairing.pk)).context["form"].fields["status"].choices)
    assert set(offered) == {PairingStatus.PAUSED, PairingStatus.ENDED}
    services.set_status(caseworker, pairing, PairingStatus.PAUSED)
    offered = dict(client.get(url("status", pairing.pk)).context["form"].fields["status"].choices)
    assert set(offered) == {PairingStatus.ACTIVE, PairingStatus.ENDED}


def test_the_pairing_page_shows_the_allowed_actions(client, caseworker, member, pairing):
    client.force_login(member)
    page = client.get(url("pairing", pairing.pk)).content.decode()
    assert url("meeting_log", pairing.pk) in page and url("replace", pairing.pk) not in page
    client.force_login(caseworker)
    page = client.get(url("pairing", pairing.pk)).content.decode()
    assert url("replace", pairing.pk) in page and url("meeting_log", pairing.pk) not in page
    services.set_status(caseworker, pairing, PairingStatus.ENDED, reason="Ferdig.")
    page = client.get(url("pairing", pairing.pk)).content.decode()
    assert url("replace", pairing.pk) not in page and url("status", pairing.pk) not in page
    client.force_login(member)
    page = client.get(url("pairing", pairing.pk)).content.decode()
    assert url("meeting_log", pairing.pk) not in page and url("flag", pairing.pk) not in page


def test_a_flag_is_resolved_once_by_the_schemes_caseworker(
    client, pairing, member, caseworker, foreign_caseworker
):
    flag = services.raise_flag(member, pairing, "Vi får ikke kontakt.")
    flag = Flag.objects.select_related("pairing__scheme").get(pk=flag.pk)
    assert names(foreign_caseworker, flag) == [] and names(member, flag) == []
    with pytest.raises(PermissionDenied):
        services.resolve_flag(foreign_caseworker, flag, "Ringte.")
    client.force_login(caseworker)
    assert "Record and close the flag" in client.get(url("flag_handle", flag.pk)).content.decode()
    services.resolve_flag(caseworker, flag, "Ringte begge.")
    assert "Record and close" not in client.get(url("flag_handle", flag.pk)).content.decode()


def test_the_service_refuses_a_check_in_that_is_not_due(pairing, member, participant):
    """The half-way check-in opens half-way: the service says so, not only the page."""
    pairing.starts_on = TODAY
    pairing.save(update_fields=["starts_on"])
    assert "half-way" in check_in_refusal(pairing, participant, "midpoint")
    with pytest.raises(Exception, match="half-way"):
        services.answer_check_in(
            member, pairing, "midpoint", usefulness=4, cooperation=4, progress=4
        )


# --- the chain of replaced pairings -----------------------------------------------------------


def _chain_of(length, caseworker, scheme, mentors):
    """A participant's pairing replaced ``length`` times, alternating between ``mentors``;
    returns the latest pairing."""
    participant = factories.OrganisationFactory(kind="participant")
    pairing = services.create_pairing(
        caseworker, scheme, mentors[0], [participant], starts_on=TODAY - datetime.timedelta(30)
    )
    for index in range(length):
        pairing = services.replace_mentor(
            caseworker, pairing, mentors[(index + 1) % 2], reason=f"Bytte {index}", starts_on=TODAY
        )
    return pairing


def _queries(client, pairing) -> list[str]:
    """The queries of the pairing page, once what a session keeps (unread notifications) is
    kept."""
    client.get(url("pairing", pairing.pk))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("pairing", pairing.pk))
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_the_chain_costs_the_same_queries_however_long_it_is(
    client, caseworker, scheme_year, mentor_org, offer, other_mentor_org
):
    mentors = [mentor_org, other_mentor_org]
    short = _chain_of(1, caseworker, scheme_year.scheme, mentors)
    long = _chain_of(5, caseworker, scheme_year.scheme, mentors)
    client.force_login(caseworker)
    short_queries, long_queries = _queries(client, short), _queries(client, long)
    assert len(client.get(url("pairing", long.pk)).context["earlier"]) == 5
    assert len(long_queries) == len(short_queries), "\n".join(long_queries)


def test_the_chain_is_in_order_and_only_as_far_as_the_user_sees(
    client, caseworker, scheme_year, mentor_org, offer, mentor, other_mentor_org
):
    latest = _chain_of(3, caseworker, scheme_year.scheme, [mentor_org, other_mentor_org])
    third = latest.replaces
    second = third.replaces
    first = second.replaces
    client.force_login(caseworker)
    response = client.get(url("pairing", second.pk))
    assert response.context["earlier"] == [first]
    assert response.context["later"] == [third, latest]
    # The first mentor had the first and the third: it sees those, not the other mentor's.
    client.force_login(mentor)
    response = client.get(url("pairing", third.pk))
    assert response.context["earlier"] == [first] and response.context["later"] == []
