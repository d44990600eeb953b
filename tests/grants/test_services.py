"""Every service in grants/services.py: the allowed path and every refused one.

A refused call raises ValidationError (a problem the user can fix, in plain words) or
PermissionDenied (someone without access), and changes nothing: ``refused`` compares the row
counts of every grant model, the timeline, notifications, audit log, stored files and the
fields of the objects involved before and after the call.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from grants import services
from grants.models import (
    Appeal,
    AppealStatus,
    Application,
    ApplicationStatus,
    AttachmentKind,
    Award,
    ChangeNoticeStatus,
    ClawbackStatus,
    DecisionKind,
    Eligibility,
    Invitation,
    ReportStatus,
    RoundKind,
)
from organisations.models import Organisation
from scheme import registry
from scheme import services as scheme_services
from scheme.audit import timeline
from scheme.formatting import format_day
from scheme.models import Notification, SchemeYear
from tests import factories
from tests.concurrency import at_once
from tests.grants.conftest import (
    complete_application,
    confirmed_account,
    eligible_organisation,
    fill_report,
    pdf,
    refused,
)
from tests.mentoring.test_visibility import years_of_each

TODAY = timezone.localdate
D = Decimal


def days(n):
    return TODAY() + datetime.timedelta(days=n)


def verbs(application):
    return [event.verb for event in timeline(application)]


def accepted(award, member):
    return services.accept_award(member, award)


def pay(caseworker, award, amount, instalment=None):
    """Pay ``amount`` out: attested by ``caseworker``, then approved for payment by an approver
    of the body (made only once the attestation went through)."""
    attestation = services.attest_payment(
        caseworker, award, amount=D(amount), pay_on=TODAY(), instalment=instalment
    )
    body = award.application.round.scheme_year.scheme.administrator
    return services.approve_payment(factories.approver(body), attestation)


@pytest.fixture
def award(awarded, member):
    """An award whose conditions are accepted."""
    return accepted(awarded, member)


@pytest.fixture
def paid(award, caseworker):
    """An accepted award, paid out in full."""
    pay(caseworker, award, award.amount)
    return award


@pytest.fixture
def sent_report(award, member):
    report = fill_report(member, award.report)
    return services.submit_report(member, report)


@pytest.fixture
def rejection(impartial, submitted):
    return services.reject_application(impartial, submitted, reasons="Svak plan.")


@pytest.fixture
def clawback(paid, caseworker):
    return services.open_clawback(
        caseworker, paid, amount=D("10000"), reasons="Brukt mot vilkårene.", due_on=days(30)
    )


@pytest.fixture
def conflicted(other_caseworker, submitted):
    services.declare_impartiality(other_caseworker, submitted, has_conflict=True, note="Søster")
    return other_caseworker


@pytest.fixture(params=["member", "other_member", "mentor", "evaluator", "foreign_caseworker"])
def not_caseworker_here(request):
    """Someone who must never act as this scheme's caseworker."""
    return request.getfixturevalue(request.param)


# --- rounds and invitations ----------------------------------------------------------------


def round_fields(scheme_year, **changes):
    return {
        "scheme_year": scheme_year,
        "title": "Ny runde",
        "kind": RoundKind.OPEN,
        "opens_on": days(1),
        "closes_on": days(30),
        "guidance": "Søk her.",
        **changes,
    }


def test_a_caseworker_creates_and_changes_a_call(caseworker, scheme_year):
    round_ = services.save_round(caseworker, **round_fields(scheme_year))
    services.save_round(caseworker, round_, title="Endret")
    round_.refresh_from_db()
    assert round_.title == "Endret"
    assert [e.verb for e in timeline(round_)] == [services.ROUND_SAVED] * 2


def test_only_the_schemes_caseworkers_create_calls(not_caseworker_here, scheme_year):
    refused(
        PermissionDenied,
        lambda: services.save_round(not_caseworker_here, **round_fields(scheme_year)),
    )


def test_another_bodys_caseworker_cannot_take_over_a_call(call, foreign_caseworker):
    own_year = factories.SchemeYearFactory(
        scheme=factories.SchemeFactory(
            administrator=foreign_caseworker.memberships.get().organisation
        )
    )
    refused(
        PermissionDenied,
        lambda: services.save_round(foreign_caseworker, call, scheme_year=own_year),
        objects=[call],
    )
    refused(
        PermissionDenied,
        lambda: services.save_round(foreign_caseworker, call, title="Kapret"),
        objects=[call],
    )


def test_a_call_cannot_close_before_it_opens(caseworker, scheme_year):
    refused(
        ValidationError,
        lambda: services.save_round(
            caseworker, **round_fields(scheme_year, opens_on=days(5), closes_on=days(1))
        ),
        "cannot close before it opens",
    )


def test_a_call_needs_a_title(caseworker, call):
    refused(
        ValidationError,
        lambda: services.save_round(caseworker, call, title=""),
        "cannot be blank",
        objects=[call],
    )


def test_inviting_tells_the_organisation_once(caseworker, call, other_participant):
    person = factories.member_of(other_participant)
    mentor_org = factories.OrganisationFactory(kind="mentor")
    assert services.invite(caseworker, call, [other_participant, mentor_org]) == 1
    assert Notification.objects.filter(recipient=person, subject__contains=call.title).count() == 1
    assert services.invite(caseworker, call, [other_participant]) == 0
    assert Notification.objects.filter(recipient=person).count() == 1
    assert not Invitation.objects.filter(organisation=mentor_org).exists()
    assert next(e.verb for e in timeline(call)) == services.ORGANISATIONS_INVITED


def test_only_the_schemes_caseworkers_invite(not_caseworker_here, call, other_participant):
    refused(
        PermissionDenied,
        lambda: services.invite(not_caseworker_here, call, [other_participant]),
        objects=[call],
    )


# --- who may apply, and when ------------------------------------------------------------------


@pytest.fixture
def open_call(caseworker, scheme_year):
    return services.save_round(
        caseworker,
        **round_fields(scheme_year, title="Åpen runde", opens_on=days(-1), closes_on=days(10)),
    )


def test_an_invited_organisation_starts_an_application(member, call, participant):
    participant.target_groups.add(factories.TargetGroupFactory())
    application = services.start_application(member, call, participant)
    assert application.status == ApplicationStatus.DRAFT
    assert set(application.target_groups.all()) == set(participant.target_groups.all())
    assert verbs(application) == [services.STARTED]


def test_only_invited_organisations_apply_to_a_closed_call(call, other_participant, other_member):
    refused(
        ValidationError,
        lambda: services.start_application(other_member, call, other_participant),
        "only for invited organisations",
    )


def test_any_participant_applies_to_an_open_call(open_call, other_participant, other_member):
    application = services.start_application(other_member, open_call, other_participant)
    assert application.organisation == other_participant


def test_a_mentor_organisation_cannot_apply_even_to_an_open_call(open_call, mentor):
    organisation = mentor.memberships.get().organisation
    refused(PermissionDenied, lambda: services.start_application(mentor, open_call, organisation))


