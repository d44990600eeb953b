"""The bank account for payouts: a leader gives it, every leader and the caseworkers who pay the
organisation are told, a caseworker other than the person who gave it confirms it, and money is
paid only to the current, confirmed account, which each payment keeps. The number is shown
masked, in full only on a deliberate "show" to the organisation's leaders and the caseworkers
who pay it."""

import time
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from grants import services
from grants.account_numbers import fictional_account_number
from grants.models import Disbursement, PaymentAttestation, PayoutAccount
from grants.services.payments_texts import PAYMENT_APPROVED
from organisations.models import Membership
from scheme import registry
from scheme.audit import timeline
from scheme.models import Event, Notification
from scheme.roles import MemberRole
from tests import factories
from tests.concurrency import at_once
from tests.grants.conftest import ACCOUNT, confirmed_account, refused

TODAY = timezone.localdate
NUMBER = "20509876542"  # ACCOUNT as stored
MASKED = "**** ** *6542"
OTHER = "9999 00 00014"  # another valid number


def url(name, *args):
    return reverse(f"grants:{name}", args=args)


def give(leader, organisation, number=ACCOUNT):
    return services.give_payout_account(leader, organisation, number)


def attest(caseworker, award, amount="1000"):
    return services.attest_payment(caseworker, award, amount=Decimal(amount), pay_on=TODAY())


def approver_of(award):
    return factories.approver(award.application.round.scheme_year.scheme.administrator)


def pay(caseworker, award, amount="1000"):
    """Attested by ``caseworker``, approved for payment by an approver of the body."""
    attestation = attest(caseworker, award, amount)
    return services.approve_payment(approver_of(award), attestation)


@pytest.fixture
def accepted(awarded_without_account, member):
    """An accepted award to an organisation that has not given an account yet."""
    return services.accept_award(member, awarded_without_account)


def _all_text() -> str:
    """Everything written about accounts where people read it: timelines, notifications with
    their e-mail text, and the field history."""
    events = " ".join(f"{e.verb} {e.detail}" for e in Event.objects.all())
    messages = " ".join(f"{n.subject} {n.body}" for n in Notification.objects.all())
    changes = " ".join(str(entry.changes) for entry in LogEntry.objects.all())
    return f"{events} {messages} {changes}"


# --- giving the account --------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["2050 98 76542", "2050.98.76542", " 20509876542 "])
def test_a_leader_gives_the_account_as_people_type_it(accepted, member, participant, typed):
    account = give(member, participant, typed)
    assert account.number == NUMBER
    assert account.masked == MASKED
    assert account.formatted == "2050 98 76542"
    assert account.is_current and not account.is_confirmed
    assert account.entered_by == member
    event = timeline(participant)[0]
    assert (event.verb, event.detail) == (services.ACCOUNT_GIVEN, MASKED)
    assert NUMBER not in _all_text() and "76542" not in _all_text()  # masked everywhere


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("2050 98 76543", ["not a valid account number", "last digit"]),
        ("2050 98 7654", ["11 digits", "you wrote 10"]),
        ("2050 98 7654O", ["digits only"]),
        ("", ["digits only"]),
    ],
)
def test_a_wrong_number_is_refused_with_the_reason_and_nothing_changes(
    accepted, member, participant, typed, words
):
    error = refused(
        ValidationError, lambda: give(member, participant, typed), *words, objects=[participant]
    )
    assert list(error.message_dict) == ["number"]


def test_the_same_number_again_is_not_a_change(accepted, member, participant):
    account = give(member, participant)
    refused(
        ValidationError,
        lambda: give(member, participant, "2050.98.76542"),
        "already the organisation's account",
        objects=[account],
    )


@pytest.mark.parametrize("who", ["contact", "plain member", "caseworker", "admin", "other leader"])
def test_only_the_organisations_leaders_give_the_account(
    request, accepted, participant, other_member, who
):
    actor = {
        "contact": lambda: factories.member_of(participant, role=MemberRole.CONTACT),
        "plain member": lambda: factories.member_of(participant, role=MemberRole.MEMBER),
        "caseworker": lambda: request.getfixturevalue("caseworker"),
        "admin": lambda: request.getfixturevalue("admin_user"),
        "other leader": lambda: other_member,
    }[who]()
    refused(PermissionDenied, lambda: give(actor, participant), objects=[participant])


