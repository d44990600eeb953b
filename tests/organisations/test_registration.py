"""Organisations register themselves: a signed-in person types the number, the details come
from Enhetsregisteret (a stand-in on loopback), they add the rest, and a caseworker approves
(the organisation is registered with the person as its leader) or rejects with a reason."""

import datetime
import threading
import uuid

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from organisations import services
from organisations.models import (
    Activity,
    Membership,
    Organisation,
    RegistrationRequest,
    RegistrationStatus,
)
from organisations.orgnr import fictional_orgnr, format_orgnr
from organisations.personal_data import about_person
from scheme import retention
from scheme.audit import timeline
from scheme.models import Notification
from scheme.roles import MemberRole
from tests import factories
from tests.concurrency import at_once
from tests.organisations.test_brreg import FOUND, TIMEOUT, StandIn, form_values, page_messages

REGISTER = reverse("organisations:register")
REGISTRATIONS = reverse("organisations:registrations")
DASHBOARD = reverse("dashboard")


@pytest.fixture
def enhetsregisteret(settings):
    """The stand-in for Enhetsregisteret of test_brreg.py, running, with look-ups pointed at it."""
    server = StandIn()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    settings.BRREG_ENABLED = True
    settings.BRREG_API_URL = server.url
    settings.BRREG_TIMEOUT = TIMEOUT
    try:
        yield server
    finally:
        server.closing.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def newcomer(db):
    """A signed-in person in no organisation yet."""
    return factories.UserFactory(full_name="Amina Hassan")


@pytest.fixture
def group(db):
    return factories.TargetGroupFactory()


def details(group, **changes):
    """What the person adds to the register's details in step 2."""
    return {
        "kind": "participant",
        "name": "Rødberg kvinneforum",
        "municipality": "Nore og Uvdal",
        "email": "post@kvinneforum.example.org",
        "description": "Vi møtes hver tirsdag til språkkafé.",
        "target_groups": [str(group.pk)],
        "activity_name": "Språkkafé",
        "activity_frequency": "weekly",
        "activity_participants": "12",
    } | changes


def fields(group, number=None, **changes) -> dict:
    """The service's keyword arguments for a registration."""
    data = {
        "org_number": number or fictional_orgnr(82000000),
        "kind": "participant",
        "name": "Nytt fellesskap",
        "founded": datetime.date(2023, 1, 10),
        "in_voluntary_register": True,
        "email": "post@nytt.example.org",
        "description": "Leksehjelp og språkkafé.",
        "target_groups": [group],
    }
    return data | changes


def registered(user, group, **changes) -> RegistrationRequest:
    return services.request_registration(user, **fields(group, **changes))


def english(client):
    client.cookies["django_language"] = "en"
    return client


# The person's way through ------------------------------------------------------------------


def test_a_person_in_no_organisation_is_shown_the_way_in(client, newcomer):
    client.force_login(newcomer)
    response = client.get(DASHBOARD)
    templates = [panel.template for panel in response.context["panels"]]
    assert "organisations/panels/getting_started.html" in templates
    content = response.content.decode()
    assert REGISTER in content and reverse("organisations:join") in content
    [item] = response.context["due_items"]
    assert item.url == REGISTER
    assert REGISTER in client.get(reverse("account")).content.decode()


def test_a_member_is_not_shown_the_getting_started_panel(client, member):
    client.force_login(member)
    templates = [p.template for p in client.get(DASHBOARD).context["panels"]]
    assert "organisations/panels/getting_started.html" not in templates


