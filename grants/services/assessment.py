"""Assessment: impartiality, scores, proposals and requests for more information."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grants.models import (
    ZERO,
    Application,
    Assessment,
    Criterion,
    ImpartialityDeclaration,
    Score,
)
from grants.records import refuse_if_closed
from grants.services import texts
from grants.services._common import (
    _application_url,
    _clean_changed,
    _members,
    _scheme_of,
    _state_error,
)
from grants.services.applications import eligibility_of
from grants.services.money import _check_room
from grants.services.verbs import ASSESSED, IMPARTIALITY, INFO_REQUESTED, PROPOSED
from grants.workflows import APPLICATION_FLOW, APPLICATION_UNDECIDED
from scheme import audit
from scheme.notifications import notify
from scheme.roles import (
    require_administers,
)

# --- assessment -----------------------------------------------------------------------------


def _under_assessment(actor, application, step) -> Application:
    """The application, locked (its row only), once the workflow lets ``actor`` take ``step``
    (``assess``, ``award``, ``reject``, ``request_information``) and they have declared
    themselves impartial. A caseworker may decide while a question is open (the organisation
    may never answer)."""
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("round__scheme_year__scheme", "organisation")
        .get(pk=application.pk)
    )
    APPLICATION_FLOW.require(actor, application, step)
    _require_impartial(actor, application)
    return application


def may_take(actor, application, step) -> bool:
    """Whether ``actor`` may take the caseworker's ``step`` on the application now (what
    ``_under_assessment`` requires; ``request_information`` lies within ``assess``), for the
    workspace to show its form."""
    return bool(APPLICATION_FLOW.decide(actor, application, step)) and _has_declared_impartial(
        actor, application
    )


# --- impartiality (Public Administration Act § 6) --------------------------------------------


def _declaration_of(actor, application) -> ImpartialityDeclaration | None:
    """The actor's declaration on the application (from ``declarations`` when prefetched)."""
    return next((d for d in application.declarations.all() if d.caseworker_id == actor.pk), None)


def _has_declared_impartial(actor, application) -> bool:
    declaration = _declaration_of(actor, application)
    return declaration is not None and not declaration.has_conflict


def _require_impartial(actor, application):
    """The caseworker has declared impartiality for this application and has no conflict."""
    declaration = _declaration_of(actor, application)
    if declaration is None:
        raise ValidationError(
            _("Declare your impartiality before you assess or decide this application.")
        )
    if declaration.has_conflict:
        raise PermissionDenied(_("You have declared that you are not impartial in this case."))


def _refuse_if_conflicted(actor, application):
    """A caseworker who has declared a conflict takes no decision in the case (clawback and
    appeals included); no new declaration is needed for those."""
    declaration = _declaration_of(actor, application)
    if declaration is not None and declaration.has_conflict:
        raise PermissionDenied(_("You have declared that you are not impartial in this case."))


def declaration_refusal(actor, application, *, has_conflict: bool) -> str:
    """Why ``actor`` (a caseworker of the scheme) cannot make this declaration now, or "".

    A caseworker declares while the application waits for assessment; "impartial" may later
    become a conflict (found at any time, even after the decision, so the caseworker takes no
    part in appeals or clawbacks), and a declared conflict stands: another caseworker takes
    the case.
    """
    earlier = _declaration_of(actor, application)
    if earlier is not None and earlier.has_conflict:
        return _("You have declared that you are not impartial; another caseworker takes the case.")
    if not has_conflict and earlier is not None:
        return _("You have already declared that you are impartial.")
    if not has_conflict and application.status not in APPLICATION_UNDECIDED:
        return _("The application is not waiting for assessment.")
    return ""


def declaration_choices(actor, application) -> list[bool]:
    """The declarations ``actor`` may make now, as ``has_conflict`` values ([] for none)."""
    return [
        has_conflict
        for has_conflict in (False, True)
        if not declaration_refusal(actor, application, has_conflict=has_conflict)
    ]