def test_a_mentor_organisations_leader_gives_no_account(db):
    mentor_org = factories.OrganisationFactory(kind="mentor")
    leader = factories.member_of(mentor_org)
    refused(PermissionDenied, lambda: give(leader, mentor_org))


def test_a_change_keeps_the_account_before_and_waits_for_confirmation(
    accepted, member, caseworker, participant
):
    first = confirmed_account(member, caseworker, participant)
    pay(caseworker, accepted)
    second = give(member, participant, OTHER)
    first.refresh_from_db()
    assert first.superseded_at == second.entered_at
    assert first.is_confirmed and not second.is_confirmed
    assert list(PayoutAccount.objects.current()) == [second]
    assert PayoutAccount.objects.filter(organisation=participant).count() == 2
    assert Disbursement.objects.get().account == first  # what was paid stays where it went


# --- who is told ---------------------------------------------------------------------------------


def test_every_leader_and_the_caseworkers_who_pay_the_organisation_are_told(
    accepted,
    member,
    caseworker,
    other_caseworker,
    foreign_caseworker,
    participant,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    second_leader = factories.member_of(participant, role=MemberRole.LEADER, language="en")
    contact = factories.member_of(participant, role=MemberRole.CONTACT)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        account = give(member, participant)
    told = {n.recipient: n for n in Notification.objects.all()}
    assert set(told) == {member, second_leader, caseworker, other_caseworker}
    assert contact not in told and foreign_caseworker not in told
    to_leader = told[second_leader]
    assert to_leader.subject == f"New bank account for payouts to {participant.name}"
    assert MASKED in to_leader.body and "If you do not know of this change" in to_leader.body
    assert to_leader.url == url("payout_account", participant.pk)
    to_caseworker = told[caseworker]
    assert to_caseworker.subject == f"Confirm the new bank account of {participant.name}"
    assert to_caseworker.url == url("award", accepted.pk)
    assert {message.to[0] for message in mailoutbox} == {
        user.email for user in (member, second_leader, caseworker, other_caseworker)
    }
    assert not any(NUMBER in message.body for message in mailoutbox)
    Notification.objects.all().delete()
    services.confirm_payout_account(caseworker, account)
    assert {n.recipient for n in Notification.objects.all()} == {member, second_leader}


def test_caseworkers_hear_nothing_while_the_organisation_has_no_award(
    member, participant, caseworker, submitted
):
    Notification.objects.all().delete()
    give(member, participant)
    assert {n.recipient for n in Notification.objects.all()} == {member}


# --- confirming ----------------------------------------------------------------------------------


def test_the_person_who_gave_the_account_cannot_confirm_it(
    accepted, participant, caseworker, admin_user
):
    Membership.objects.create(user=admin_user, organisation=participant, role=MemberRole.LEADER)
    account = give(admin_user, participant)
    refused(
        ValidationError,
        lambda: services.confirm_payout_account(admin_user, account),
        "another person must confirm it",
        objects=[account],
    )
    services.confirm_payout_account(caseworker, account)
    account.refresh_from_db()
    assert account.confirmed_by == caseworker


def test_the_database_refuses_a_confirmation_by_the_giver(accepted, member, participant):
    account = give(member, participant)
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutAccount.objects.filter(pk=account.pk).update(
            confirmed_by=member, confirmed_at=timezone.now()
        )


def test_two_current_accounts_cannot_exist(accepted, member, participant):
    give(member, participant)
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutAccount.objects.create(organisation=participant, number=NUMBER, entered_by=member)


@pytest.mark.parametrize("who", ["member", "foreign_caseworker", "mentor"])
def test_only_caseworkers_who_pay_the_organisation_confirm(
    request, accepted, member, participant, who
):
    account = give(member, participant)
    actor = request.getfixturevalue(who)
    refused(
        PermissionDenied,
        lambda: services.confirm_payout_account(actor, account),
        objects=[account],
    )


def test_a_caseworker_confirms_nothing_for_an_organisation_without_an_award(
    member, participant, caseworker, submitted
):
    account = give(member, participant)
    refused(PermissionDenied, lambda: services.confirm_payout_account(caseworker, account))


def test_an_account_replaced_meanwhile_is_not_confirmed(accepted, member, caseworker, participant):
    seen = give(member, participant)
    newer = give(member, participant, OTHER)
    refused(
        ValidationError,
        lambda: services.confirm_payout_account(caseworker, seen),
        "given another account since",
        objects=[seen, newer],
    )
    services.confirm_payout_account(caseworker, newer)
    refused(
        ValidationError,
        lambda: services.confirm_payout_account(caseworker, newer),
        "already confirmed",
        objects=[newer],
    )


# --- paying --------------------------------------------------------------------------------------


def test_nothing_is_paid_without_an_account(accepted, caseworker):
    refused(
        ValidationError,
        lambda: pay(caseworker, accepted),
        "has not given a bank account for payouts",
        objects=[accepted],
    )


def test_nothing_is_paid_to_an_account_waiting_for_confirmation(
    accepted, member, caseworker, participant
):
    confirmed_account(member, caseworker, participant)
    waiting = give(member, participant, OTHER)
    refused(
        ValidationError,
        lambda: pay(caseworker, accepted),
        "waits for a caseworker to confirm it",
        waiting.masked,
        objects=[accepted, waiting],
    )
    services.confirm_payout_account(caseworker, waiting)
    assert pay(caseworker, accepted).account == waiting


def test_each_payment_keeps_and_tells_the_account_it_went_to(
    accepted, member, caseworker, participant
):
    account = confirmed_account(member, caseworker, participant)
    Notification.objects.all().delete()
    payment = pay(caseworker, accepted, "5000")
    assert payment.account == account
    assert timeline(accepted.application)[0].detail.endswith(MASKED)
    told = Notification.objects.get(recipient=member)
    assert f"to the account {MASKED}" in told.body


# --- at the same moment (PostgreSQL) -------------------------------------------------------------


@pytest.fixture
def renderer(monkeypatch):
    """The payment letter is drawn up when the approval commits: a stand-in where the reports
    app has not registered its renderer."""
    if registry.document_renderer("grants.disbursement") is None:
        monkeypatch.setitem(
            registry._document_renderers, "grants.disbursement", lambda entry, **kw: b"%PDF-1.4\n"
        )


def test_a_payment_and_an_account_change_at_once_never_pay_to_an_unconfirmed_account(
    postgres, transactional_db, renderer, monkeypatch, accepted, member, caseworker, participant
):
    """The approval for payment reads the account and then takes its time; the change comes
    meanwhile. With the organisation locked, the change waits for the payment (which went to
    the account that was current and confirmed until then), or the payment waits for the change
    and is refused. Without the lock the payment would be saved to an account already
    replaced."""
    first = confirmed_account(member, caseworker, participant)
    attestation = attest(caseworker, accepted)
    approver = approver_of(accepted)
    decide = services.payout_account_problem

    def slow_decision(account):
        problem = decide(account)
        time.sleep(0.5)  # the payment has read the account and is still deciding
        return problem

    monkeypatch.setattr(services.money, "payout_account_problem", slow_decision)

    def change_meanwhile():
        time.sleep(0.1)
        return give(member, participant, OTHER)

    result = at_once([lambda: services.approve_payment(approver, attestation), change_meanwhile])
    assert not result.crashes, result.crashes
    first.refresh_from_db()
    second = PayoutAccount.objects.get(organisation=participant, superseded_at=None)
    assert not second.is_confirmed
    for payment in Disbursement.objects.select_related("account"):
        assert payment.account == first
        paid_at = Event.objects.get(verb=PAYMENT_APPROVED).created_at
        assert first.superseded_at > paid_at  # replaced only after the payment was saved
    if not Disbursement.objects.exists():
        assert len(result.errors) == 1 and "another bank account" in result.errors[0]


# --- the pages -----------------------------------------------------------------------------------


def test_the_leader_gives_the_account_on_the_organisations_page(
    client, accepted, member, participant
):
    client.force_login(member)
    page = url("payout_account", participant.pk)
    response = client.get(page)
    assert response.status_code == 200
    assert "No account has been given yet" in response.content.decode()
    response = client.post(page, {"number": "2050 98 76543"})
    assert response.status_code == 200
    assert "last digit does not match" in str(response.context["form"].errors["number"])
    assert 'value="2050 98 76543"' in response.content.decode()  # the input kept
    assert not PayoutAccount.objects.exists()
    response = client.post(page, {"number": ACCOUNT})
    assert response.status_code == 302
    assert PayoutAccount.objects.get().number == NUMBER
    body = client.get(page).content.decode()
    assert MASKED in body and NUMBER not in body and "2050 98 76542" not in body
    assert url("payout_account_number", PayoutAccount.objects.get().pk) in body


def test_other_people_of_the_organisation_read_the_account_masked_and_change_nothing(
    client, accepted, member, participant
):
    account = give(member, participant)
    contact = factories.member_of(participant, role=MemberRole.CONTACT)
    client.force_login(contact)
    response = client.get(url("payout_account", participant.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert MASKED in body and "Only the organisation's leaders" in body
    assert url("payout_account_number", account.pk) not in body
    assert client.post(url("payout_account", participant.pk), {"number": OTHER}).status_code == 403
    assert client.get(url("payout_account_number", account.pk)).status_code == 403
    assert list(PayoutAccount.objects.all()) == [account]


@pytest.mark.parametrize(("who", "status"), [("caseworker", 403), ("other_member", 404)])
def test_the_account_page_is_the_organisations_own(
    client, request, accepted, participant, who, status
):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("payout_account", participant.pk)).status_code == status
    assert (
        client.post(url("payout_account", participant.pk), {"number": OTHER}).status_code == status
    )
    assert not PayoutAccount.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("member", 200),
        ("caseworker", 200),
        ("admin_user", 200),
        ("foreign_caseworker", 404),
        ("other_member", 404),
        ("mentor", 404),
    ],
)
def test_the_whole_number_is_shown_to_leaders_and_the_caseworkers_who_pay(
    client, request, accepted, member, participant, who, status
):
    account = give(member, participant)
    client.force_login(request.getfixturevalue(who))
    response = client.get(url("payout_account_number", account.pk))
    assert response.status_code == status
    if status == 200:
        assert "2050 98 76542" in response.content.decode()
        assert "no-store" in response["Cache-Control"]