def test_the_number_fetches_the_register_and_the_details_are_sent(
    client, newcomer, group, enhetsregisteret
):
    client.force_login(newcomer)
    english(client)
    start = client.post(REGISTER, {"org_number": format_orgnr(FOUND)})
    step_two = reverse("organisations:register_details", args=[FOUND])
    assert start.status_code == 302 and start.url == step_two
    assert enhetsregisteret.requested == [FOUND]

    page = client.get(step_two)
    values = form_values(page)
    assert values["name"] == "FRIVILLIGSENTRALEN I NORE OG UVDAL"
    assert values["street_address"] == "Sentrumsvegen 12, 2. etasje"
    assert values["postal_code"] == "3630"
    assert values["municipality"] == "Nore og Uvdal"
    assert values["municipality_number"] == "3338"
    assert values["county"] == "33"
    assert values["founded"] == "2005-02-14"
    assert values["in_voluntary_register"] == "true"
    assert values["form_token"]
    assert not Organisation.objects.filter(org_number=FOUND).exists()

    sent = client.post(step_two, values | details(group, name="Frivilligsentralen Rødberg"))
    registration = RegistrationRequest.objects.get(org_number=FOUND)
    assert sent.status_code == 302
    assert sent.url == reverse("organisations:registration", args=[registration.pk])
    assert registration.status == RegistrationStatus.PENDING
    assert registration.requested_by == newcomer
    assert registration.name == "Frivilligsentralen Rødberg"
    assert registration.founded == datetime.date(2005, 2, 14)
    assert list(registration.target_groups.all()) == [group]
    # What the register said is kept beside what was sent, for the caseworker.
    assert registration.register_data["name"] == "FRIVILLIGSENTRALEN I NORE OG UVDAL"
    assert not Organisation.objects.filter(org_number=FOUND).exists()
    assert enhetsregisteret.requested == [FOUND]  # asked once
    assert client.get(sent.url).status_code == 200


def test_look_ups_per_person_are_limited(client, newcomer, enhetsregisteret, monkeypatch):
    from organisations import views

    monkeypatch.setattr(views, "LOOKUPS_PER_PERSON", (1, 3600))
    client.force_login(newcomer)
    english(client)
    client.post(REGISTER, {"org_number": FOUND})
    again = client.post(REGISTER, {"org_number": FOUND}, follow=True)
    assert any("many look-ups" in message for message in page_messages(again))
    assert enhetsregisteret.requested == [FOUND]  # the second was not sent on
    assert form_values(again)["name"] == ""  # the person types the details


def test_a_register_that_gives_nothing_leaves_the_details_to_the_person(
    client, newcomer, group, settings
):
    settings.BRREG_ENABLED = False
    client.force_login(newcomer)
    english(client)
    number = fictional_orgnr(82000100)
    start = client.post(REGISTER, {"org_number": number}, follow=True)
    assert any("switched off" in message for message in page_messages(start))
    assert form_values(start)["name"] == ""
    client.post(start.request["PATH_INFO"], details(group, form_token=str(uuid.uuid4())))
    assert RegistrationRequest.objects.get(org_number=number).register_data is None


def test_the_details_form_keeps_the_input_and_ties_errors_to_fields(client, newcomer, group):
    client.force_login(newcomer)
    english(client)
    step_two = reverse("organisations:register_details", args=[fictional_orgnr(82000200)])
    typed = details(
        group,
        description="x" * 2001,
        founded=(timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
        email="",
        phone="",
        activity_frequency="",
    )
    response = client.post(step_two, typed)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"description", "founded", "email", "activity_frequency"}
    assert "future" in errors["founded"][0]
    assert "e-mail address or a phone number" in errors["email"][0]
    assert form_values(response)["name"] == typed["name"]
    assert not RegistrationRequest.objects.exists()


def test_an_implausible_founding_date_is_refused(newcomer, group):
    with pytest.raises(ValidationError) as error:
        registered(newcomer, group, founded=datetime.date(1066, 10, 14))
    assert "founded" in error.value.message_dict


def test_an_invalid_number_in_the_address_is_not_found(client, newcomer):
    client.force_login(newcomer)
    url = reverse("organisations:register_details", args=["123456789"])
    assert client.get(url).status_code == 404


def test_the_same_form_sent_twice_registers_once(client, newcomer, group):
    client.force_login(newcomer)
    step_two = reverse("organisations:register_details", args=[fictional_orgnr(82000300)])
    data = details(group, form_token=str(uuid.uuid4()))
    assert client.post(step_two, data).status_code == 302
    again = client.post(step_two, data)
    assert again.status_code == 200
    assert RegistrationRequest.objects.count() == 1


def test_registrations_per_person_are_limited(newcomer, group):
    for index in range(services.REGISTRATIONS_PER_PERSON[0]):
        registered(newcomer, group, org_number=fictional_orgnr(82001000 + 2 * index))
    with pytest.raises(ValidationError) as error:
        registered(newcomer, group, org_number=fictional_orgnr(82002000))
    assert error.value.code == "rate_limited"


# Never a duplicate ------------------------------------------------------------------------------


