"""Case records and two people on decisions and money (issue 13), in a real browser.

One story across people: an organisation's leader reads the review page (every answer, the
budget, the documents, nothing missing) and sends the application; the receipt shows the case
number and its PDF downloads. Caseworker A proposes an award (the scheme needs approval) and
cannot approve it: no approve button, and a POST is refused. Approver B approves it from the
approvals page, so the award names A as the one who decided and B as the one who approved.
Once the organisation has accepted the conditions, A attests a payment on the award page and
B approves it for payment on the approvals page. The case page lists the documents numbered
1..n. The review, receipt, proposal, approvals and case pages are checked with axe.

What the issue does not name (the call, the organisation, the draft, impartiality, accepting
the conditions, the bank account) is made through the factories and services. The browser is
an English user's (``page_en``), so the few texts read do not depend on the translations.
"""

import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

from django.urls import reverse
from django.utils import timezone
from pdfminer.high_level import extract_text
from playwright.sync_api import expect

from grants import records, services
from grants.models import (
    ApplicationStatus,
    AttachmentKind,
    AttestationStatus,
    Award,
    DecisionKind,
    DecisionProposal,
    Disbursement,
    PaymentAttestation,
    ProposalStatus,
)
from organisations.models import Grantor, PreviousApplication
from scheme.models import AwardCondition, Goal
from scheme.records.models import DocumentType
from tests import factories
from tests.e2e.conftest import assert_accessible, log_in, log_out, url_of
from tests.grants.conftest import confirmed_account, pdf

REASONS = "A clear plan for homework help that answers the scheme's goals."
AMOUNT = Decimal("95000")


def _setup():
    """This year's scheme, whose awards need a second person's approval; an eligible
    participant organisation with its leader; caseworker A and approver B of the body; a
    closed call that has invited the organisation; and the leader's draft with everything a
    submission needs (two PDFs among it)."""
    today = timezone.localdate()
    scheme_year = factories.SchemeYearFactory(year=today.year)
    scheme = scheme_year.scheme
    scheme.awards_need_approval = True
    scheme.save(update_fields=["awards_need_approval"])
    Goal.objects.create(scheme=scheme, number=1, text_nb="Mål 1", text_en="Goal 1")
    AwardCondition.objects.create(
        scheme=scheme, position=1, code="notify-changes", text_nb="Meld fra om endringer."
    )
    participant = factories.OrganisationFactory(
        kind="participant",
        founded=today - datetime.timedelta(days=2 * 365),
        in_voluntary_register=True,
        description="Leksehjelp og språkkafé for nyankomne familier.",
    )
    PreviousApplication.objects.create(
        organisation=participant, year=today.year, grantor=Grantor.MUNICIPALITY
    )
    participant.target_groups.add(factories.TargetGroupFactory(name_en="Newly arrived families"))
    leader = factories.member_of(participant, full_name="Amina Leder")
    body = scheme.administrator
    caseworker_a = factories.caseworker(body)
    approver_b = factories.approver(body)
    call = services.save_round(
        caseworker_a,
        scheme_year=scheme_year,
        title="Driftstilskudd",
        kind="closed",
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=20),
        guidance="Søk om driftsmidler for neste år.",
    )
    services.invite(caseworker_a, call, [participant])
    application = services.start_application(leader, call, participant)
    services.save_application(
        leader,
        application,
        amount=Decimal("99000"),
        planned_activities="Homework help every Tuesday and a language café.",
        reach="Children and parents in the district.",
        people_reached=120,
    )
    services.save_budget(
        leader,
        application,
        [
            ("salary", "Coordinator, 20 per cent", Decimal("90000")),
            ("activities", "Language café", Decimal("9000")),
        ],
    )
    services.add_attachment(leader, application, AttachmentKind.STATUTES, pdf("statutes.pdf"))
    services.add_attachment(leader, application, AttachmentKind.ACCOUNTS, pdf("accounts.pdf"))
    return participant, leader, caseworker_a, approver_b, application