@pytest.mark.parametrize("who", ["other_member", "mentor", "evaluator", "caseworker"])
def test_only_the_organisations_people_start_its_application(request, who, call, participant):
    actor = request.getfixturevalue(who)
    refused(PermissionDenied, lambda: services.start_application(actor, call, participant))


@pytest.mark.parametrize("offset", [-11, 21])
def test_no_application_before_the_call_opens_or_after_it_closes(
    travel, offset, member, call, participant
):
    travel(days(offset))
    with translation.override("en"):
        opens, closes = format_day(call.opens_on), format_day(call.closes_on)
    refused(
        ValidationError,
        lambda: services.start_application(member, call, participant),
        "open from",
        opens,
        closes,
    )


@pytest.mark.parametrize("day", ["opens_on", "closes_on"])
def test_the_first_and_last_day_of_the_call_are_open(travel, day, member, call, participant):
    travel(getattr(call, day))
    assert services.start_application(member, call, participant)


def test_one_application_per_organisation_per_round(member, call, participant):
    services.start_application(member, call, participant)
    second_member = factories.member_of(participant)
    refused(
        ValidationError,
        lambda: services.start_application(second_member, call, participant),
        "already started an application",
    )


def test_two_starts_at_the_same_moment_give_one_application(
    postgres, transactional_db, call, participant, member
):
    second_member = factories.member_of(participant)
    results, errors, crashes = at_once(
        [
            lambda actor=actor: services.start_application(actor, call, participant)
            for actor in (member, second_member)
        ]
    )
    assert crashes == []
    assert len(results) == 1
    assert len(errors) == 1 and "already started an application" in errors[0]
    assert Application.objects.filter(round=call, organisation=participant).count() == 1


# --- the draft ------------------------------------------------------------------------------


@pytest.fixture
def draft(member, call, participant):
    return services.start_application(member, call, participant)


def test_a_member_saves_a_draft_bit_by_bit(member, draft):
    group = factories.TargetGroupFactory()
    services.save_application(member, draft, amount=D("90000"), target_groups=[group])
    services.save_application(member, draft, planned_activities="Språkkafé.")
    draft.refresh_from_db()
    assert draft.amount == D("90000") and draft.planned_activities == "Språkkafé."
    assert list(draft.target_groups.all()) == [group]
    assert draft.status == ApplicationStatus.DRAFT


def test_the_amount_cannot_pass_the_schemes_maximum(member, draft):
    refused(
        ValidationError,
        lambda: services.save_application(member, draft, amount=D("110001")),
        "at most",
        "110,000",
        objects=[draft],
    )


def test_the_amount_must_be_more_than_zero(member, draft):
    refused(
        ValidationError,
        lambda: services.save_application(member, draft, amount=D("0")),
        "more than 0",
        objects=[draft],
    )


def test_unknown_fields_are_a_programming_error(member, draft):
    refused(
        ValueError,
        lambda: services.save_application(member, draft, status="awarded"),
        objects=[draft],
    )


@pytest.mark.parametrize("who", ["other_member", "mentor", "evaluator", "caseworker"])
def test_only_the_organisations_people_edit_the_draft(request, who, draft):
    actor = request.getfixturevalue(who)
    refused(
        PermissionDenied,
        lambda: services.save_application(actor, draft, planned_activities="Kapret"),
        objects=[draft],
    )
    refused(
        PermissionDenied,
        lambda: services.save_budget(actor, draft, [("rent", "", D("1"))]),
        objects=[draft],
    )
    refused(
        PermissionDenied,
        lambda: services.add_attachment(actor, draft, AttachmentKind.STATUTES, pdf()),
        objects=[draft],
    )
    refused(PermissionDenied, lambda: services.submit_application(actor, draft), objects=[draft])
    refused(PermissionDenied, lambda: services.withdraw_application(actor, draft), objects=[draft])


def test_the_budget_is_replaced_as_a_whole(member, draft):
    services.save_budget(member, draft, [("rent", "Lokale", D("10000"))])
    services.save_budget(
        member, draft, [("salary", "Lønn", D("80000")), ("travel", "Reiser", D("5000"))]
    )
    assert draft.budget_total == D("85000")
    assert sorted(draft.budget_lines.values_list("category", flat=True)) == ["salary", "travel"]


@pytest.mark.parametrize(
    ("line", "words"),
    [
        (("salary", "Lønn", D("-1")), ["line 2", "greater than or equal to 0"]),
        (("lottery", "", D("10")), ["line 2", "not a valid choice"]),
    ],
)
def test_a_bad_budget_line_is_refused_and_the_old_budget_kept(member, draft, line, words):
    services.save_budget(member, draft, [("rent", "Lokale", D("10000"))])
    refused(
        ValidationError,
        lambda: services.save_budget(member, draft, [("rent", "", D("5")), line]),
        *words,
        objects=[draft],
    )
    assert draft.budget_total == D("10000")


def test_attachments_are_added_and_removed(member, draft, django_capture_on_commit_callbacks):
    attachment = services.add_attachment(member, draft, AttachmentKind.STATUTES, pdf())
    storage, name = attachment.file.storage, attachment.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_attachment(member, attachment)
    assert not draft.attachments.exists()
    assert not storage.exists(name)
    assert verbs(draft)[:2] == [services.ATTACHMENT_REMOVED, services.ATTACHMENT_ADDED]


def test_a_program_named_pdf_is_not_stored(member, draft):
    from django.core.files.uploadedfile import SimpleUploadedFile

    exe = SimpleUploadedFile("vedtekter.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    refused(
        ValidationError,
        lambda: services.add_attachment(member, draft, AttachmentKind.STATUTES, exe),
        "does not look like",
        objects=[draft],
    )


def test_an_unknown_document_kind_leaves_no_file_behind(member, draft):
    refused(
        ValidationError,
        lambda: services.add_attachment(member, draft, "love-letter", pdf()),
        "not a valid choice",
        objects=[draft],
    )


@pytest.mark.parametrize("who", ["other_member", "mentor", "evaluator", "caseworker"])
def test_only_the_organisations_people_remove_an_attachment(request, who, member, draft):
    attachment = services.add_attachment(member, draft, AttachmentKind.STATUTES, pdf())
    actor = request.getfixturevalue(who)
    refused(
        PermissionDenied,
        lambda: services.remove_attachment(actor, attachment),
        objects=[draft, attachment],
    )


# --- submitting --------------------------------------------------------------------------------


def test_a_complete_application_is_submitted(
    member, call, participant, mailoutbox, django_capture_on_commit_callbacks
):
    application = complete_application(member, call, participant)
    application.refresh_from_db()  # the services change their own copy, locked
    assert services.missing_for_submission(application) == []
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_application(member, application)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.submitted_at is not None
    assert application.eligibility == Eligibility.UNKNOWN  # purpose: only a caseworker judges
    assert verbs(application)[0] == services.SUBMITTED
    assert [m.to for m in mailoutbox] == [[member.email]]


def test_an_empty_draft_lists_everything_missing(member, draft):
    refused(
        ValidationError,
        lambda: services.submit_application(member, draft),
        "how much you apply for",
        "fill in the budget",
        "activities you plan",
        "who the activities reach",
        "target group",
        "statutes",
        "annual report or accounts",
        objects=[draft],
    )


