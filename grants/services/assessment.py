"""Assessment: impartiality, scores, proposals and requests for more information."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grants.models import (
    ZERO,
    Application,
    ApplicationStatus,
    Assessment,
    Criterion,
    ImpartialityDeclaration,
    Score,
)
from grants.services._common import (
    _application_url,
    _clean_changed,
    _members,
    _require_impartial,
    _scheme_of,
    _state_error,
)
from grants.services.applications import eligibility_of
from grants.services.money import _check_room
from grants.services.verbs import ASSESSED, IMPARTIALITY, INFO_REQUESTED, PROPOSED
from scheme import audit
from scheme.notifications import notify
from scheme.roles import (
    require_administers,
)

# --- assessment -----------------------------------------------------------------------------


def _under_assessment(application) -> Application:
    """The application, locked (its row only), while it is being assessed or decided. A
    caseworker may decide while a question is open (the organisation may never answer)."""
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("round__scheme_year__scheme", "organisation")
        .get(pk=application.pk)
    )
    if application.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.INFO_REQUESTED):
        raise _state_error(_("Only submitted applications are assessed and decided."))
    return application


@transaction.atomic
def declare_impartiality(actor, application, *, has_conflict: bool, note: str = ""):
    """Record the caseworker's declaration. A declared conflict stands: it cannot be turned
    back into impartiality (another caseworker takes the case)."""
    require_administers(actor, _scheme_of(application))
    earlier = application.declarations.filter(caseworker=actor).first()
    if earlier is not None and earlier.has_conflict:
        raise _state_error(
            _("You have declared that you are not impartial; another caseworker takes the case.")
        )
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
    application = _under_assessment(application)
    _require_impartial(actor, application)
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
    application = _under_assessment(application)
    _require_impartial(actor, application)
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
    application = _under_assessment(application)
    _require_impartial(actor, application)
    if application.status != ApplicationStatus.SUBMITTED:
        raise _state_error(_("The organisation has not answered the last question yet."))
    if not question.strip():
        raise ValidationError({"question": _("Write what you need to know.")})
    application.status = ApplicationStatus.INFO_REQUESTED
    application.info_request = question
    application.caseworker = application.caseworker or actor
    _clean_changed(application, info_request="question")
    application.save()
    audit.record(actor, INFO_REQUESTED, application)
    notify(
        _members(application.organisation),
        _("The caseworker asks about your application"),
        _("{question}\n\nAnswer by changing the application and sending it again."),
        url=_application_url(application),
        question=question,
    )
    return application