def test_the_back_link_of_the_whole_number_stays_on_the_site(client, accepted, member, participant):
    account = give(member, participant)
    client.force_login(member)
    page = url("payout_account_number", account.pk)
    assert 'href="/grants/"' in client.get(page + "?next=https://evil.example/").content.decode()
    back = url("payout_account", participant.pk)
    assert f'href="{back}"' in client.get(f"{page}?next={back}").content.decode()


def test_the_grants_home_shows_each_organisations_account_masked(
    client, accepted, member, participant
):
    give(member, participant)
    client.force_login(member)
    body = client.get(url("home")).content.decode()
    assert MASKED in body and "waiting for the caseworker to confirm it" in body
    assert NUMBER not in body and "2050 98 76542" not in body


def test_the_award_letter_and_its_payments_show_the_account_masked(
    client, accepted, member, caseworker, participant
):
    client.force_login(member)
    body = client.get(url("award", accepted.pk)).content.decode()
    assert "has not given a bank account for payouts yet" in body
    confirmed_account(member, caseworker, participant)
    pay(caseworker, accepted)
    body = client.get(url("award", accepted.pk)).content.decode()
    assert f"It is paid to the account {MASKED}" in body  # the letter
    assert f'<td class="font-monospace">{MASKED}</td>' in body  # the payment
    assert NUMBER not in body and "2050 98 76542" not in body