def _csrf_post(page, url):
    """POST to ``url`` in the page's session and language, with the CSRF token of a form on
    the page, the way a hand-made form would; returns the response (redirects not followed)."""
    token = page.locator('input[name="csrfmiddlewaretoken"]').first.input_value()
    language = page.evaluate("navigator.language")  # the request context does not send it
    return page.request.post(
        url,
        form={"csrfmiddlewaretoken": token},
        headers={"Accept-Language": language},
        max_redirects=0,
    )


def test_an_application_is_sent_decided_by_two_and_paid_by_two(page_en, live_server, private_media):
    page = page_en
    participant, leader, caseworker_a, approver_b, application = _setup()
    base = live_server.url

    # --- the leader reviews and sends the application -----------------------------------------
    log_in(page, live_server, leader)
    submit_url = reverse("grants:application_submit", args=[application.pk])
    page.goto(base + submit_url)
    expect(page.locator("main [data-case-number]")).to_have_count(0)  # no case before sending
    missing = page.locator('section[aria-labelledby="missing-heading"]')
    expect(missing.locator(".outcome-pass")).to_be_visible()
    answers = page.locator('section[aria-labelledby="review-heading"]')
    expect(answers).to_contain_text(participant.name)
    expect(answers.locator('section[aria-labelledby="summary-amount"]')).to_contain_text(
        "Coordinator, 20 per cent"
    )
    expect(answers.locator('section[aria-labelledby="summary-amount"]')).to_contain_text(
        "Language café"
    )
    expect(answers.locator('section[aria-labelledby="summary-activities"]')).to_contain_text(
        "Homework help every Tuesday"
    )
    documents = answers.locator('section[aria-labelledby="summary-documents"]')
    expect(documents).to_contain_text("statutes.pdf")
    expect(documents).to_contain_text("accounts.pdf")
    send = page.locator('section[aria-labelledby="send-heading"] form button[type=submit]')
    expect(send).to_be_enabled()
    assert_accessible(page)
    send.click()

    # --- the receipt, with the case number, and its PDF -----------------------------------------
    case_file = records.case_file_of(application)
    case_number = case_file.number
    assert re.fullmatch(rf"{timezone.localdate().year}/\d+", case_number)
    receipt_url = reverse("grants:application_receipt", args=[application.pk])
    expect(page).to_have_url(url_of(live_server, receipt_url))
    expect(page.locator("main .messages .alert-success")).to_be_visible()
    expect(page.locator("main [data-receipt-case]")).to_have_text(case_number)
    expect(page.locator("main [data-case-number]")).to_contain_text(case_number)
    received = page.locator('section[aria-labelledby="receipt-documents-heading"] tbody tr')
    expect(received).to_have_count(2)
    expect(received.first.locator("td").first).to_have_text(re.compile(rf"^{case_number}-\d+$"))
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.locator("main a.btn", has_text="Download receipt (PDF)").click()
    content = Path(download_info.value.path()).read_bytes()
    assert content.startswith(b"%PDF")
    assert case_number in extract_text(io.BytesIO(content))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    log_out(page, live_server)

    # --- caseworker A proposes the award and cannot approve it ----------------------------------
    services.declare_impartiality(caseworker_a, application, has_conflict=False)
    log_in(page, live_server, caseworker_a)
    workspace = reverse("grants:review_application", args=[application.pk])
    page.goto(base + workspace)
    expect(page.locator("main")).to_contain_text(case_number)
    page.fill("#id_award-amount", "95000")
    page.fill("#id_award-reasons", REASONS)
    page.check("#id_award-confirm")
    award_form = page.locator('section[aria-labelledby="decide-award"] form')
    expect(award_form.locator("button[type=submit]")).to_have_text("Propose the award for approval")
    award_form.locator("button[type=submit]").click()
    expect(page).to_have_url(base + workspace + "#decision")
    expect(page.locator("main .messages .alert-success")).to_be_visible()
    proposal = DecisionProposal.objects.get(application=application)
    assert proposal.status == ProposalStatus.PROPOSED
    assert proposal.kind == DecisionKind.AWARD
    assert proposal.amount == AMOUNT
    assert proposal.proposed_by == caseworker_a
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED  # nothing decided yet
    assert not Award.objects.filter(application=application).exists()

    proposal_url = reverse("grants:proposal", args=[proposal.pk])
    approve_url = reverse("grants:proposal_step", args=[proposal.pk, "approve"])
    page.locator(f'main a[href="{proposal_url}"]').first.click()
    expect(page).to_have_url(url_of(live_server, proposal_url))
    steps = page.locator('section[aria-labelledby="steps-heading"]')
    expect(steps.locator(f'form[action="{approve_url}"]')).to_have_count(0)
    expect(steps.locator("button", has_text="Approve")).to_have_count(0)
    assert_accessible(page)
    refused = _csrf_post(page, base + approve_url)
    assert refused.status == 403  # a caseworker without the approver role: refused outright
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED
    assert proposal.handled_by is None
    assert not Award.objects.filter(application=application).exists()
    log_out(page, live_server)

    # --- approver B approves it from the approvals page -----------------------------------------
    approvals_url = reverse("grants:approvals")
    log_in(page, live_server, approver_b)
    page.locator(f'main a[href="{approvals_url}"]').first.click()
    expect(page).to_have_url(url_of(live_server, approvals_url))
    proposals = page.locator('section[aria-labelledby="proposals-heading"] tbody tr')
    expect(proposals).to_have_count(1)
    expect(proposals.first).to_contain_text(participant.name)
    expect(proposals.first).to_contain_text(caseworker_a.full_name)
    assert_accessible(page)
    proposals.first.locator(f'a[href="{proposal_url}"]').click()
    expect(page).to_have_url(url_of(live_server, proposal_url))
    assert_accessible(page)
    page.locator(f'form[action="{approve_url}"] button[type=submit]').click()
    award = Award.objects.select_related("decision").get(application=application)
    award_url = reverse("grants:review_award", args=[award.pk])
    expect(page).to_have_url(url_of(live_server, award_url))
    expect(page.locator("main .messages .alert-success")).to_be_visible()
    assert award.amount == AMOUNT
    assert award.decision.decided_by == caseworker_a
    assert award.decision.approved_by == approver_b
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED
    assert proposal.handled_by == approver_b
    log_out(page, live_server)

    # --- the organisation accepts; A attests a payment, B approves it ---------------------------
    services.accept_award(leader, award)
    confirmed_account(leader, approver_b, participant)
    log_in(page, live_server, caseworker_a)
    page.goto(base + award_url)
    disburse = page.locator(f'form[action="{reverse("grants:disburse", args=[award.pk])}"]')
    if not award.instalments.exists():
        # No payment plan: the whole award, not against an instalment (with a plan, the form
        # offers the next instalment, paid in full).
        disburse.locator('input[name="disburse-amount"]').fill("95000")
    disburse.locator("button[type=submit]").click()
    expect(page).to_have_url(base + award_url + "#payments")
    expect(page.locator("main .messages .alert-success")).to_be_visible()
    attestation = PaymentAttestation.objects.get(award=award)
    assert attestation.attested_by == caseworker_a
    assert attestation.status == AttestationStatus.ATTESTED
    assert attestation.amount == AMOUNT
    assert not Disbursement.objects.filter(award=award).exists()
    assert_accessible(page)
    log_out(page, live_server)

    log_in(page, live_server, approver_b)
    page.goto(base + approvals_url)
    article = page.locator(f'article[aria-labelledby="attestation-{attestation.pk}"]')
    expect(article).to_contain_text(caseworker_a.full_name)
    assert_accessible(page)
    approve_payment_url = reverse("grants:attestation_step", args=[attestation.pk, "approve"])
    article.locator(f'form[action="{approve_payment_url}"] button[type=submit]').click()
    expect(page).to_have_url(url_of(live_server, approvals_url))
    expect(page.locator("main .messages .alert-success")).to_be_visible()
    expect(page.locator(f'article[aria-labelledby="attestation-{attestation.pk}"]')).to_have_count(
        0
    )
    disbursement = Disbursement.objects.select_related("attestation").get(award=award)
    assert disbursement.attestation == attestation
    assert disbursement.attestation.attested_by == caseworker_a
    assert disbursement.recorded_by == approver_b
    assert disbursement.amount == AMOUNT
    attestation.refresh_from_db()
    assert attestation.status == AttestationStatus.APPROVED
    assert attestation.handled_by == approver_b

    # --- the case page lists the documents numbered 1..n ----------------------------------------
    page.goto(base + award_url)
    case_url = reverse("records:case", args=[case_file.pk])
    page.locator(f'main a[href="{case_url}"]').first.click()
    expect(page).to_have_url(url_of(live_server, case_url))
    expect(page.locator("h1")).to_contain_text(case_number)
    entries = list(case_file.entries.order_by("number"))
    assert [entry.number for entry in entries] == list(range(1, len(entries) + 1))
    kinds = {entry.document_type for entry in entries}
    assert {DocumentType.ATTACHMENT, DocumentType.PAYMENT} <= kinds
    assert len(entries) >= 5  # the application, two attachments, the award letter, the payment
    rows = page.locator('section[aria-labelledby="documents"] tbody tr')
    expect(rows).to_have_count(len(entries))
    expect(rows.locator("td:first-child")).to_have_text(
        [f"{case_number}-{n}" for n in range(1, len(entries) + 1)]
    )
    assert_accessible(page)