def test_a_registered_number_is_offered_to_join_without_showing_its_people(
    client, newcomer, participant, member, enhetsregisteret
):
    client.force_login(newcomer)
    english(client)
    response = client.post(REGISTER, {"org_number": participant.org_number})
    assert response.status_code == 200
    assert enhetsregisteret.requested == []  # nothing to fetch
    content = response.content.decode()
    assert "already registered" in content
    join = reverse("organisations:join_organisation", args=[participant.org_number])
    assert join in content
    assert member.email not in content and member.full_name not in content
    with pytest.raises(ValidationError) as error:
        registered(newcomer, factories.TargetGroupFactory(), org_number=participant.org_number)
    assert error.value.code == "registered"
    # The second step, reached directly, says the same.
    step_two = reverse("organisations:register_details", args=[participant.org_number])
    assert join in client.get(step_two).content.decode()


def test_a_member_typing_their_own_number_is_sent_to_it(client, member, participant):
    client.force_login(member)
    response = client.post(REGISTER, {"org_number": participant.org_number})
    assert reverse("organisations:detail", args=[participant.pk]) in response.content.decode()


def test_a_number_waiting_for_approval_is_refused(client, newcomer, group):
    first = registered(newcomer, group)
    other = factories.UserFactory()
    client.force_login(other)
    english(client)
    response = client.post(REGISTER, {"org_number": first.org_number})
    assert "already has a registration waiting" in response.content.decode()
    with pytest.raises(ValidationError) as error:
        registered(other, group)
    assert error.value.code == "pending"
    assert RegistrationRequest.objects.count() == 1


def test_two_people_registering_one_number_at_once_make_one_request(
    postgres, transactional_db, group
):
    people = [factories.UserFactory() for _ in range(4)]
    outcome = at_once(
        [lambda person=person: registered(person, group) for person in people],
        describe=lambda error: error.code,
    )
    assert not outcome.crashes
    assert len(outcome.made) == 1
    assert outcome.errors == ["pending"] * 3
    assert RegistrationRequest.objects.pending().count() == 1


def test_a_rejected_number_may_be_sent_again(caseworker, newcomer, group):
    first = registered(newcomer, group)
    services.reject_registration(caseworker, first, "Mangler vedtekter.")
    assert registered(newcomer, group).is_pending


# The caseworker's decision ------------------------------------------------------------------------


@pytest.fixture
def waiting(newcomer, group):
    return registered(
        newcomer,
        group,
        activity_name="Leksehjelp",
        activity_frequency="weekly",
        activity_participants=20,
        founded=datetime.date(2010, 5, 1),
        county="03",
        street_address="Storgata 1",
        register_data={
            "name": "NYTT FELLESSKAP",
            "founded": "2010-05-01",
            "county": "03",
            "street_address": "Storgata 3",
        },
    )


def test_the_caseworker_sees_the_request_with_its_eligibility_and_the_register(
    client, caseworker, waiting, scheme_year
):
    client.force_login(caseworker)
    english(client)
    response = client.get(reverse("organisations:registration", args=[waiting.pk]))
    assert response.status_code == 200
    eligibility = response.context["eligibility"]
    assert eligibility.reference_date == datetime.date(2022, 1, 1)
    outcomes = {criterion.code: criterion.outcome for criterion in eligibility.criteria}
    assert outcomes == {
        "registered": "pass",
        "age": "fail",  # founded in 2010: more than five years before 2022
        "applied": "unknown",  # nothing recorded yet
        "purpose": "unknown",  # the caseworker judges it
    }
    compared = {str(label): differs for label, _s, _r, differs in response.context["compared"]}
    assert compared["name"] is False  # only the capitals differ
    assert compared["county"] is False
    assert compared["founded"] is False
    assert compared["street address"] is True  # changed by the person: the page marks it
    content = response.content.decode()
    assert reverse("organisations:registration_approve", args=[waiting.pk]) in content