def test_the_caseworker_confirms_on_the_award_page_and_then_pays(
    client, accepted, member, caseworker, participant
):
    account = give(member, participant)
    client.force_login(caseworker)
    page = url("review_award", accepted.pk)
    body = client.get(page).content.decode()
    assert MASKED in body and NUMBER not in body
    assert "waits for a caseworker to confirm it" in body
    assert url("disburse", accepted.pk) not in body  # no payment form
    confirm = url("confirm_payout_account", accepted.pk, account.pk)
    assert confirm in body
    assert client.post(confirm).status_code == 302
    account.refresh_from_db()
    assert account.confirmed_by == caseworker
    body = client.get(page).content.decode()
    assert url("disburse", accepted.pk) in body and confirm not in body
    response = client.post(
        url("disburse", accepted.pk),
        {"disburse-amount": "1000", "disburse-pay_on": TODAY().isoformat()},
    )
    assert response.status_code == 302
    attestation = PaymentAttestation.objects.get()
    assert attestation.account == account and not Disbursement.objects.exists()
    services.approve_payment(approver_of(accepted), attestation)
    assert Disbursement.objects.get().account == account
    assert MASKED in client.get(page).content.decode()


@pytest.mark.parametrize(("who", "status"), [("member", 403), ("foreign_caseworker", 404)])
def test_only_the_schemes_caseworkers_reach_the_confirmation(
    client, request, accepted, member, participant, who, status
):
    account = give(member, participant)
    client.force_login(request.getfixturevalue(who))
    assert client.post(url("confirm_payout_account", accepted.pk, account.pk)).status_code == status
    account.refresh_from_db()
    assert not account.is_confirmed