def test_the_proposer_and_the_attester_cannot_approve_even_as_approvers(
    page_en, live_server, private_media
):
    """Approver C proposes an award and attests its payment: C is an approver of the body,
    yet the pages offer C no approval of either, say why, and a POST is refused with that
    reason; the other approver's steps (done through the services) are what make them."""
    page = page_en
    participant, leader, _caseworker_a, approver_b, application = _setup()
    base = live_server.url
    approver_c = factories.approver(approver_b.memberships.get().organisation)
    services.submit_application(leader, application)
    services.declare_impartiality(approver_c, application, has_conflict=False)
    proposal = services.propose_decision(
        approver_c, application, kind=DecisionKind.AWARD, reasons=REASONS, amount=AMOUNT
    )
    approvals_url = reverse("grants:approvals")
    proposal_url = reverse("grants:proposal", args=[proposal.pk])
    approve_url = reverse("grants:proposal_step", args=[proposal.pk, "approve"])

    log_in(page, live_server, approver_c)
    page.goto(base + approvals_url)
    row = page.locator('section[aria-labelledby="proposals-heading"] tbody tr')
    expect(row).to_have_count(1)
    expect(row.locator(f'a[href="{proposal_url}"]')).to_have_text("See the proposal")
    row.locator(f'a[href="{proposal_url}"]').click()
    expect(page).to_have_url(url_of(live_server, proposal_url))
    steps = page.locator('section[aria-labelledby="steps-heading"]')
    expect(steps.locator(".alert-info")).to_contain_text("You proposed this decision")
    expect(steps.locator(f'form[action="{approve_url}"]')).to_have_count(0)
    assert_accessible(page)
    refused = _csrf_post(page, base + approve_url)
    assert refused.status == 302
    assert refused.headers["location"].endswith(proposal_url)
    page.reload()
    expect(page.locator("main .messages")).to_contain_text("You proposed this decision")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED
    assert not Award.objects.filter(application=application).exists()

    # B approves; the organisation accepts; C attests the payment and may not approve it.
    award = services.approve_proposal(approver_b, proposal).award
    services.accept_award(leader, award)
    confirmed_account(leader, approver_b, participant)
    attestation = services.attest_payment(
        approver_c, award, amount=AMOUNT, pay_on=timezone.localdate()
    )
    page.goto(base + approvals_url)
    article = page.locator(f'article[aria-labelledby="attestation-{attestation.pk}"]')
    expect(article).to_contain_text("You attested this payment yourself")
    approve_payment_url = reverse("grants:attestation_step", args=[attestation.pk, "approve"])
    expect(article.locator(f'form[action="{approve_payment_url}"]')).to_have_count(0)
    assert_accessible(page)
    refused = _csrf_post(page, base + approve_payment_url)
    assert refused.status == 302
    page.reload()
    expect(page.locator("main .messages")).to_contain_text("You attested this payment yourself")
    attestation.refresh_from_db()
    assert attestation.status == AttestationStatus.ATTESTED
    assert not Disbursement.objects.filter(award=award).exists()