def test_a_budget_that_does_not_add_up_stops_the_submission(member, call, participant):
    application = complete_application(member, call, participant)
    services.save_budget(member, application, [("salary", "", D("90000"))])
    refused(
        ValidationError,
        lambda: services.submit_application(member, application),
        "budget adds up to",
        "90,000",
        "99,000",
        objects=[application],
    )


def test_missing_attachments_stop_the_submission(member, call, participant):
    application = complete_application(member, call, participant)
    for attachment in list(application.attachments.all()):
        services.remove_attachment(member, attachment)
    refused(
        ValidationError,
        lambda: services.submit_application(member, application),
        "attach your statutes",
        "annual report or accounts",
        objects=[application],
    )


def test_an_amount_above_a_lowered_maximum_stops_the_submission(
    member, call, participant, caseworker, scheme_year
):
    application = complete_application(member, call, participant)
    scheme_services.change_year_rules(caseworker, scheme_year, max_grant=D("90000"))
    refused(
        ValidationError,
        lambda: services.submit_application(member, application),
        "at most",
        "90,000",
        objects=[application],
    )


def test_no_submission_after_the_call_has_closed(travel, member, call, participant):
    application = complete_application(member, call, participant)
    travel(call.closes_on + datetime.timedelta(days=1))
    refused(
        ValidationError,
        lambda: services.submit_application(member, application),
        "call closed",
        objects=[application],
    )


def test_submitting_twice_or_editing_after_submitting_is_refused(member, submitted):
    for call in (
        lambda: services.submit_application(member, submitted),
        lambda: services.save_application(member, submitted, amount=D("1000")),
        lambda: services.save_budget(member, submitted, []),
        lambda: services.add_attachment(member, submitted, AttachmentKind.OTHER, pdf()),
        lambda: services.remove_attachment(member, submitted.attachments.first()),
    ):
        refused(ValidationError, call, "can no longer be changed", objects=[submitted])


@pytest.mark.parametrize("who", ["caseworker", "mentor", "evaluator", "other_member"])
def test_only_the_organisation_submits(request, who, member, call, participant):
    application = complete_application(member, call, participant)
    actor = request.getfixturevalue(who)
    refused(
        PermissionDenied,
        lambda: services.submit_application(actor, application),
        objects=[application],
    )


# --- withdrawing ------------------------------------------------------------------------------


def test_a_draft_or_submitted_application_can_be_withdrawn(member, submitted):
    services.withdraw_application(member, submitted)
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.WITHDRAWN
    assert verbs(submitted)[0] == services.WITHDRAWN


def test_an_application_waiting_for_an_answer_can_be_withdrawn(member, impartial, submitted):
    services.request_information(impartial, submitted, "Hvem leder?")
    assert services.withdraw_application(member, submitted).status == ApplicationStatus.WITHDRAWN


@pytest.mark.parametrize("decided", ["awarded", "rejection"])
def test_a_decided_application_cannot_be_withdrawn(request, decided, member, submitted):
    request.getfixturevalue(decided)
    refused(
        ValidationError,
        lambda: services.withdraw_application(member, submitted),
        "cannot be withdrawn",
        objects=[submitted],
    )


def test_a_withdrawn_application_stays_withdrawn(member, submitted):
    services.withdraw_application(member, submitted)
    refused(
        ValidationError,
        lambda: services.withdraw_application(member, submitted),
        "cannot be withdrawn",
        objects=[submitted],
    )
    refused(
        ValidationError,
        lambda: services.submit_application(member, submitted),
        "can no longer be changed",
        objects=[submitted],
    )


@pytest.mark.parametrize("who", ["caseworker", "other_member", "mentor"])
def test_only_the_organisation_withdraws(request, who, submitted):
    actor = request.getfixturevalue(who)
    refused(
        PermissionDenied,
        lambda: services.withdraw_application(actor, submitted),
        objects=[submitted],
    )


# --- impartiality and assessment ----------------------------------------------------------------

SCORES = {"activity": (4, "Jevn"), "need": (5, ""), "resources": (3, ""), "goals": (4, "")}


def assess(caseworker, application, **extra):
    return services.save_assessment(
        caseworker, application, scores=SCORES, purpose_confirmed=True, **extra
    )


def test_a_caseworker_declares_impartiality_and_may_change_the_declaration(caseworker, submitted):
    services.declare_impartiality(caseworker, submitted, has_conflict=False)
    declaration = services.declare_impartiality(
        caseworker, submitted, has_conflict=True, note="Nabo"
    )
    assert submitted.declarations.get() == declaration and declaration.has_conflict
    assert verbs(submitted)[:2] == [services.IMPARTIALITY] * 2


def test_only_the_schemes_caseworkers_declare(not_caseworker_here, submitted):
    refused(
        PermissionDenied,
        lambda: services.declare_impartiality(not_caseworker_here, submitted, has_conflict=False),
        objects=[submitted],
    )


def test_the_assessment_records_scores_and_confirms_eligibility(impartial, submitted):
    assessment = assess(impartial, submitted, phoned_at=TODAY(), phone_note="Motivert.")
    assert assessment.total_score == 16
    submitted.refresh_from_db()
    assert submitted.eligibility == Eligibility.PASS
    assert submitted.caseworker == impartial
    assess(impartial, submitted)  # saving again changes, never duplicates
    assert assessment.scores.count() == 4


def test_no_assessment_without_a_declaration(caseworker, submitted):
    refused(
        ValidationError,
        lambda: assess(caseworker, submitted),
        "declare your impartiality",
        objects=[submitted],
    )


def test_no_assessment_by_a_caseworker_with_a_conflict(conflicted, submitted):
    refused(
        PermissionDenied,
        lambda: assess(conflicted, submitted),
        "not impartial",
        objects=[submitted],
    )


def test_only_the_schemes_caseworkers_assess(not_caseworker_here, submitted):
    refused(PermissionDenied, lambda: assess(not_caseworker_here, submitted), objects=[submitted])


def test_a_draft_is_not_assessed(caseworker, draft):
    refused(
        ValidationError,
        lambda: assess(caseworker, draft),
        "only submitted applications",
        objects=[draft],
    )


@pytest.mark.parametrize(("criterion", "score"), [("need", 0), ("need", 6), ("goals", "5")])
def test_scores_are_from_1_to_5(impartial, submitted, criterion, score):
    scores = {**SCORES, criterion: (score, "")}
    refused(
        ValidationError,
        lambda: services.save_assessment(impartial, submitted, scores=scores),
        "score from 1 to 5",
        objects=[submitted],
    )


def test_an_unknown_criterion_is_a_programming_error(impartial, submitted):
    refused(
        ValueError,
        lambda: services.save_assessment(impartial, submitted, scores={"looks": (5, "")}),
        objects=[submitted],
    )


def test_a_proposal_needs_an_assessment(impartial, submitted):
    refused(
        ValidationError,
        lambda: services.set_proposal(impartial, submitted, proposed=True, rank=1),
        "assess the application",
        objects=[submitted],
    )