def test_another_organisations_account_is_not_found_through_this_award(
    client, accepted, caseworker, other_member, other_participant
):
    account = give(other_member, other_participant)
    client.force_login(caseworker)
    assert client.post(url("confirm_payout_account", accepted.pk, account.pk)).status_code == 404
    account.refresh_from_db()
    assert not account.is_confirmed


def test_the_caseworkers_refusal_is_shown_and_nothing_changes(
    client, accepted, member, caseworker, participant
):
    seen = give(member, participant)
    give(member, participant, OTHER)
    client.force_login(caseworker)
    response = client.post(url("confirm_payout_account", accepted.pk, seen.pk), follow=True)
    assert "given another account since" in response.content.decode()
    assert not PayoutAccount.objects.filter(confirmed_at__isnull=False).exists()


@pytest.mark.parametrize("page", ["review_award", "payout_account"])
def test_the_pages_need_the_same_queries_however_often_the_account_changed(
    client, accepted, member, caseworker, participant, page
):
    user, args = (
        (caseworker, [accepted.pk]) if page == "review_award" else (member, [participant.pk])
    )
    client.force_login(user)
    client.get(url(page, *args))

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(page, *args)).status_code == 200
        return len(queries)

    confirmed_account(member, caseworker, participant)
    few = count()
    for seed in range(4):
        confirmed_account(member, caseworker, participant, fictional_account_number(seed * 10))
    assert count() == few


def test_an_organisation_export_holds_its_accounts_masked(
    accepted, member, caseworker, participant
):
    from grants.personal_data import about_organisation, about_person

    confirmed_account(member, caseworker, participant)
    records = about_organisation(participant, member).records
    [account] = records["payout_accounts"]
    assert account["account_number"] == MASKED
    assert about_person(member).records["payout_accounts_given"][0]["account_number"] == MASKED
    assert about_person(caseworker).records["payout_accounts_confirmed"][0]["given_by"] == str(
        member
    )
    assert not about_organisation(participant, factories.caseworker()).records["payout_accounts"]


def test_the_caseworkers_dashboard_counts_the_accounts_to_confirm_and_the_list_finds_them(
    client, accepted, member, caseworker, foreign_caseworker, participant
):
    give(member, participant)
    client.force_login(caseworker)
    body = client.get(reverse("dashboard")).content.decode()
    assert "1 new bank account to confirm" in body
    listed = client.get(url("review") + "?payout_account=waiting")
    assert [a.pk for a in listed.context["page"].object_list] == [accepted.application_id]
    client.force_login(foreign_caseworker)
    assert "bank account to confirm" not in client.get(reverse("dashboard")).content.decode()
    services.confirm_payout_account(caseworker, PayoutAccount.objects.get())
    client.force_login(caseworker)
    assert "bank account to confirm" not in client.get(reverse("dashboard")).content.decode()
    listed = client.get(url("review") + "?payout_account=waiting")
    assert not listed.context["page"].object_list
