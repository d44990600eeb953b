"""An organisation applying for a grant and a caseworker deciding, in a real browser.

The organisation's member fills the application in its steps (amount and budget, activities,
needs, two PDFs), reads the eligibility check and sends it, and lands on the receipt with the
case number; a caseworker of the body that administers the scheme declares impartiality, scores
the application and awards a grant; the member reads the award letter and accepts the
conditions. Every page is checked with axe.

The browser is an English user's (``page_en``), so the few texts the test reads do not depend
on the Norwegian translations; everything else is found by id, name or address.
"""

import datetime
import re
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from grants import records, services
from grants.models import Application, ApplicationStatus, AttachmentKind
from organisations.models import Grantor, PreviousApplication
from scheme.models import AwardCondition, Goal
from tests import factories
from tests.e2e.conftest import assert_accessible, log_in, log_out, seed_competence_areas, url_of

PDF = b"%PDF-1.4\n%a small test document\n%%EOF\n"
REASONS = "A clear plan for homework help, and the organisation needs a mentor."
CONDITION = "Tell the caseworker about changes that matter for the grant."


def _pdf(name):
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def _setup():
    """This year's scheme with a goal and a condition, an eligible participant organisation
    with a member, a caseworker of the administering body, and a closed call that has invited
    the organisation, made through the services."""
    today = timezone.localdate()
    scheme_year = factories.SchemeYearFactory(year=today.year)
    Goal.objects.create(scheme=scheme_year.scheme, number=1, text_nb="Mål 1", text_en="Goal 1")
    AwardCondition.objects.create(
        scheme=scheme_year.scheme,
        position=1,
        code="notify-changes",
        text_nb="Meld fra om endringer.",
        text_en=CONDITION,
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
    member = factories.member_of(participant, full_name="Amina Leder")
    caseworker = factories.caseworker(scheme_year.scheme.administrator)
    call = services.save_round(
        caseworker,
        scheme_year=scheme_year,
        title="Driftstilskudd",
        kind="closed",
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=20),
        guidance="Søk om driftsmidler for neste år.",
    )
    services.invite(caseworker, call, [participant])
    return participant, member, caseworker, call