def test_approving_registers_the_organisation_with_the_person_as_leader(
    caseworker, waiting, newcomer, group, django_capture_on_commit_callbacks
):
    newcomer.language = "nb"
    newcomer.save()
    with django_capture_on_commit_callbacks(execute=True):
        organisation = services.approve_registration(caseworker, waiting)
    assert organisation.org_number == waiting.org_number
    assert organisation.is_demo is False
    assert organisation.kind == "participant"
    assert organisation.founded == datetime.date(2010, 5, 1)
    assert list(organisation.target_groups.all()) == [group]
    [activity] = Activity.objects.filter(organisation=organisation)
    assert (activity.name, activity.frequency, activity.typical_participants) == (
        "Leksehjelp",
        "weekly",
        20,
    )
    membership = Membership.objects.get(organisation=organisation)
    assert (membership.user, membership.role) == (newcomer, MemberRole.LEADER)
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.APPROVED
    assert (waiting.decided_by, waiting.organisation) == (caseworker, organisation)
    assert {event.verb for event in timeline(organisation)} == {
        services.CREATED,
        services.REGISTRATION_APPROVED,
    }
    assert [event.verb for event in timeline(waiting)] == [
        services.REGISTRATION_APPROVED,
        services.REGISTRATION_REQUESTED,
    ]
    # Told by e-mail, in their own language.
    [message] = mail.outbox
    assert message.to == [newcomer.email]
    assert message.subject == f"{organisation.name} er registrert i tilskuddsportalen"


def test_the_new_leader_reaches_their_organisation_at_once(client, caseworker, waiting, newcomer):
    organisation = services.approve_registration(caseworker, waiting)
    client.force_login(newcomer)
    assert client.get(reverse("organisations:detail", args=[organisation.pk])).status_code == 200
    assert client.get(reverse("organisations:edit", args=[organisation.pk])).status_code == 200


def test_rejecting_needs_a_reason_and_tells_the_person(client, caseworker, waiting, newcomer):
    client.force_login(caseworker)
    english(client)
    url = reverse("organisations:registration_reject", args=[waiting.pk])
    empty = client.post(url, {"reason": "  "})
    assert empty.status_code == 200
    assert "reason" in empty.context["reject_form"].errors
    waiting.refresh_from_db()
    assert waiting.is_pending
    done = client.post(url, {"reason": "Organisasjonen er ikke frivillig."})
    assert done.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.REJECTED
    assert waiting.reason == "Organisasjonen er ikke frivillig."
    assert not Organisation.objects.filter(org_number=waiting.org_number).exists()
    [notification] = Notification.objects.filter(recipient=newcomer)
    assert "not approved" in notification.subject
    assert "Organisasjonen er ikke frivillig." in notification.body
    assert notification.email_to == newcomer.email
    assert next(event.verb for event in timeline(waiting)) == services.REGISTRATION_REJECTED


def test_a_decided_request_is_not_decided_again(client, caseworker, waiting):
    organisation = services.approve_registration(caseworker, waiting)
    client.force_login(caseworker)
    english(client)
    again = client.post(
        reverse("organisations:registration_approve", args=[waiting.pk]), follow=True
    )
    assert "already decided" in " ".join(page_messages(again))
    with pytest.raises(ValidationError):
        services.reject_registration(caseworker, waiting, "For sent.")
    assert Organisation.objects.filter(org_number=organisation.org_number).count() == 1


def test_a_number_registered_meanwhile_is_not_registered_twice(caseworker, waiting):
    services.create_organisation(
        caseworker, kind="participant", name="Allerede", org_number=waiting.org_number
    )
    with pytest.raises(ValidationError, match="registered already"):
        services.approve_registration(caseworker, waiting)
    waiting.refresh_from_db()
    assert waiting.is_pending
    assert Organisation.objects.filter(org_number=waiting.org_number).count() == 1


def test_two_caseworkers_approving_at_once_register_once(
    postgres, transactional_db, newcomer, group
):
    registration = registered(newcomer, group)
    caseworkers = [factories.caseworker() for _ in range(3)]
    outcome = at_once(
        [
            lambda actor=actor: services.approve_registration(actor, registration)
            for actor in caseworkers
        ]
    )
    assert not outcome.crashes
    assert len(outcome.made) == 1
    assert Organisation.objects.filter(org_number=registration.org_number).count() == 1
    assert Membership.objects.filter(user=newcomer, role=MemberRole.LEADER).count() == 1


# Who sees and decides what ----------------------------------------------------------------------