@transaction.atomic
def declare_impartiality(actor, application, *, has_conflict: bool, note: str = ""):
    """Record the caseworker's declaration (``declaration_refusal`` says when they may)."""
    refuse_if_closed(application)
    require_administers(actor, _scheme_of(application))
    application = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
    refusal = declaration_refusal(actor, application, has_conflict=has_conflict)
    if refusal:
        raise _state_error(refusal)
    _clean_changed(ImpartialityDeclaration(note=note), note="note")
    declaration, _created = ImpartialityDeclaration.objects.update_or_create(
        application=application,
        caseworker=actor,
        defaults={"has_conflict": has_conflict, "note": note, "declared_at": timezone.now()},
    )
    detail = _("not impartial") if has_conflict else _("impartial")
    audit.record(actor, IMPARTIALITY, application, detail)
    return declaration


def _check_scores(scores):
    names = dict(Criterion.choices)
    for criterion, (score, note) in scores.items():
        if criterion not in names:
            raise ValueError(f"Not a criterion: {criterion}")
        if not isinstance(score, int) or not 1 <= score <= 5:
            raise ValidationError(
                {
                    "scores": _("Give %(criterion)s a score from 1 to 5.")
                    % {"criterion": names[criterion]}
                }
            )
        _clean_changed(Score(note=note), note="scores")


@transaction.atomic
def save_assessment(
    actor,
    application,
    *,
    scores,
    purpose_confirmed=None,
    phoned_at=None,
    phone_note="",
    summary="",
) -> Assessment:
    """Record the scores (criterion -> (score, note)) and the rest of the assessment."""
    refuse_if_closed(application)
    application = _under_assessment(actor, application, "assess")
    _check_scores(scores)
    assessment, _created = Assessment.objects.get_or_create(
        application=application, defaults={"assessed_by": actor}
    )
    assessment.assessed_by = actor
    assessment.purpose_confirmed = purpose_confirmed
    assessment.phoned_at = phoned_at
    assessment.phone_note = phone_note
    assessment.summary = summary
    assessment.full_clean(exclude=["application", "assessed_by"])
    assessment.save()
    for criterion, (score, note) in scores.items():
        Score.objects.update_or_create(
            assessment=assessment, criterion=criterion, defaults={"score": score, "note": note}
        )
    application.caseworker = application.caseworker or actor
    application.assessment = assessment
    application.eligibility = eligibility_of(application).outcome
    application.save(update_fields=["caseworker", "eligibility", "updated_at"])
    audit.record(actor, ASSESSED, application)
    return assessment


@transaction.atomic
def set_proposal(actor, application, *, proposed: bool, rank=None, proposed_amount=None):
    """Place the application in the round's portfolio (or take it out)."""
    refuse_if_closed(application)
    application = _under_assessment(actor, application, "assess")
    if not hasattr(application, "assessment"):
        raise _state_error(_("Assess the application before you propose it."))
    if proposed_amount is not None and proposed_amount > (application.amount or ZERO):
        raise ValidationError(
            {"proposed_amount": _("The proposal cannot be more than the organisation applied for.")}
        )
    if proposed:
        _check_room(
            application.organisation,
            application.round.scheme_year,
            proposed_amount,
            "proposed_amount",
        )
    assessment = application.assessment
    assessment.proposed = proposed
    assessment.rank = rank if proposed else None
    assessment.proposed_amount = proposed_amount if proposed else None
    assessment.full_clean(exclude=["application", "assessed_by"])
    assessment.save()
    audit.record(actor, PROPOSED, application)
    return assessment


@transaction.atomic
def request_information(actor, application, question: str) -> Application:
    refuse_if_closed(application)
    application = _under_assessment(actor, application, "assess")
    APPLICATION_FLOW.require(actor, application, "request_information")  # one question at a time
    if not question.strip():
        raise ValidationError({"question": _("Write what you need to know.")})
    APPLICATION_FLOW.move(application, "request_information")
    application.info_request = question
    application.caseworker = application.caseworker or actor
    _clean_changed(application, info_request="question")
    application.save()
    audit.record(actor, INFO_REQUESTED, application)
    notify(
        _members(application.organisation),
        *texts.QUESTION_ASKED,
        url=_application_url(application),
        question=question,
    )
    return application