def test_an_organisation_applies_and_a_caseworker_decides(page_en, live_server, private_media):
    page = page_en
    participant, member, caseworker, call = _setup()
    target_group = factories.TargetGroupFactory(name_en="Newly arrived families")
    need = seed_competence_areas().get(code="accounts")

    # --- the organisation applies ----------------------------------------------------------
    log_in(page, live_server, member)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    home = reverse("grants:home")
    page.locator(f'header nav a[href="{home}"]').click()
    expect(page).to_have_url(url_of(live_server, home))
    assert_accessible(page)

    call_card = page.locator(f"#call-{call.pk}")
    expect(call_card.locator("h3")).to_have_text(call.title)
    call_card.locator(
        f'form[action="{reverse("grants:start", args=[call.pk, participant.pk])}"] button'
    ).click()
    expect(page).to_have_url(re.compile(r"/applications/\d+/edit/amount/$"))
    application = Application.objects.get(round=call, organisation=participant)

    def step_url(step):
        return reverse("grants:application_edit", args=[application.pk, step])

    # Step 1: the amount and two budget lines that add up to it. "Save and stay here" shows
    # the sum, then the member goes on.
    expect(page).to_have_url(url_of(live_server, step_url("amount")))
    assert_accessible(page)
    page.fill("#id_amount", "99 000")
    page.select_option("#id_budget-0-category", "salary")
    page.fill("#id_budget-0-description", "Coordinator, 20 per cent")
    page.fill("#id_budget-0-amount", "90000")
    page.select_option("#id_budget-1-category", "activities")
    page.fill("#id_budget-1-description", "Language café")
    page.fill("#id_budget-1-amount", "9000")
    page.locator("main form button[type=submit]:not([name])").click()
    expect(page).to_have_url(url_of(live_server, step_url("amount")))
    expect(page.locator("main .messages .alert-success")).to_be_visible()
    expect(page.locator('section[aria-labelledby="sum-heading"] .outcome-pass')).to_be_visible()
    assert_accessible(page)
    page.locator('main form button[name="continue"]').click()

    # Step 2: activities, who they reach, and a target group ticked with the keyboard.
    expect(page).to_have_url(url_of(live_server, step_url("activities")))
    assert_accessible(page)
    page.fill("#id_planned_activities", "Homework help every Tuesday and a language café.")
    page.fill("#id_reach", "Children and parents in the district.")
    page.fill("#id_people_reached", "120")
    box = page.locator(f'input[name="target_groups"][value="{target_group.pk}"]')
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    page.locator('main form button[name="continue"]').click()

    # Step 3: what they want to learn and whether they want a mentor.
    expect(page).to_have_url(url_of(live_server, step_url("needs")))
    assert_accessible(page)
    page.locator(f'input[name="competence_needs"][value="{need.pk}"]').check()
    page.locator('input[name="wants_mentor"][value="true"]').check()
    page.fill("#id_planned_collaborations", "The library and the district office.")
    page.locator('main form button[name="continue"]').click()

    # Step 4: the statutes and the accounts, as two small PDFs.
    expect(page).to_have_url(url_of(live_server, step_url("documents")))
    assert_accessible(page)
    for kind, name in (
        (AttachmentKind.STATUTES, "statutes.pdf"),
        (AttachmentKind.ACCOUNTS, "accounts-2024.pdf"),
    ):
        page.select_option("#id_kind", kind)
        page.set_input_files("#id_file", _pdf(name))
        page.locator('main form[enctype="multipart/form-data"] button[type=submit]').click()
        expect(page).to_have_url(url_of(live_server, step_url("documents")))
        expect(page.locator("main .messages .alert-success")).to_contain_text(name)
        assert_accessible(page)
    submit_url = reverse("grants:application_submit", args=[application.pk])
    page.locator(f'main a.btn[href="{submit_url}"]').click()

    # The review page: nothing missing, and the eligibility check: the three rules a computer
    # can check are met; the purpose is left to the caseworker's judgement.
    expect(page).to_have_url(url_of(live_server, submit_url))
    missing = page.locator('section[aria-labelledby="missing-heading"]')
    expect(missing.locator(".outcome-pass")).to_be_visible()
    eligibility = page.locator('section[aria-labelledby="eligibility-heading"] table tbody')
    expect(eligibility.locator("tr")).to_have_count(4)
    expect(eligibility.locator("td.outcome-pass")).to_have_count(3)
    expect(eligibility.locator("tr").last.locator("td.outcome-unknown")).to_be_visible()
    assert_accessible(page)
    page.locator('section[aria-labelledby="send-heading"] form button[type=submit]').click()

    # The receipt: the application is received, with its case number; the application's
    # page (linked from the receipt) shows the status and the case number too.
    case_number = records.case_file_of(application).number
    receipt_url = reverse("grants:application_receipt", args=[application.pk])
    expect(page).to_have_url(url_of(live_server, receipt_url))
    expect(page.locator("main .messages .alert-success")).to_be_visible()
    expect(page.locator("main [data-receipt-case]")).to_have_text(case_number)
    expect(page.locator("main [data-case-number]")).to_contain_text(case_number)
    expect(page.locator("main h1")).to_have_text("Receipt: the application is received")
    assert_accessible(page)
    detail_url = reverse("grants:application", args=[application.pk])
    page.locator(f'main a[href="{detail_url}"]').first.click()
    expect(page).to_have_url(url_of(live_server, detail_url))
    expect(page.locator("#status-heading")).to_have_text("Status: submitted")
    expect(page.locator("main [data-case-number]")).to_contain_text(case_number)
    expect(page.locator(f'main a[href="{receipt_url}"]')).to_be_visible()
    assert_accessible(page)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.amount == Decimal("99000")
    assert sorted(a.kind for a in application.attachments.all()) == ["accounts", "statutes"]
    assert list(application.target_groups.all()) == [target_group]
    assert list(application.competence_needs.all()) == [need]
    log_out(page, live_server)

    # --- the caseworker decides ------------------------------------------------------------
    log_in(page, live_server, caseworker)
    review = reverse("grants:review")
    page.locator(f'header nav a[href="{review}"]').click()
    expect(page).to_have_url(url_of(live_server, review))
    assert_accessible(page)
    workspace = reverse("grants:review_application", args=[application.pk])
    page.locator(f'main table a[href="{workspace}"]').click()
    expect(page).to_have_url(url_of(live_server, workspace))
    expect(page.locator("h1")).to_have_text(participant.name)
    assert_accessible(page)

    # Impartiality first (Public Administration Act § 6), chosen with the keyboard.
    impartial = page.locator('input[name="impartiality-declaration"][value="impartial"]')
    impartial.focus()
    page.keyboard.press("Space")
    expect(impartial).to_be_checked()
    page.locator(
        f'form[action="{reverse("grants:impartiality", args=[application.pk])}"] button'
    ).click()
    expect(page).to_have_url(live_server.url + workspace + "#assessment")
    expect(page.locator("main .messages .alert-success")).to_be_visible()
    assert_accessible(page)

    # The assessment: a score for each criterion.
    scores = {"activity": 4, "need": 5, "resources": 4, "goals": 5}
    for criterion, score in scores.items():
        page.locator(f'input[name="assess-score_{criterion}"][value="{score}"]').check()
    page.fill("#id_assess-note_need", "Wants help with accounts and a mentor.")
    page.locator('input[name="assess-purpose_confirmed"][value="yes"]').check()
    page.fill("#id_assess-summary", "A strong application.")
    page.locator(f'form[action="{reverse("grants:assess", args=[application.pk])}"] button').click()
    expect(page).to_have_url(live_server.url + workspace + "#proposal")
    expect(page.locator("main .messages .alert-success")).to_be_visible()
    assert_accessible(page)

    # The award: an amount (lower than applied for) with reasons, paid at once.
    page.fill("#id_award-amount", "95000")
    page.fill("#id_award-reasons", REASONS)
    page.check("#id_award-confirm")
    page.locator('section[aria-labelledby="decide-award"] form button[type=submit]').click()
    expect(page).to_have_url(re.compile(r"/review/awards/\d+/$"))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AWARDED
    award = application.award
    expect(page).to_have_url(url_of(live_server, reverse("grants:review_award", args=[award.pk])))
    expect(page.locator("main .messages .alert-success")).to_be_visible()
    assert_accessible(page)
    assert award.amount == Decimal("95000")
    assert {s.criterion: s.score for s in application.assessment.scores.all()} == scores
    log_out(page, live_server)

    # --- the organisation reads the award letter and accepts the conditions ----------------
    log_in(page, live_server, member)
    page.locator(f'header nav a[href="{home}"]').click()
    expect(page).to_have_url(url_of(live_server, home))
    assert_accessible(page)
    award_url = reverse("grants:award", args=[award.pk])
    page.locator(f'main table th a[href="{award_url}"]').click()
    expect(page).to_have_url(url_of(live_server, award_url))
    letter = page.locator('article[aria-labelledby="letter-heading"]')
    expect(letter.locator("h1")).to_be_visible()
    expect(letter.locator('section[aria-labelledby="reasons-heading"]')).to_contain_text(REASONS)
    expect(letter.locator('section[aria-labelledby="conditions-heading"] li')).to_have_text(
        [CONDITION]
    )
    assert_accessible(page)
    accept = page.locator(
        f'form[action="{reverse("grants:award_accept", args=[award.pk])}"] button'
    )
    accept.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(url_of(live_server, award_url))
    expect(page.locator("main .messages .alert-success")).to_be_visible()
    expect(page.locator('section[aria-labelledby="accept-heading"] .outcome-pass')).to_contain_text(
        member.full_name
    )
    assert_accessible(page)
    award.refresh_from_db()
    assert award.accepted_by == member
    assert award.accepted_at is not None