def test_the_proposal_places_the_application_in_the_portfolio(impartial, submitted, scheme_year):
    assess(impartial, submitted)
    services.set_proposal(impartial, submitted, proposed=True, rank=2, proposed_amount=D("90000"))
    assert services.budget_position(scheme_year)["proposed"] == D("90000")
    assessment = services.set_proposal(impartial, submitted, proposed=False, rank=2)
    assert assessment.rank is None and assessment.proposed_amount is None
    assert services.budget_position(scheme_year)["proposed"] == 0


@pytest.mark.parametrize(
    ("amount", "words"),
    [(D("99001"), ["cannot be more than the organisation applied for"]), (D("-5"), ["0"])],
)
def test_the_proposed_amount_is_checked(impartial, submitted, amount, words):
    assessment = assess(impartial, submitted)
    refused(
        ValidationError,
        lambda: services.set_proposal(impartial, submitted, proposed=True, proposed_amount=amount),
        *words,
        objects=[submitted, assessment],
    )


def test_a_conflicted_caseworker_cannot_propose(impartial, conflicted, submitted):
    assessment = assess(impartial, submitted)
    refused(
        PermissionDenied,
        lambda: services.set_proposal(conflicted, submitted, proposed=True, rank=1),
        "not impartial",
        objects=[assessment],
    )


def test_only_the_schemes_caseworkers_propose(impartial, not_caseworker_here, submitted):
    assessment = assess(impartial, submitted)
    refused(
        PermissionDenied,
        lambda: services.set_proposal(not_caseworker_here, submitted, proposed=True, rank=1),
        objects=[assessment],
    )


# --- asking for more information ------------------------------------------------------------------


def test_asking_for_information_returns_the_application_and_resubmitting_returns_it(
    member, impartial, submitted, travel
):
    services.request_information(impartial, submitted, "Hvem er koordinator?")
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.INFO_REQUESTED
    assert submitted.info_request == "Hvem er koordinator?"
    services.save_application(member, submitted, planned_collaborations="Bydelen.")
    travel(submitted.round.closes_on + datetime.timedelta(days=5))  # answers come after closing
    services.submit_application(member, submitted)
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED


def test_a_question_must_say_something(impartial, submitted):
    refused(
        ValidationError,
        lambda: services.request_information(impartial, submitted, "  "),
        "what you need to know",
        objects=[submitted],
    )


def test_no_second_question_before_the_first_is_answered(impartial, submitted):
    services.request_information(impartial, submitted, "Hvem?")
    refused(
        ValidationError,
        lambda: services.request_information(impartial, submitted, "Og hva?"),
        "not answered the last question",
        objects=[submitted],
    )


def test_questions_need_an_impartial_caseworker_of_the_scheme(
    caseworker, conflicted, foreign_caseworker, submitted
):
    refused(
        ValidationError,
        lambda: services.request_information(caseworker, submitted, "Hvem?"),
        "declare your impartiality",
        objects=[submitted],
    )
    refused(
        PermissionDenied,
        lambda: services.request_information(conflicted, submitted, "Hvem?"),
        "not impartial",
        objects=[submitted],
    )
    refused(
        PermissionDenied,
        lambda: services.request_information(foreign_caseworker, submitted, "Hvem?"),
        objects=[submitted],
    )


def test_no_question_about_a_draft(caseworker, draft):
    refused(
        ValidationError,
        lambda: services.request_information(caseworker, draft, "Hvem?"),
        "only submitted applications",
        objects=[draft],
    )


# --- awards -------------------------------------------------------------------------------------


def grant(actor, application, amount="95000", reasons="God plan.", **extra):
    return services.award_grant(actor, application, amount=D(amount), reasons=reasons, **extra)


def test_an_award_makes_the_decision_the_plan_and_the_report(impartial, submitted, scheme_year):
    made = grant(impartial, submitted)
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.AWARDED
    decision = made.decision
    assert decision.kind == DecisionKind.AWARD and decision.reasons == "God plan."
    assert decision.appeal_deadline == TODAY() + datetime.timedelta(weeks=3)
    assert [c["code"] for c in made.conditions] == ["notify-changes"]
    [instalment] = made.instalments.all()
    assert instalment.amount == made.amount and not instalment.after_report_approved
    assert made.report.due_on == scheme_year.report_due_date
    assert made.report.status == ReportStatus.DRAFT
    assert services.budget_position(scheme_year)["awarded"] == D("95000")
    assert verbs(submitted)[0] == services.AWARDED


def test_an_award_makes_the_organisation_take_part_in_its_year(
    submitted, awarded, participant, scheme_year
):
    other_year = factories.SchemeYearFactory(scheme=scheme_year.scheme, year=scheme_year.year + 1)
    rejected = factories.OrganisationFactory(kind="participant")
    taking_part = Organisation.objects.filter(registry.organisations_taking_part(scheme_year))
    assert list(taking_part) == [participant]
    assert not Organisation.objects.filter(registry.organisations_taking_part(other_year))
    years = SchemeYear.objects.filter(registry.years_taken_part([participant.pk]))
    assert list(years) == [scheme_year]
    assert not SchemeYear.objects.filter(registry.years_taken_part([rejected.pk]))
    # The same read for each organisation of an outer query (the dashboard's way).
    each = years_of_each(Organisation.objects.filter(pk__in=[participant.pk, rejected.pk]))
    assert each == {participant.pk: {scheme_year.pk}, rejected.pk: set()}


def test_an_award_may_be_lower_than_applied_for_never_higher(impartial, submitted):
    refused(
        ValidationError,
        lambda: grant(impartial, submitted, "99001"),
        "cannot be more than the organisation applied for",
        objects=[submitted],
    )
    refused(ValidationError, lambda: grant(impartial, submitted, "0"), "more than 0")


def test_no_award_above_the_schemes_maximum(impartial, submitted, caseworker, scheme_year):
    scheme_services.change_year_rules(caseworker, scheme_year, max_grant=D("90000"))
    refused(
        ValidationError,
        lambda: grant(impartial, submitted, "95000"),
        "maximum grant",
        "90,000",
        objects=[submitted, scheme_year],
    )


def test_no_award_beyond_the_budget_frame(impartial, submitted, caseworker, scheme_year):
    scheme_services.change_year_rules(
        caseworker, scheme_year, budget_frame=D("120000"), max_grant=D("110000")
    )
    other = eligible_organisation()
    other_member = factories.member_of(other)
    services.invite(caseworker, submitted.round, [other])
    first = services.submit_application(
        other_member, complete_application(other_member, submitted.round, other)
    )
    services.declare_impartiality(impartial, first, has_conflict=False)
    grant(impartial, first, "95000")
    refused(
        ValidationError,
        lambda: grant(impartial, submitted, "30000"),
        "only",
        "25,000",
        "left of this year's budget frame",
        objects=[submitted, scheme_year],
    )
    assert grant(impartial, submitted, "25000").amount == D("25000")  # exactly what is left
    scheme_year.refresh_from_db()
    assert services.budget_position(scheme_year) == {
        "frame": D("120000"),
        "awarded": D("120000"),
        "proposed": 0,
        "left": 0,
    }


