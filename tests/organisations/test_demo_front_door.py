"""The demo's front door: a registration waiting for the caseworker and a request to join
AktivNo, each from a person in no organisation; loading again adds nothing."""

from organisations import demo, services
from organisations.models import JoinRequest, Membership, Organisation, RegistrationRequest
from organisations.orgnr import clean_orgnr
from scheme.models import User


def load():
    demo.load(lambda line: None)


def counts():
    return (RegistrationRequest.objects.count(), JoinRequest.objects.count(), User.objects.count())


def test_the_demo_has_a_registration_and_a_request_to_join_waiting(db):
    load()
    first = counts()
    load()
    assert counts() == first
    [registration] = RegistrationRequest.objects.pending()
    assert registration.is_demo
    assert clean_orgnr(registration.org_number) == registration.org_number
    assert not Organisation.objects.filter(org_number=registration.org_number).exists()
    applicant = registration.requested_by
    assert applicant.email == demo.APPLICANT[0]
    assert not Membership.objects.filter(user=applicant).exists()
    assert registration.target_groups.exists()
    [join_request] = JoinRequest.objects.pending()
    assert join_request.organisation.name == "AktivNo"
    assert not Membership.objects.filter(user=join_request.user).exists()
    assert Membership.objects.filter(organisation=join_request.organisation, role="leader")
    logins = [email for _role, email in demo.LOGINS]
    assert demo.APPLICANT[0] in logins and demo.JOINER[0] in logins
    for email in (demo.APPLICANT[0], demo.JOINER[0]):
        assert User.objects.get(email=email).check_password(demo.DEMO_PASSWORD)


def test_a_decided_demo_registration_is_not_made_again(db):
    load()
    registration = RegistrationRequest.objects.get()
    caseworker = User.objects.get(email="saksbehandler@imdi.example")
    organisation = services.approve_registration(caseworker, registration)
    assert organisation.is_demo  # a demo request makes a demo organisation
    leader = organisation.memberships.get().user
    services.decline_join_request(
        User.objects.get(email="leder@aktivno.example"), JoinRequest.objects.get()
    )
    load()
    assert not RegistrationRequest.objects.pending().exists()
    assert not JoinRequest.objects.pending().exists()
    assert organisation.memberships.get().user == leader