def test_who_sees_and_decides_a_registration(client, waiting, newcomer, member, caseworker):
    page = reverse("organisations:registration", args=[waiting.pk])
    approve = reverse("organisations:registration_approve", args=[waiting.pk])
    reject = reverse("organisations:registration_reject", args=[waiting.pk])
    # The person who asked sees their own request, but may not decide it.
    client.force_login(newcomer)
    assert client.get(page).status_code == 200
    assert "eligibility" not in client.get(page).context
    assert client.post(approve).status_code == 403
    assert client.post(reject, {"reason": "Nei."}).status_code == 403
    assert client.get(REGISTRATIONS).status_code == 403
    # Anybody else does not see it at all.
    client.force_login(member)
    assert client.get(page).status_code == 404
    assert client.post(approve).status_code == 404
    assert client.post(reject, {"reason": ""}).status_code == 404
    assert client.get(REGISTRATIONS).status_code == 403
    waiting.refresh_from_db()
    assert waiting.is_pending
    with pytest.raises(PermissionDenied):
        services.approve_registration(newcomer, waiting)
    # Caseworkers keep the register of participants and mentors.
    client.force_login(caseworker)
    assert client.get(page).status_code == 200
    assert client.get(REGISTRATIONS).status_code == 200


def test_the_caseworkers_list_shows_the_waiting_with_their_eligibility(
    client, caseworker, newcomer, group, scheme_year
):
    first = registered(newcomer, group)
    decided = registered(newcomer, group, org_number=fictional_orgnr(82000500))
    services.reject_registration(caseworker, decided, "Nei.")
    client.force_login(caseworker)
    response = client.get(REGISTRATIONS)
    [(registration, eligibility)] = response.context["rows"]
    assert registration == first
    assert eligibility.reference_date == scheme_year.starts
    rejected = client.get(REGISTRATIONS, {"status": "rejected"})
    assert [row[0] for row in rejected.context["rows"]] == [decided]


STEMS = iter(range(83000000, 84000000, 2))


def test_the_caseworkers_list_takes_the_same_queries_for_many_requests(
    client, caseworker, group, scheme_year
):
    client.force_login(caseworker)

    def queries_for(count):
        for _ in range(count):
            registered(factories.UserFactory(), group, org_number=fictional_orgnr(next(STEMS)))
        client.get(REGISTRATIONS)  # fills the session and the access caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(REGISTRATIONS).status_code == 200
        return len(queries)

    few = queries_for(1)
    many = queries_for(9)
    assert few == many, f"{few} queries for one request, {many} for ten"
    assert many <= 10


def test_the_caseworker_is_told_on_the_dashboard(client, caseworker, newcomer, group):
    registered(newcomer, group)
    client.force_login(caseworker)
    english(client)
    response = client.get(DASHBOARD)
    titles = [item.title for item in response.context["due_items"]]
    assert "1 registration of an organisation to decide" in titles
    [panel] = [
        p
        for p in response.context["panels"]
        if p.template == "organisations/panels/caseworker.html"
    ]
    assert panel.context["registrations_waiting"] == 1


# Personal data ----------------------------------------------------------------------------------


def test_the_persons_export_holds_their_registrations(newcomer, group):
    registered(newcomer, group)
    [exported] = about_person(newcomer).records["registrations_you_sent"]
    assert exported["name"] == "Nytt fellesskap"
    assert exported["target_groups"] == [group.name]
    assert exported["status"] == "pending"


def test_rejected_registrations_go_90_days_after_the_decision(caseworker, newcomer, group):
    [rule] = [r for r in retention.RULES if r.code == "refused_requests"]
    assert rule.keep == datetime.timedelta(days=90)
    old = registered(newcomer, group, org_number=fictional_orgnr(82000700))
    recent = registered(newcomer, group, org_number=fictional_orgnr(82000800))
    approved = registered(newcomer, group, org_number=fictional_orgnr(82000900))
    pending = registered(newcomer, group, org_number=fictional_orgnr(82001100))
    for registration in (old, recent):
        services.reject_registration(caseworker, registration, "Nei.")
    services.approve_registration(caseworker, approved)
    long_ago = timezone.now() - rule.keep - datetime.timedelta(days=1)
    RegistrationRequest.objects.filter(pk__in=[old.pk, approved.pk]).update(decided_at=long_ago)
    assert retention.apply_rules()["refused_requests"] == 1
    kept = set(RegistrationRequest.objects.values_list("pk", flat=True))
    assert kept == {recent.pk, approved.pk, pending.pk}