def test_the_frame_cannot_be_lowered_below_what_is_awarded(awarded, caseworker, scheme_year):
    refused(
        ValidationError,
        lambda: scheme_services.change_year_rules(
            caseworker, scheme_year, budget_frame=D("94000"), max_grant=D("90000")
        ),
        "95,000",
        "already awarded",
        objects=[scheme_year],
    )
    lowered = scheme_services.change_year_rules(
        caseworker, scheme_year, budget_frame=D("95000"), max_grant=D("90000")
    )
    assert services.budget_position(lowered)["left"] == 0


def test_the_instalments_must_add_up_and_be_positive(impartial, submitted):
    today = TODAY()
    refused(
        ValidationError,
        lambda: grant(impartial, submitted, instalments=[(D("50000"), today, False)]),
        "add up to the amount awarded",
        objects=[submitted],
    )
    refused(
        ValidationError,
        lambda: grant(
            impartial,
            submitted,
            instalments=[(D("95000"), today, False), (D("0"), today, True)],
        ),
        "more than 0",
        objects=[submitted],
    )


def test_a_decision_gives_its_reasons(impartial, submitted):
    refused(
        ValidationError,
        lambda: grant(impartial, submitted, reasons=" "),
        "must give its reasons",
        objects=[submitted],
    )
    refused(
        ValidationError,
        lambda: services.reject_application(impartial, submitted, reasons=""),
        "must give its reasons",
        objects=[submitted],
    )


def test_a_draft_is_not_awarded_or_rejected(caseworker, draft):
    for call in (
        lambda: grant(caseworker, draft),
        lambda: services.reject_application(caseworker, draft, reasons="Nei."),
    ):
        refused(ValidationError, call, "only submitted applications", objects=[draft])


@pytest.mark.parametrize("decided", ["awarded", "rejection"])
def test_a_decided_application_is_not_decided_again(request, decided, impartial, submitted):
    request.getfixturevalue(decided)
    for call in (
        lambda: grant(impartial, submitted),
        lambda: services.reject_application(impartial, submitted, reasons="Nei."),
        lambda: services.request_information(impartial, submitted, "Hvem?"),
        lambda: assess(impartial, submitted),
    ):
        refused(ValidationError, call, "only submitted applications", objects=[submitted])


def test_a_withdrawn_application_is_not_decided(member, impartial, submitted):
    services.withdraw_application(member, submitted)
    refused(
        ValidationError,
        lambda: grant(impartial, submitted),
        "only submitted applications",
        objects=[submitted],
    )


def test_decisions_need_an_impartial_caseworker_of_the_scheme(
    caseworker, conflicted, submitted, not_caseworker_here
):
    for actor, error, words in (
        (caseworker, ValidationError, ["declare your impartiality"]),
        (conflicted, PermissionDenied, ["not impartial"]),
        (not_caseworker_here, PermissionDenied, []),
    ):
        refused(error, lambda a=actor: grant(a, submitted), *words, objects=[submitted])
        refused(
            error,
            lambda a=actor: services.reject_application(a, submitted, reasons="Nei."),
            *words,
            objects=[submitted],
        )


def test_a_rejection_is_a_decision_with_reasons(impartial, submitted):
    decision = services.reject_application(impartial, submitted, reasons="Svak plan.")
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.REJECTED
    assert decision.kind == DecisionKind.REJECTION and decision.reasons == "Svak plan."
    assert decision.appeal_deadline == TODAY() + datetime.timedelta(weeks=3)
    assert not hasattr(submitted, "award")


# --- accepting the conditions ---------------------------------------------------------------------


def test_the_organisation_accepts_the_conditions_once(member, awarded):
    services.accept_award(member, awarded)
    awarded.refresh_from_db()
    assert awarded.accepted_by == member and awarded.accepted_at is not None
    refused(
        ValidationError,
        lambda: services.accept_award(member, awarded),
        "already accepted",
        objects=[awarded],
    )


@pytest.mark.parametrize("who", ["caseworker", "other_member", "mentor", "evaluator"])
def test_only_the_organisation_accepts(request, who, awarded):
    actor = request.getfixturevalue(who)
    refused(PermissionDenied, lambda: services.accept_award(actor, awarded), objects=[awarded])


# --- payments ------------------------------------------------------------------------------------


def test_payments_follow_the_plan(caseworker, member, impartial, submitted, participant):
    today = TODAY()
    made = grant(
        impartial,
        submitted,
        instalments=[(D("75000"), today, False), (D("20000"), days(200), True)],
    )
    accepted(made, member)
    confirmed_account(member, caseworker, participant)
    first, second = made.instalments.all()
    pay(caseworker, made, "75000", first)
    assert made.disbursed() == D("75000")
    refused(
        ValidationError,
        lambda: pay(caseworker, made, "20000", second),
        "held until the grant report is approved",
        objects=[made, second],
    )
    refused(
        ValidationError,
        lambda: pay(caseworker, made, "20000"),  # not as a payment outside the plan either
        "held until the grant report is approved",
        objects=[made],
    )
    refused(
        ValidationError,
        lambda: pay(caseworker, made, "20000", first),
        "already been paid",
        objects=[made, first],
    )
    report = fill_report(member, made.report)
    services.submit_report(member, report)
    services.approve_report(caseworker, report)
    pay(caseworker, made, "20000", second)
    assert made.disbursed() == made.amount


def test_the_held_part_cannot_leave_with_another_instalment(
    caseworker, member, impartial, submitted, participant
):
    made = grant(
        impartial,
        submitted,
        instalments=[(D("75000"), TODAY(), False), (D("20000"), days(200), True)],
    )
    accepted(made, member)
    confirmed_account(member, caseworker, participant)
    first = made.instalments.get(number=1)
    refused(
        ValidationError,
        lambda: pay(caseworker, made, "95000", first),
        "pay it in full",
        "75,000",
        objects=[made],
    )


def test_no_payment_before_the_conditions_are_accepted(caseworker, awarded):
    refused(
        ValidationError,
        lambda: pay(caseworker, awarded, "1000"),
        "accepted the conditions",
        objects=[awarded],
    )


def test_never_more_than_the_award_in_total(caseworker, award):
    pay(caseworker, award, "90000")
    refused(
        ValidationError,
        lambda: pay(caseworker, award, "5001"),
        "only",
        "5,000",
        "left to pay out",
        objects=[award],
    )
    refused(ValidationError, lambda: pay(caseworker, award, "0"), "more than 0", objects=[award])
    pay(caseworker, award, "5000")
    assert award.disbursed() == award.amount


def test_only_the_schemes_caseworkers_record_payments(not_caseworker_here, award):
    refused(PermissionDenied, lambda: pay(not_caseworker_here, award, "1000"), objects=[award])


# --- the grant report -----------------------------------------------------------------------------


def test_the_report_is_saved_in_parts_and_sent(member, award, caseworker):
    report = award.report
    assert services.missing_from_report(report)
    fill_report(member, report)
    report.refresh_from_db()
    assert services.missing_from_report(report) == []
    services.submit_report(member, report)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.submitted_at
    assert verbs(award.application)[0] == services.REPORT_SUBMITTED


def test_an_empty_report_lists_everything_missing(member, award):
    report = award.report
    refused(
        ValidationError,
        lambda: services.submit_report(member, report),
        "at least one of the goals",
        "activities you held",
        "how many people",
        "what the money went to",
        "fill in the accounts",
        objects=[report],
    )


