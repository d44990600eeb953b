"""Every create form in grants saves once, however often it is sent: a double click, the back
button or two tabs. The form carries a one-time token (scheme.once) that its service spends,
or the domain has a uniqueness rule (one appeal per decision, one invitation per organisation
and call, one application per organisation and call).

Each test takes the token from the page as a browser would, posts the form twice and counts.
The concurrent test needs PostgreSQL.
"""

import datetime
import re
import uuid
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from grants import services
from grants.models import (
    Appeal,
    Attachment,
    AttachmentKind,
    ChangeNotice,
    Clawback,
    Decision,
    DecisionKind,
    Disbursement,
    Invitation,
    PaymentAttestation,
    Repayment,
    Round,
)
from scheme.models import Notification
from scheme.once import AlreadySent
from tests import factories
from tests.concurrency import at_once
from tests.grants.conftest import complete_application, pdf

TODAY = timezone.localdate
ALREADY_SENT = "This form was already sent"


def token_on(response, name="form_token") -> str:
    """The one-time token in the page's hidden field ``name``."""
    page = response.content.decode()
    match = re.search(rf'name="{re.escape(name)}" value="([0-9a-f-]{{36}})"', page)
    assert match, f"no {name} on the page"
    return match.group(1)


def post_twice(client, url, data):
    first = client.post(url, data)
    second = client.post(url, data)
    return first, second


@pytest.fixture
def accepted(awarded, member):
    return services.accept_award(member, awarded)


@pytest.fixture
def paid(accepted, caseworker):
    factories.pay(accepted, accepted.amount, TODAY(), attester=caseworker)
    return accepted


# --- the organisation's forms ---------------------------------------------------------------------


def test_a_change_notice_sent_twice_is_saved_once(client, member, accepted):
    client.force_login(member)
    url = reverse("grants:change_notice", args=[accepted.pk])
    data = {"description": "Ny leder fra mars.", "form_token": token_on(client.get(url))}
    notifications = Notification.objects.count()
    first, second = post_twice(client, url, data)
    assert first.status_code == 302
    assert second.status_code == 200
    assert ALREADY_SENT in second.content.decode()
    assert ChangeNotice.objects.filter(award=accepted).count() == 1
    assert Notification.objects.count() - notifications == 1  # the caseworker told once


def test_an_attachment_uploaded_twice_is_stored_once(client, member, call, participant):
    draft = services.start_application(member, call, participant)
    client.force_login(member)
    url = reverse("grants:application_edit", args=[draft.pk, "documents"])
    token = token_on(client.get(url))
    for _ in range(2):
        client.post(
            url,
            {
                "kind": AttachmentKind.STATUTES,
                "file": pdf("vedtekter.pdf"),
                "form_token": token,
            },
        )
    assert Attachment.objects.filter(application=draft).count() == 1


def test_the_database_keeps_one_appeal_per_decision(member, accepted):
    services.lodge_appeal(member, accepted.decision, "Vi søkte om mer.")
    with pytest.raises(IntegrityError), transaction.atomic():
        Appeal.objects.create(decision=accepted.decision, grounds="Igjen.", lodged_by=member)


# --- the caseworker's forms -----------------------------------------------------------------------


def test_a_call_created_twice_is_saved_once(client, caseworker, scheme_year):
    client.force_login(caseworker)
    url = reverse("grants:round_create")
    data = {
        "scheme_year": scheme_year.pk,
        "title": "Vårrunden",
        "kind": "open",
        "opens_on": TODAY().isoformat(),
        "closes_on": (TODAY() + datetime.timedelta(days=30)).isoformat(),
        "guidance": "Søk om driftsmidler.",
        "form_token": token_on(client.get(url)),
    }
    first, second = post_twice(client, url, data)
    assert first.status_code == 302
    assert ALREADY_SENT in second.content.decode()
    assert Round.objects.filter(title="Vårrunden").count() == 1


def test_a_payment_attested_twice_is_saved_once(client, caseworker, accepted):
    client.force_login(caseworker)
    token = token_on(
        client.get(reverse("grants:review_award", args=[accepted.pk])), "disburse-form_token"
    )
    data = {
        "disburse-instalment": "",
        "disburse-amount": "1000",
        "disburse-pay_on": TODAY().isoformat(),
        "disburse-form_token": token,
    }
    post_twice(client, reverse("grants:disburse", args=[accepted.pk]), data)
    assert list(PaymentAttestation.objects.values_list("amount", flat=True)) == [Decimal("1000")]
    assert not Disbursement.objects.exists()  # paid once an approver approves it


def test_a_clawback_decided_twice_is_saved_once(client, caseworker, paid):
    client.force_login(caseworker)
    token = token_on(
        client.get(reverse("grants:review_award", args=[paid.pk])), "clawback-form_token"
    )
    data = {
        "clawback-amount": "5000",
        "clawback-reasons": "Brukt mot vilkårene.",
        "clawback-due_on": (TODAY() + datetime.timedelta(days=30)).isoformat(),
        "clawback-form_token": token,
    }
    post_twice(client, reverse("grants:clawback", args=[paid.pk]), data)
    assert Clawback.objects.count() == 1
    assert Decision.objects.filter(kind=DecisionKind.CLAWBACK).count() == 1


def test_a_repayment_recorded_twice_is_saved_once(client, caseworker, paid):
    clawback = services.open_clawback(
        caseworker,
        paid,
        amount=Decimal("5000"),
        reasons="Brukt mot vilkårene.",
        due_on=TODAY() + datetime.timedelta(days=30),
    )
    client.force_login(caseworker)
    prefix = f"repay-{clawback.pk}"
    page = client.get(reverse("grants:review_award", args=[paid.pk]))
    data = {
        f"{prefix}-amount": "1000",
        f"{prefix}-paid_on": TODAY().isoformat(),
        f"{prefix}-form_token": token_on(page, f"{prefix}-form_token"),
    }
    post_twice(client, reverse("grants:repayment", args=[clawback.pk]), data)
    assert list(Repayment.objects.values_list("amount", flat=True)) == [Decimal("1000")]


# --- at the same moment -------------------------------------------------------------------------


def test_a_change_notice_sent_from_four_tabs_at_once_is_saved_once(
    postgres, transactional_db, member, caseworker, call, participant
):
    application = services.submit_application(
        member, complete_application(member, call, participant)
    )
    services.declare_impartiality(caseworker, application, has_conflict=False)
    award = services.award_grant(caseworker, application, amount=Decimal("95000"), reasons="Ja.")
    token = uuid.uuid4()
    made, errors, crashes = at_once(
        [lambda: services.send_change_notice(member, award, "Ny leder.", form_token=token)] * 4,
        expected=(AlreadySent,),
    )
    assert crashes == []
    assert len(made) == 1
    assert len(errors) == 3 and all(error.startswith(ALREADY_SENT) for error in errors)
    assert ChangeNotice.objects.filter(award=award).count() == 1


def test_two_caseworkers_inviting_at_once_invite_and_tell_once(
    postgres, transactional_db, caseworker, other_caseworker, call, other_participant, other_member
):
    made, errors, crashes = at_once(
        [
            lambda actor=actor: services.invite(actor, call, [other_participant])
            for actor in (caseworker, other_caseworker)
        ]
    )
    assert crashes == [] and errors == []  # an IntegrityError is the bug this test is for
    assert sorted(made) == [0, 1]  # one invited, none twice
    assert Invitation.objects.filter(round=call, organisation=other_participant).count() == 1
    assert Notification.objects.filter(recipient=other_member).count() == 1