def test_a_goal_of_another_scheme_is_refused(member, award):
    report = award.report
    stranger = factories.SchemeYearFactory().scheme
    from scheme.models import Goal

    goal = Goal.objects.create(scheme=stranger, number=1, text_nb="Fremmed mål")
    refused(
        ValidationError,
        lambda: services.save_report(
            member, report, goal_results={goal.pk: "x"}, auditor_statement=pdf("revisor.pdf")
        ),
        "goal does not belong to this scheme",
        objects=[report],
    )


def test_a_bad_account_line_is_refused(member, award):
    report = award.report
    services.save_accounts(member, report, [("expense", "salary", "", D("100"))])
    refused(
        ValidationError,
        lambda: services.save_accounts(member, report, [("gift", "salary", "", D("100"))]),
        "line 1",
        "not a valid choice",
        objects=[report],
    )
    refused(
        ValidationError,
        lambda: services.save_accounts(member, report, [("expense", "rent", "", D("-1"))]),
        "line 1",
        objects=[report],
    )
    assert report.account_lines.get().amount == D("100")


def test_unknown_report_fields_are_a_programming_error(member, award):
    refused(
        ValueError,
        lambda: services.save_report(member, award.report, status="approved"),
        objects=[award.report],
    )


@pytest.mark.parametrize("who", ["caseworker", "other_member", "mentor", "evaluator"])
def test_only_the_organisation_writes_and_sends_the_report(request, who, member, award):
    report = fill_report(member, award.report)
    actor = request.getfixturevalue(who)
    for call in (
        lambda: services.save_report(actor, report, activities_held="Kapret"),
        lambda: services.save_accounts(actor, report, []),
        lambda: services.submit_report(actor, report),
    ):
        refused(PermissionDenied, call, objects=[report])


def test_a_sent_report_cannot_be_changed_or_sent_again(member, sent_report):
    for call in (
        lambda: services.submit_report(member, sent_report),
        lambda: services.save_report(member, sent_report, activities_held="Mer"),
        lambda: services.save_accounts(member, sent_report, []),
    ):
        refused(ValidationError, call, "can no longer be changed", objects=[sent_report])


@pytest.fixture
def big_award(member, call, participant, caseworker):
    """An award above the audit threshold (100 000): 105 000, under the 110 000 maximum."""
    application = complete_application(member, call, participant, amount=D("105000"))
    services.submit_application(member, application)
    services.declare_impartiality(caseworker, application, has_conflict=False)
    made = grant(caseworker, application, "105000")
    assert made.needs_audit
    return accepted(made, member)


def test_above_the_audit_threshold_the_report_needs_the_auditor(member, big_award):
    report = fill_report(member, big_award.report, auditor_name="Revisor AS")
    refused(
        ValidationError,
        lambda: services.submit_report(member, report),
        "auditor's certification",
        "100,000",
        objects=[report],
    )
    services.save_report(
        member, report, auditor_number="R12345", auditor_statement=pdf("revisjon.pdf")
    )
    services.submit_report(member, report)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert report.auditor_statement.name.startswith("audits/")


def test_below_the_threshold_no_auditor_is_asked_for(member, award):
    assert not award.needs_audit
    report = fill_report(member, award.report)
    assert not any("auditor" in str(p) for p in services.missing_from_report(report))


def test_an_auditor_statement_that_is_not_a_document_is_refused(member, big_award):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("revisjon.pdf", b"<html>not a pdf</html>")
    refused(
        ValidationError,
        lambda: services.save_report(member, big_award.report, auditor_statement=fake),
        "does not look like",
        objects=[big_award.report],
    )


def test_the_caseworker_approves_a_sent_report(caseworker, sent_report):
    services.approve_report(caseworker, sent_report)
    sent_report.refresh_from_db()
    assert sent_report.status == ReportStatus.APPROVED and sent_report.approved_at
    refused(
        ValidationError,
        lambda: services.approve_report(caseworker, sent_report),
        "only a report that has been sent",
        objects=[sent_report],
    )


def test_a_draft_report_is_not_approved_or_returned(caseworker, award):
    report = award.report
    refused(
        ValidationError,
        lambda: services.approve_report(caseworker, report),
        "only a report that has been sent",
        objects=[report],
    )
    refused(
        ValidationError,
        lambda: services.return_report(caseworker, report, "Mer."),
        "only a report that has been sent",
        objects=[report],
    )


def test_a_returned_report_can_be_changed_and_sent_again(caseworker, member, sent_report):
    services.return_report(caseworker, sent_report, "Legg ved flere detaljer.")
    sent_report.refresh_from_db()
    assert sent_report.status == ReportStatus.RETURNED
    assert sent_report.caseworker_comment == "Legg ved flere detaljer."
    services.save_report(member, sent_report, activities_held="Leksehjelp 41 ganger.")
    services.submit_report(member, sent_report)
    sent_report.refresh_from_db()
    assert sent_report.status == ReportStatus.SUBMITTED


def test_returning_a_report_says_what_to_change(caseworker, sent_report):
    refused(
        ValidationError,
        lambda: services.return_report(caseworker, sent_report, " "),
        "what the organisation must change",
        objects=[sent_report],
    )


def test_only_the_schemes_caseworkers_review_reports(not_caseworker_here, sent_report):
    for call in (
        lambda: services.approve_report(not_caseworker_here, sent_report),
        lambda: services.return_report(not_caseworker_here, sent_report, "Nei."),
    ):
        refused(PermissionDenied, call, objects=[sent_report])


# --- clawback and repayment ---------------------------------------------------------------------


def test_a_clawback_is_a_decision_and_is_repaid_until_settled(caseworker, clawback):
    decision = clawback.decision
    assert decision.kind == DecisionKind.CLAWBACK and decision.reasons == "Brukt mot vilkårene."
    assert decision.appeal_deadline == TODAY() + datetime.timedelta(weeks=3)
    services.record_repayment(caseworker, clawback, amount=D("4000"), paid_on=TODAY())
    clawback.refresh_from_db()
    assert clawback.status == ClawbackStatus.OPEN and clawback.repaid() == D("4000")
    refused(
        ValidationError,
        lambda: services.record_repayment(caseworker, clawback, amount=D("6001"), paid_on=TODAY()),
        "6,000",
        "left to repay",
        objects=[clawback],
    )
    refused(
        ValidationError,
        lambda: services.record_repayment(caseworker, clawback, amount=D("0"), paid_on=TODAY()),
        "left to repay",
        objects=[clawback],
    )
    services.record_repayment(caseworker, clawback, amount=D("6000"), paid_on=TODAY())
    clawback.refresh_from_db()
    assert clawback.status == ClawbackStatus.SETTLED
    refused(
        ValidationError,
        lambda: services.record_repayment(caseworker, clawback, amount=D("1"), paid_on=TODAY()),
        "clawback is closed",
        objects=[clawback],
    )


def test_no_clawback_of_more_than_was_paid_out(caseworker, award):
    refused(
        ValidationError,
        lambda: services.open_clawback(
            caseworker, award, amount=D("1"), reasons="x", due_on=days(30)
        ),
        "at most",
        "paid out",
        objects=[award],
    )
    pay(caseworker, award, "50000")
    refused(
        ValidationError,
        lambda: services.open_clawback(
            caseworker, award, amount=D("50001"), reasons="x", due_on=days(30)
        ),
        "at most",
        "50,000",
        objects=[award],
    )
    services.open_clawback(caseworker, award, amount=D("30000"), reasons="x", due_on=days(30))
    refused(
        ValidationError,
        lambda: services.open_clawback(
            caseworker, award, amount=D("20001"), reasons="x", due_on=days(30)
        ),
        "at most",
        "20,000",
        objects=[award],
    )


def test_a_clawback_needs_reasons_and_a_date_ahead(caseworker, paid):
    refused(
        ValidationError,
        lambda: services.open_clawback(
            caseworker, paid, amount=D("100"), reasons=" ", due_on=days(30)
        ),
        "must give its reasons",
        objects=[paid],
    )
    refused(
        ValidationError,
        lambda: services.open_clawback(
            caseworker, paid, amount=D("100"), reasons="x", due_on=TODAY()
        ),
        "repayment date ahead",
        objects=[paid],
    )


def test_clawbacks_and_repayments_only_by_the_schemes_caseworkers(
    not_caseworker_here, paid, clawback
):
    refused(
        PermissionDenied,
        lambda: services.open_clawback(
            not_caseworker_here, paid, amount=D("100"), reasons="x", due_on=days(30)
        ),
        objects=[paid],
    )
    refused(
        PermissionDenied,
        lambda: services.record_repayment(
            not_caseworker_here, clawback, amount=D("100"), paid_on=TODAY()
        ),
        objects=[clawback],
    )


def test_a_conflicted_caseworker_decides_no_clawback(conflicted, paid):
    refused(
        PermissionDenied,
        lambda: services.open_clawback(
            conflicted, paid, amount=D("100"), reasons="x", due_on=days(30)
        ),
        "not impartial",
        objects=[paid],
    )


# --- appeals -----------------------------------------------------------------------------------


def test_a_rejection_is_appealed_and_changed_on_appeal(member, caseworker, rejection, submitted):
    appeal = services.lodge_appeal(member, rejection, "Vi oppfyller kravene.")
    assert appeal.status == AppealStatus.LODGED and appeal.lodged_by == member
    services.handle_appeal(caseworker, appeal, status=AppealStatus.CHANGED, outcome="Ny vurdering.")
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.CHANGED and appeal.handled_by == caseworker
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.SUBMITTED  # decided anew
    assert grant(caseworker, submitted).amount == D("95000")


def test_an_upheld_appeal_changes_nothing_else(member, caseworker, rejection, submitted):
    appeal = services.lodge_appeal(member, rejection, "Urettferdig.")
    services.handle_appeal(caseworker, appeal, status=AppealStatus.UPHELD, outcome="Står.")
    submitted.refresh_from_db()
    assert submitted.status == ApplicationStatus.REJECTED


def test_a_clawback_changed_on_appeal_is_cancelled(member, caseworker, clawback):
    appeal = services.lodge_appeal(member, clawback.decision, "Pengene ble brukt riktig.")
    services.handle_appeal(caseworker, appeal, status=AppealStatus.CHANGED, outcome="Opphevet.")
    clawback.refresh_from_db()
    assert clawback.status == ClawbackStatus.CANCELLED
    refused(
        ValidationError,
        lambda: services.record_repayment(caseworker, clawback, amount=D("1"), paid_on=TODAY()),
        "clawback is closed",
        objects=[clawback],
    )


def test_an_award_may_be_appealed(member, awarded):
    appeal = services.lodge_appeal(member, awarded.decision, "Vi trenger hele beløpet.")
    assert appeal.decision == awarded.decision


def test_no_appeal_after_the_deadline(member, rejection, travel):
    travel(rejection.appeal_deadline)
    services.lodge_appeal(member, rejection, "Siste dag.")  # the last day counts
    Appeal.objects.filter(decision=rejection).delete()
    travel(rejection.appeal_deadline + datetime.timedelta(days=1))
    with translation.override("en"):
        deadline = format_day(rejection.appeal_deadline)
    refused(
        ValidationError,
        lambda: services.lodge_appeal(member, rejection, "For sent."),
        "appeal deadline was",
        deadline,
        objects=[rejection],
    )


def test_one_open_appeal_at_a_time(member, rejection):
    services.lodge_appeal(member, rejection, "Første.")
    refused(
        ValidationError,
        lambda: services.lodge_appeal(member, rejection, "Andre."),
        "already being handled",
        objects=[rejection],
    )


def test_an_appeal_says_why(member, rejection):
    refused(
        ValidationError,
        lambda: services.lodge_appeal(member, rejection, "  "),
        "why you think the decision is wrong",
        objects=[rejection],
    )


@pytest.mark.parametrize("who", ["caseworker", "other_member", "mentor", "evaluator"])
def test_only_the_organisation_appeals(request, who, rejection):
    actor = request.getfixturevalue(who)
    refused(
        PermissionDenied,
        lambda: services.lodge_appeal(actor, rejection, "Kapret."),
        objects=[rejection],
    )


def test_an_appeal_is_handled_once_with_an_outcome(member, caseworker, rejection):
    appeal = services.lodge_appeal(member, rejection, "Feil.")
    refused(
        ValidationError,
        lambda: services.handle_appeal(caseworker, appeal, status="maybe", outcome="Hm."),
        "stands or is changed",
        objects=[appeal],
    )
    refused(
        ValidationError,
        lambda: services.handle_appeal(caseworker, appeal, status=AppealStatus.UPHELD, outcome=""),
        "outcome and its reasons",
        objects=[appeal],
    )
    refused(
        ValidationError,
        lambda: services.handle_appeal(caseworker, appeal, status=AppealStatus.LODGED, outcome="x"),
        "stands or is changed",
        objects=[appeal],
    )
    services.handle_appeal(caseworker, appeal, status=AppealStatus.UPHELD, outcome="Står.")
    refused(
        ValidationError,
        lambda: services.handle_appeal(
            caseworker, appeal, status=AppealStatus.CHANGED, outcome="Likevel."
        ),
        "already been handled",
        objects=[appeal, rejection.application],
    )


def test_appeals_are_handled_by_the_schemes_impartial_caseworkers(
    member, not_caseworker_here, rejection, conflicted
):
    appeal = services.lodge_appeal(member, rejection, "Feil.")
    for actor, words in ((not_caseworker_here, []), (conflicted, ["not impartial"])):
        refused(
            PermissionDenied,
            lambda a=actor: services.handle_appeal(
                a, appeal, status=AppealStatus.CHANGED, outcome="x"
            ),
            *words,
            objects=[appeal, rejection.application],
        )


# --- change notices ----------------------------------------------------------------------------


def test_a_change_notice_is_sent_and_handled(member, caseworker, award):
    notice = services.send_change_notice(member, award, "Vi har flyttet til Bergen.")
    assert notice.status == ChangeNoticeStatus.OPEN and notice.sent_by == member
    services.handle_change_notice(caseworker, notice, "Ingen endring i tilskuddet.")
    notice.refresh_from_db()
    assert notice.status == ChangeNoticeStatus.HANDLED and notice.handled_by == caseworker
    refused(
        ValidationError,
        lambda: services.handle_change_notice(caseworker, notice, "Igjen."),
        "already been handled",
        objects=[notice],
    )
    assert verbs(award.application)[:2] == [
        services.CHANGE_NOTICE_HANDLED,
        services.CHANGE_NOTICE_SENT,
    ]


def test_a_change_notice_says_what_changed_and_its_handling_what_it_means(
    member, caseworker, award
):
    refused(
        ValidationError,
        lambda: services.send_change_notice(member, award, " "),
        "describe what has changed",
    )
    notice = services.send_change_notice(member, award, "Ny leder.")
    refused(
        ValidationError,
        lambda: services.handle_change_notice(caseworker, notice, ""),
        "what the change means",
        objects=[notice],
    )


@pytest.mark.parametrize("who", ["caseworker", "other_member", "mentor", "evaluator"])
def test_only_the_organisation_sends_change_notices(request, who, award):
    actor = request.getfixturevalue(who)
    refused(PermissionDenied, lambda: services.send_change_notice(actor, award, "Kapret."))


def test_only_the_schemes_caseworkers_handle_change_notices(member, not_caseworker_here, award):
    notice = services.send_change_notice(member, award, "Ny leder.")
    refused(
        PermissionDenied,
        lambda: services.handle_change_notice(not_caseworker_here, notice, "x"),
        objects=[notice],
    )


# --- notifications -------------------------------------------------------------------------------


@pytest.fixture
def english(member, caseworker):
    """The member and caseworker read English, so the tests can read their e-mails."""
    for user in (member, caseworker):
        user.language = "en"
        user.save(update_fields=["language"])


def mails_to(mailoutbox, user):
    return [message for message in mailoutbox if message.to == [user.email]]


def assert_decision_mail(message, decision, path):
    with translation.override("en"):
        deadline = format_day(decision.appeal_deadline)
    assert "reasons" in message.body and "in the portal" in message.body
    assert f"appeal the decision until {deadline}" in message.body
    assert message.body.rstrip().endswith(path)


def test_an_award_tells_the_organisation_where_the_reasons_are_and_the_deadline(
    english, member, impartial, submitted, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        made = grant(impartial, submitted)
    [message] = mails_to(mailoutbox, member)
    assert "You are awarded a grant" in message.subject
    assert "95,000" in message.body
    assert_decision_mail(message, made.decision, f"/grants/awards/{made.pk}/")


def test_a_rejection_tells_the_organisation_where_the_reasons_are_and_the_deadline(
    english, member, impartial, submitted, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decision = services.reject_application(impartial, submitted, reasons="Svak plan.")
    [message] = mails_to(mailoutbox, member)
    assert "not granted" in message.subject
    assert_decision_mail(message, decision, f"/grants/applications/{submitted.pk}/")


def test_a_clawback_tells_the_organisation_where_the_reasons_are_and_the_deadline(
    english, member, caseworker, paid, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        made = services.open_clawback(
            caseworker, paid, amount=D("10000"), reasons="Brukt feil.", due_on=days(30)
        )
    [message] = mails_to(mailoutbox, member)
    assert "10,000" in message.subject
    with translation.override("en"):
        assert format_day(made.due_on) in message.body
    assert_decision_mail(message, made.decision, f"/grants/awards/{paid.pk}/")


def test_the_caseworker_hears_of_answers_appeals_reports_and_changes(
    english, member, impartial, other_caseworker, submitted, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    services.request_information(impartial, submitted, "Hvem?")
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_application(member, submitted)
    [answer] = mails_to(mailoutbox, impartial)
    assert "Answer received" in answer.subject
    assert not mails_to(mailoutbox, other_caseworker)  # the assigned caseworker only

    made = accepted(grant(impartial, submitted), member)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.lodge_appeal(member, made.decision, "Mer penger.")
        services.submit_report(member, fill_report(member, made.report))
        services.send_change_notice(member, made, "Ny adresse.")
    subjects = [m.subject for m in mails_to(mailoutbox, impartial)]
    assert len(subjects) == 3
    assert any("Appeal" in s for s in subjects)
    assert any("Grant report" in s for s in subjects)
    assert any("Change notice" in s for s in subjects)
    assert not mails_to(mailoutbox, member)


def test_when_the_assigned_caseworker_has_left_the_whole_body_hears(
    member, caseworker, other_caseworker, awarded, mailoutbox, django_capture_on_commit_callbacks
):
    application = awarded.application
    application.caseworker.is_active = False  # the caseworker has left
    application.caseworker.save(update_fields=["is_active"])
    with django_capture_on_commit_callbacks(execute=True):
        services.lodge_appeal(member, awarded.decision, "Mer penger.")
    assert [m.to for m in mailoutbox] == [[other_caseworker.email]]


def test_accepting_is_shown_to_the_caseworker_in_the_portal_only(
    member, caseworker, awarded, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.accept_award(member, awarded)
    assert Notification.objects.filter(recipient=caseworker, email_to="").count() == 1
    assert mailoutbox == []


def test_a_refused_change_sends_nothing(
    member, rejection, travel, mailoutbox, django_capture_on_commit_callbacks
):
    travel(rejection.appeal_deadline + datetime.timedelta(days=1))
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError),
    ):
        services.lodge_appeal(member, rejection, "For sent.")
    assert callbacks == [] and mailoutbox == []


def test_a_continuation_call_does_not_check_the_admission_rules_again(
    member, participant, call, caseworker
):
    """Organisations already in the scheme are not turned away by their age in year two."""
    participant.founded = datetime.date(2000, 1, 1)
    participant.save()
    call.continuation = True
    call.save()
    application = complete_application(member, call, participant)
    services.submit_application(member, application)
    application.refresh_from_db()
    assert application.eligibility == "pass"
    [criterion] = services.eligibility_of(application).criteria
    assert criterion.code == "continuation"


def test_a_changed_award_goes_back_for_a_new_decision_when_nothing_is_paid(
    member, caseworker, awarded
):
    """The organisation appeals the amount; the caseworker agrees and decides again."""
    application = awarded.application
    appeal = services.lodge_appeal(member, awarded.decision, "Vi søkte om mer.")
    services.handle_appeal(caseworker, appeal, status="changed", outcome="Nytt vedtak kommer.")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert not Award.objects.filter(pk=awarded.pk).exists()
    again = services.award_grant(caseworker, application, amount=D("99000"), reasons="Økt.")
    assert again.amount == D("99000")


def test_a_paid_award_cannot_be_undone_by_an_appeal(member, caseworker, awarded):
    services.accept_award(member, awarded)
    pay(caseworker, awarded, awarded.amount)
    appeal = services.lodge_appeal(member, awarded.decision, "Vi søkte om mer.")
    refused(
        ValidationError,
        lambda: services.handle_appeal(caseworker, appeal, status="changed", outcome="Endret."),
        "paid out",
        objects=[appeal, awarded],
    )
