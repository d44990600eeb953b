"""Every state change in the life of a grant.

Each function runs in one transaction, checks who may do it and whether the object is in a
state that allows it, writes the timeline (on the application) and notifies the people who
must act next. Expected problems raise ``ValidationError`` with a message for the user; a
request from someone without access raises ``PermissionDenied``. A failure changes nothing.
"""

import datetime
from decimal import Decimal
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from grants.account_numbers import clean_account_number
from grants.models import (
    APPEAL_PERIOD,
    MAX_ATTACHMENTS,
    ZERO,
    AccountLine,
    Appeal,
    AppealStatus,
    Application,
    ApplicationStatus,
    Assessment,
    Attachment,
    AttachmentKind,
    Award,
    BudgetLine,
    ChangeNotice,
    ChangeNoticeStatus,
    Clawback,
    ClawbackStatus,
    Criterion,
    Decision,
    DecisionKind,
    Disbursement,
    GoalResult,
    GrantReport,
    ImpartialityDeclaration,
    Instalment,
    Invitation,
    PayoutAccount,
    ReminderKind,
    Repayment,
    ReportReminder,
    ReportStatus,
    Round,
    Score,
    paid_by_q,
)
from organisations import eligibility as admission
from organisations.models import Organisation
from scheme import audit
from scheme.formatting import format_day, format_nok
from scheme.models import SchemeYear
from scheme.notifications import notify
from scheme.once import spend_form_token
from scheme.roles import (
    MemberRole,
    OrganisationKind,
    access_for,
    require,
    require_administers,
)
from scheme.storage import validate_upload
from scheme.verbs import event_verb

ROUND_SAVED = event_verb("round.saved", _("saved the call"))
ORGANISATIONS_INVITED = event_verb("round.invited", _("invited organisations"))
STARTED = event_verb("application.started", _("started the application"))
SAVED = event_verb("application.saved", _("saved the application"))
ATTACHMENT_ADDED = event_verb("application.attachment_added", _("added an attachment"))
ATTACHMENT_REMOVED = event_verb("application.attachment_removed", _("removed an attachment"))
SUBMITTED = event_verb("application.submitted", _("submitted the application"))
WITHDRAWN = event_verb("application.withdrawn", _("withdrew the application"))
IMPARTIALITY = event_verb("application.impartiality", _("declared on impartiality"))
ASSESSED = event_verb("application.assessed", _("saved the assessment"))
PROPOSED = event_verb("application.proposed", _("changed the proposal"))
INFO_REQUESTED = event_verb("application.info_requested", _("asked for more information"))
AWARDED = event_verb("application.awarded", _("awarded a grant"))
REJECTED = event_verb("application.rejected", _("rejected the application"))
ACCEPTED = event_verb("award.accepted", _("accepted the conditions"))
APPEALED = event_verb("decision.appealed", _("appealed the decision"))
APPEAL_HANDLED = event_verb("decision.appeal_handled", _("handled the appeal"))
DISBURSED = event_verb("award.disbursed", _("recorded a payment"))
REPORT_SAVED = event_verb("report.saved", _("saved the grant report"))
REPORT_SUBMITTED = event_verb("report.submitted", _("sent the grant report"))
REPORT_APPROVED = event_verb("report.approved", _("approved the grant report"))
REPORT_RETURNED = event_verb("report.returned", _("returned the grant report"))
CLAWBACK_OPENED = event_verb("award.clawback", _("decided a clawback"))
REPAID = event_verb("award.repaid", _("recorded a repayment"))
CHANGE_NOTICE_SENT = event_verb("award.change_notice", _("told of a change"))
CHANGE_NOTICE_HANDLED = event_verb("award.change_notice_handled", _("handled a change notice"))
ACCOUNT_GIVEN = event_verb("payout_account.given", _("gave a new bank account for payouts"))
ACCOUNT_CONFIRMED = event_verb(
    "payout_account.confirmed", _("confirmed the bank account for payouts")
)

# Amounts, dates and choices in notifications are formatted when each reader's copy is made,
# in the reader's language (notify() formats the text inside translation.override).
_nok = lazy(format_nok, str)
_day = lazy(format_day, str)

# An application is complete with these documents (the call asks for statutes and the last
# annual report or accounts).
REQUIRED_DOCUMENTS = [
    (AttachmentKind.STATUTES,),
    (AttachmentKind.ANNUAL_REPORT, AttachmentKind.ACCOUNTS),
]


# --- who may do what -----------------------------------------------------------------------


def _require_member(actor, organisation):
    """Only people of the participant organisation itself act for it."""
    access = access_for(actor)
    require(
        access.is_member_of(organisation.pk) and organisation.kind == OrganisationKind.PARTICIPANT
    )


def _scheme_of(application):
    return application.round.scheme_year.scheme


def _require_impartial(actor, application):
    """The caseworker has declared impartiality for this application and has no conflict."""
    require_administers(actor, _scheme_of(application))
    declaration = application.declarations.filter(caseworker=actor).first()
    if declaration is None:
        raise ValidationError(
            _("Declare your impartiality before you assess or decide this application.")
        )
    if declaration.has_conflict:
        raise PermissionDenied(_("You have declared that you are not impartial in this case."))


def _refuse_if_conflicted(actor, application):
    """A caseworker who has declared a conflict takes no decision in the case (clawback and
    appeals included); no new declaration is needed for those."""
    if application.declarations.filter(caseworker=actor, has_conflict=True).exists():
        raise PermissionDenied(_("You have declared that you are not impartial in this case."))


def _state_error(message):
    return ValidationError(message, code="invalid_state")


def _clean_changed(instance, **fields):
    """Validate only the fields a change sets (their maximum length, say), so that text saved
    before the limits never blocks someone else's step; ``fields`` maps each model field to
    the name its errors go under (the service's argument, the form's field)."""
    try:
        instance.clean_fields(
            exclude=[f.name for f in instance._meta.fields if f.name not in fields]
        )
    except ValidationError as error:
        raise ValidationError(
            {fields[name]: messages for name, messages in error.message_dict.items()}
        ) from None


# --- who hears about it ----------------------------------------------------------------------


def _members(organisation):
    return get_user_model().objects.filter(memberships__organisation=organisation, is_active=True)


def _caseworkers(application):
    """The assigned caseworker, or every caseworker of the administering body (also when the
    assigned one has left it or been deactivated, so nothing goes unread)."""
    body = get_user_model().objects.filter(
        memberships__organisation_id=_scheme_of(application).administrator_id, is_active=True
    )
    if application.caseworker_id:
        assigned = list(body.filter(pk=application.caseworker_id))
        if assigned:
            return assigned
    return body


def _application_url(application):
    return reverse("grants:application", args=[application.pk])


def _award_url(award):
    return reverse("grants:award", args=[award.pk])


# --- rounds ----------------------------------------------------------------------------------


@transaction.atomic
def save_round(actor, round_=None, *, form_token=None, **fields) -> Round:
    """Create a call (``round_`` None) or change one. A new call is made once however often
    its form is sent; a change may be sent again (it saves the same)."""
    scheme_year = fields.get("scheme_year") or round_.scheme_year
    require_administers(actor, scheme_year.scheme)
    if round_ is not None:
        # A caseworker may not take over another body's call by moving it to their own year.
        require_administers(actor, round_.scheme_year.scheme)
    else:
        spend_form_token(actor, form_token)
    round_ = round_ or Round()
    for name, value in fields.items():
        setattr(round_, name, value)
    round_.full_clean()
    round_.save()
    audit.record(actor, ROUND_SAVED, round_)
    return round_


@transaction.atomic
def invite(actor, round_, organisations) -> int:
    """Invite participant organisations to a closed call and tell their people. The call is
    locked, so two posts at once invite (and notify) each organisation once."""
    require_administers(actor, round_.scheme_year.scheme)
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    already = set(round_.invitations.values_list("organisation_id", flat=True))
    new = [
        organisation
        for organisation in organisations
        if organisation.pk not in already and organisation.kind == OrganisationKind.PARTICIPANT
    ]
    for organisation in new:  # one by one, so the audit log records each
        Invitation.objects.create(round=round_, organisation=organisation)
    for organisation in new:
        notify(
            _members(organisation),
            _("You are invited to apply: {round}"),
            _(
                "{organisation} is invited to apply for a grant. The call is open from "
                "{opens} to {closes}. Log in to read the guidance and start the application."
            ),
            url=reverse("grants:home"),
            round=round_.title,
            organisation=organisation.name,
            opens=_day(round_.opens_on),
            closes=_day(round_.closes_on),
        )
    if new:
        audit.record(actor, ORGANISATIONS_INVITED, round_, ", ".join(o.name for o in new))
    return len(new)


# --- the yearly maximum per organisation -----------------------------------------------------


class YearlyRoom(NamedTuple):
    """What an organisation may still be awarded in a scheme year: the year's maximum grant
    per organisation less what it has been awarded in every call of that year."""

    maximum: Decimal
    awarded: Decimal

    @property
    def left(self) -> Decimal:
        return max(self.maximum - self.awarded, ZERO)

    @property
    def exhausted(self) -> bool:
        return self.left <= 0


def yearly_rooms(organisation_ids, scheme_years) -> dict:
    """{(organisation id, scheme year id): YearlyRoom} for every pair, in one query."""
    years = {year.pk: year for year in scheme_years}
    totals = (
        Award.objects.filter(
            application__organisation_id__in=organisation_ids,
            application__round__scheme_year_id__in=years,
        )
        .order_by()
        .values("application__organisation_id", "application__round__scheme_year_id")
        .annotate(total=Sum("amount"))
        .values_list("application__organisation_id", "application__round__scheme_year_id", "total")
    )
    awarded = {(organisation, year): total for organisation, year, total in totals}
    return {
        (organisation, year_id): YearlyRoom(
            year.max_grant, awarded.get((organisation, year_id), ZERO)
        )
        for organisation in organisation_ids
        for year_id, year in years.items()
    }


def yearly_room(organisation_id, scheme_year) -> YearlyRoom:
    """The organisation's room in the scheme year. Under the scheme year's lock (award_grant)
    the sum cannot change until the transaction ends."""
    return yearly_rooms([organisation_id], [scheme_year])[(organisation_id, scheme_year.pk)]


def room_message(room: YearlyRoom) -> str:
    """The organisation's room in words for its people."""
    if not room.awarded:
        return _("You can apply for at most %(max)s.") % {"max": format_nok(room.maximum)}
    if room.exhausted:
        return _(
            "Your organisation has already been awarded the year's maximum of %(max)s, so it "
            "cannot apply for more this year."
        ) % {"max": format_nok(room.maximum)}
    return _(
        "Your organisation has been awarded %(awarded)s this year already. The year's maximum "
        "is %(max)s, so you can apply for at most %(left)s."
    ) % {
        "awarded": format_nok(room.awarded),
        "max": format_nok(room.maximum),
        "left": format_nok(room.left),
    }


def _check_room(organisation, scheme_year, amount, field) -> None:
    """Refuse to propose or award ``amount`` when it would take the organisation past the
    year's maximum, with the error on ``field``."""
    room = yearly_room(organisation.pk, scheme_year)
    if amount is None or amount <= room.left:
        return
    if not room.awarded:
        message = _("The year's maximum grant is %(max)s.") % {"max": format_nok(room.maximum)}
    else:
        message = _(
            "%(organisation)s has been awarded %(awarded)s this year already. The year's maximum "
            "per organisation is %(max)s, so at most %(left)s can be given."
        ) % {
            "organisation": organisation.name,
            "awarded": format_nok(room.awarded),
            "max": format_nok(room.maximum),
            "left": format_nok(room.left),
        }
    raise ValidationError({field: message})


# --- admission: the call's eligibility rules, before an application is started ----------------


class Advice(NamedTuple):
    """One criterion of the eligibility check, and what the organisation can do about it."""

    criterion: admission.Criterion
    todo: str
    url: str  # the part of the profile that fixes it ("" when nothing there does)


class Admission(NamedTuple):
    """Whether an organisation may start an application in a call by the call's eligibility
    rules: a failed criterion blocks; an unknown one is a warning, since the profile may only
    be incomplete and the caseworker checks it in the assessment."""

    blocking: list[Advice]
    warnings: list[Advice]

    @property
    def allowed(self) -> bool:
        return not self.blocking


def _profile_url(organisation, part="") -> str:
    if part:
        return reverse("organisations:parts", args=[organisation.pk, part])
    return reverse("organisations:edit", args=[organisation.pk])


def _advice(criterion, round_, organisation) -> Advice:
    """What to do about a failed or unknown criterion, in plain words."""
    failed = criterion.outcome == admission.Outcome.FAIL
    year = round_.scheme_year
    if criterion.code == "registered":
        if failed:
            todo = _(
                "The scheme is only for organisations in Frivillighetsregisteret. Register the "
                "organisation at brreg.no, then update your profile here."
            )
        else:
            todo = _("Say on your profile whether the organisation is in Frivillighetsregisteret.")
        return Advice(criterion, todo, _profile_url(organisation))
    if criterion.code == "age":
        if failed:
            todo = _(
                "This scheme is for newly established organisations, founded less than "
                "%(years)d years before the deadline. If the founding date on your profile is "
                "wrong, correct it."
            ) % {"years": year.max_organisation_age_years}
        else:
            todo = _("Fill in the founding date on your profile.")
        return Advice(criterion, todo, _profile_url(organisation))
    if criterion.code == "applied":
        window = year.previous_application_window(round_.closes_on)
        params = {"first": window[0], "last": window[-1]}
        if failed:
            todo = (
                _(
                    "The scheme asks for an earlier application to IMDi or a municipality in "
                    "%(first)d–%(last)d. If you have made one, record it on your profile."
                )
                % params
            )
        else:
            todo = (
                _(
                    "Record your earlier grant applications on your profile: the scheme asks for "
                    "one to IMDi or a municipality in %(first)d–%(last)d."
                )
                % params
            )
        return Advice(criterion, todo, _profile_url(organisation, "previous-applications"))
    if criterion.code == "purpose":
        todo = _(
            "Describe what the organisation works for on your profile: the caseworker judges "
            "the purpose from it and from your application."
        )
        return Advice(criterion, todo, _profile_url(organisation))
    return Advice(criterion, _("Check this on your organisation's profile."), "")


def admission_check(round_, organisation) -> Admission:
    """The call's eligibility rules for ``organisation`` on the call's deadline. Continuation
    calls are for organisations already admitted: nothing is checked. The purpose is judged by
    the caseworker; it is a warning only when the profile does not describe it."""
    if round_.continuation:
        return Admission([], [])
    eligibility = admission.check_eligibility(organisation, round_.scheme_year, on=round_.closes_on)
    blocking, warnings = [], []
    for criterion in eligibility.criteria:
        if criterion.outcome == admission.Outcome.FAIL:
            blocking.append(_advice(criterion, round_, organisation))
        elif criterion.outcome == admission.Outcome.UNKNOWN and (
            criterion.code != "purpose" or not organisation.description.strip()
        ):
            warnings.append(_advice(criterion, round_, organisation))
    return Admission(blocking, warnings)


def _refuse_unless_admitted(round_, organisation) -> None:
    check = admission_check(round_, organisation)
    if not check.allowed:
        raise ValidationError(
            [
                _("%(criterion)s: %(reason)s %(todo)s")
                % {
                    "criterion": advice.criterion.label,
                    "reason": advice.criterion.reason,
                    "todo": advice.todo,
                }
                for advice in check.blocking
            ],
            code="not_eligible",
        )


# --- the application -------------------------------------------------------------------------


@transaction.atomic
def start_application(actor, round_, organisation) -> Application:
    """Start a draft. The organisation must be one the call accepts (an open call takes every
    participant organisation, a closed one those invited), the call must be open, the year's
    maximum not reached, and no eligibility rule of the call failed (admission_check)."""
    _require_member(actor, organisation)
    if not round_.accepts(organisation):
        raise ValidationError(_("This call is only for invited organisations."))
    if not round_.is_open():
        raise ValidationError(
            _("The call is open from %(opens)s to %(closes)s.")
            % {"opens": format_day(round_.opens_on), "closes": format_day(round_.closes_on)}
        )
    room = yearly_room(organisation.pk, round_.scheme_year)
    if room.exhausted:
        raise ValidationError(room_message(room))
    _refuse_unless_admitted(round_, organisation)
    try:
        with transaction.atomic():
            application = Application.objects.create(round=round_, organisation=organisation)
    except IntegrityError:
        raise ValidationError(
            _("Your organisation has already started an application here.")
        ) from None
    application.target_groups.set(organisation.target_groups.all())
    audit.record(actor, STARTED, application)
    return application


def _editable(actor, application) -> Application:
    """The application, locked, when the actor may change it now."""
    application = (
        Application.objects.select_for_update()
        .select_related("round__scheme_year__scheme", "organisation")
        .get(pk=application.pk)
    )
    _require_member(actor, application.organisation)
    if not application.is_editable:
        raise _state_error(_("The application has been sent and can no longer be changed."))
    return application


def _check_amount(amount, scheme_year):
    if amount is not None and amount > scheme_year.max_grant:
        raise ValidationError(
            {
                "amount": _("You can apply for at most %(max)s.")
                % {"max": format_nok(scheme_year.max_grant)}
            }
        )


APPLICATION_FIELDS = {
    "amount",
    "planned_activities",
    "reach",
    "people_reached",
    "wants_mentor",
    "planned_collaborations",
}


@transaction.atomic
def save_application(actor, application, **fields) -> Application:
    """Save any part of a draft; nothing needs to be complete until it is submitted."""
    application = _editable(actor, application)
    related = {
        name: fields.pop(name) for name in ("target_groups", "competence_needs") if name in fields
    }
    unknown = set(fields) - APPLICATION_FIELDS
    if unknown:
        raise ValueError(f"Not application fields: {unknown}")
    _check_amount(fields.get("amount"), application.round.scheme_year)
    for name, value in fields.items():
        setattr(application, name, value)
    application.full_clean(exclude=["round", "organisation"])
    application.save()
    for name, values in related.items():
        getattr(application, name).set(values)
    audit.record(actor, SAVED, application)
    return application


def _clean_lines(lines, exclude):
    """Validate budget or account lines before any is saved: a known category, an amount of
    at least 0. The errors name the line, counted from 1."""
    errors = []
    for number, line in enumerate(lines, start=1):
        try:
            line.full_clean(exclude=exclude)
        except ValidationError as error:
            errors.extend(
                _("Line %(number)s: %(problem)s") % {"number": number, "problem": message}
                for message in error.messages
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_budget(actor, application, lines) -> Application:
    """Replace the budget with ``lines``: (category, description, amount) each."""
    application = _editable(actor, application)
    new_lines = [
        BudgetLine(application=application, category=c, description=d, amount=a)
        for c, d, a in lines
    ]
    _clean_lines(new_lines, exclude=["application"])
    application.budget_lines.all().delete()
    for line in new_lines:  # one by one, so the audit log records each
        line.save()
    audit.record(actor, SAVED, application, _("budget"))
    return application


def attachments_left(application) -> int:
    """How many more documents the application can have."""
    return max(MAX_ATTACHMENTS - application.attachments.count(), 0)


@transaction.atomic
def add_attachment(actor, application, kind, upload, *, form_token=None) -> Attachment:
    application = _editable(actor, application)  # locked: attachments are counted one at a time
    spend_form_token(actor, form_token)
    if not attachments_left(application):
        raise ValidationError(
            {
                "file": _(
                    "An application can have at most %(max)d documents. Remove one before you "
                    "upload another."
                )
                % {"max": MAX_ATTACHMENTS}
            }
        )
    validate_upload(upload)
    attachment = Attachment(
        application=application,
        kind=kind,
        original_name=upload.name[:200],
        size=upload.size,
        uploaded_by=actor,
    )
    attachment.full_clean(exclude=["file"])  # before the file is stored: no orphans
    attachment.file.save(upload.name, upload, save=False)
    attachment.save()
    audit.record(actor, ATTACHMENT_ADDED, application, attachment.original_name)
    return attachment


@transaction.atomic
def remove_attachment(actor, attachment) -> None:
    application = _editable(actor, attachment.application)
    name = attachment.original_name
    stored = attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: attachment.file.storage.delete(stored))
    audit.record(actor, ATTACHMENT_REMOVED, application, name)


class Missing(NamedTuple):
    """Something that stops an application from being sent, and the part that fixes it."""

    part: str  # "amount", "activities" or "documents": the application's steps
    message: str


def missing_for_submission(application) -> list[Missing]:
    """What still stops the application from being sent, in words for the applicant."""
    problems = []
    room = yearly_room(application.organisation_id, application.round.scheme_year)
    if not application.amount:
        problems.append(Missing("amount", _("Say how much you apply for.")))
    elif application.amount > room.left:
        problems.append(Missing("amount", room_message(room)))
    lines = list(application.budget_lines.all())
    if not lines:
        problems.append(Missing("amount", _("Fill in the budget.")))
    elif application.amount and sum(line.amount for line in lines) != application.amount:
        message = _("The budget adds up to %(total)s, but you apply for %(amount)s.") % {
            "total": format_nok(sum(line.amount for line in lines)),
            "amount": format_nok(application.amount),
        }
        problems.append(Missing("amount", message))
    if not application.planned_activities.strip():
        problems.append(Missing("activities", _("Describe the activities you plan.")))
    if not application.reach.strip():
        problems.append(Missing("activities", _("Say who the activities reach.")))
    if not application.target_groups.exists():
        problems.append(Missing("activities", _("Choose at least one target group.")))
    kinds = {attachment.kind for attachment in application.attachments.all()}
    if AttachmentKind.STATUTES not in kinds:
        problems.append(Missing("documents", _("Attach your statutes.")))
    if not kinds & {AttachmentKind.ANNUAL_REPORT, AttachmentKind.ACCOUNTS}:
        problems.append(Missing("documents", _("Attach your last annual report or accounts.")))
    return problems


def eligibility_of(application):
    """The eligibility check for the application, against the call's closing date. A
    continuation call is for organisations already admitted: nothing is checked again."""
    if application.round.continuation:
        return admission.Eligibility(
            reference_date=application.round.closes_on,
            criteria=(
                admission.Criterion(
                    "continuation",
                    _("Already in the scheme"),
                    admission.Outcome.PASS,
                    _("Admitted earlier; the admission rules are not checked again."),
                ),
            ),
        )
    purpose = getattr(getattr(application, "assessment", None), "purpose_confirmed", None)
    return admission.check_eligibility(
        application.organisation,
        application.round.scheme_year,
        on=application.round.closes_on,
        purpose_confirmed=purpose,
    )


@transaction.atomic
def submit_application(actor, application) -> Application:
    application = _editable(actor, application)
    resubmission = application.status == ApplicationStatus.INFO_REQUESTED
    if not resubmission and not application.round.is_open():
        raise _state_error(
            _("The call closed on %(date)s.") % {"date": format_day(application.round.closes_on)}
        )
    problems = missing_for_submission(application)
    if problems:
        raise ValidationError([problem.message for problem in problems])
    application.eligibility = eligibility_of(application).outcome
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = application.submitted_at or timezone.now()
    application.save()
    audit.record(actor, SUBMITTED, application)
    if resubmission:
        notify(
            _caseworkers(application),
            _("Answer received: {organisation}"),
            _("{organisation} has answered your question and sent the application again."),
            url=_application_url(application),
            organisation=application.organisation.name,
        )
    else:
        notify(
            _members(application.organisation),
            _("Application received"),
            _(
                "We have received the application from {organisation}. The caseworker assesses "
                "all applications after the call closes on {closes}, and may phone you. You "
                "hear from us by e-mail when a decision is made."
            ),
            url=_application_url(application),
            organisation=application.organisation.name,
            closes=_day(application.round.closes_on),
        )
    return application


@transaction.atomic
def withdraw_application(actor, application) -> Application:
    application = Application.objects.select_for_update().get(pk=application.pk)
    _require_member(actor, application.organisation)
    open_states = (
        ApplicationStatus.DRAFT,
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.INFO_REQUESTED,
    )
    if application.status not in open_states:
        if application.status == ApplicationStatus.WITHDRAWN:
            raise _state_error(_("The application is already withdrawn."))
        raise _state_error(_("A decided application cannot be withdrawn."))
    was_sent = application.status != ApplicationStatus.DRAFT
    application.status = ApplicationStatus.WITHDRAWN
    application.save(update_fields=["status", "updated_at"])
    audit.record(actor, WITHDRAWN, application)
    if was_sent:
        notify(
            _caseworkers(application),
            _("Application withdrawn: {organisation}"),
            _("{organisation} has withdrawn its application to {round}."),
            url=_application_url(application),
            organisation=application.organisation.name,
            round=application.round.title,
            email=False,
        )
    return application


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


# --- decisions --------------------------------------------------------------------------------


def budget_position(scheme_year) -> dict:
    """The year's frame, what is awarded, what is proposed but not decided, and what is left."""
    awarded = Award.objects.in_year(scheme_year).aggregate(total=Sum("amount"))["total"] or ZERO
    proposed = (
        Assessment.objects.filter(
            proposed=True,
            application__round__scheme_year=scheme_year,
            application__status__in=[
                ApplicationStatus.SUBMITTED,
                ApplicationStatus.INFO_REQUESTED,
            ],
        ).aggregate(total=Sum("proposed_amount"))["total"]
        or ZERO
    )
    return {
        "frame": scheme_year.budget_frame,
        "awarded": awarded,
        "proposed": proposed,
        "left": scheme_year.budget_frame - awarded,
    }


def _decide(actor, application, kind, reasons) -> Decision:
    if not reasons.strip():
        raise ValidationError({"reasons": _("A decision must give its reasons.")})
    decision = Decision(
        application=application,
        kind=kind,
        reasons=reasons,
        decided_by=actor,
        appeal_deadline=timezone.localdate() + APPEAL_PERIOD,
    )
    decision.full_clean()
    decision.save()
    return decision


def _payment_plan(award, instalments):
    """Instalments (amount, due date, after report approved); by default one, paid at once."""
    instalments = instalments or [(award.amount, timezone.localdate(), False)]
    if any(amount <= 0 for amount, _due, _after in instalments):
        raise ValidationError({"instalments": _("Each instalment must be more than 0.")})
    if sum(amount for amount, _due, _after in instalments) != award.amount:
        raise ValidationError(
            {"instalments": _("The instalments must add up to the amount awarded.")}
        )
    for n, (amount, due, after) in enumerate(instalments, start=1):
        instalment = Instalment(
            award=award, number=n, amount=amount, due_on=due, after_report_approved=after
        )
        try:
            instalment.full_clean()
        except ValidationError as error:
            raise ValidationError(
                {
                    "instalments": [
                        _("Instalment %(n)d: %(problem)s") % {"n": n, "problem": message}
                        for message in error.messages
                    ]
                }
            ) from None
        instalment.save()


@transaction.atomic
def award_grant(actor, application, *, amount: Decimal, reasons: str, instalments=None) -> Award:
    """Award a grant within the year's budget frame and the organisation's yearly maximum.

    The scheme year's row is locked first, so two caseworkers deciding at the same moment
    are serialised and neither the sum of awards nor an organisation's awards in the year's
    calls can pass their limits.
    """
    application = _under_assessment(application)
    _require_impartial(actor, application)
    scheme_year = SchemeYear.objects.select_for_update().get(pk=application.round.scheme_year_id)
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be more than 0.")})
    if amount > (application.amount or ZERO):
        raise ValidationError(
            {"amount": _("The award cannot be more than the organisation applied for.")}
        )
    _check_room(application.organisation, scheme_year, amount, "amount")  # under the lock
    left = budget_position(scheme_year)["left"]
    if amount > left:
        raise ValidationError(
            {
                "amount": _(
                    "Only %(left)s is left of this year's budget frame. Lower the amount or "
                    "ask for the frame to be raised."
                )
                % {"left": format_nok(left)}
            }
        )
    decision = _decide(actor, application, DecisionKind.AWARD, reasons)
    award = Award.objects.create(
        application=application,
        decision=decision,
        amount=amount,
        conditions=[
            {"code": c.code, "text_nb": c.text_nb, "text_en": c.text_en}
            for c in scheme_year.scheme.conditions.all()
        ],
    )
    _payment_plan(award, instalments)
    GrantReport.objects.create(award=award, due_on=scheme_year.report_due_date)
    application.status = ApplicationStatus.AWARDED
    application.caseworker = application.caseworker or actor
    application.save()
    audit.record(actor, AWARDED, application, format_nok(amount))
    notify(
        _members(application.organisation),
        _("You are awarded a grant"),
        _(
            "{organisation} is awarded {amount}. The award letter with the reasons for the "
            "decision is in the portal: read it and accept the conditions there. You may "
            "appeal the decision until {deadline}."
        ),
        url=_award_url(award),
        organisation=application.organisation.name,
        amount=_nok(amount),
        deadline=_day(decision.appeal_deadline),
    )
    return award


@transaction.atomic
def reject_application(actor, application, *, reasons: str) -> Decision:
    application = _under_assessment(application)
    _require_impartial(actor, application)
    decision = _decide(actor, application, DecisionKind.REJECTION, reasons)
    application.status = ApplicationStatus.REJECTED
    application.caseworker = application.caseworker or actor
    application.save()
    audit.record(actor, REJECTED, application)
    notify(
        _members(application.organisation),
        _("Your application is not granted"),
        _(
            "The application from {organisation} is not granted. The reasons are in the "
            "portal. You may appeal the decision until {deadline}."
        ),
        url=_application_url(application),
        organisation=application.organisation.name,
        deadline=_day(decision.appeal_deadline),
    )
    return decision


@transaction.atomic
def accept_award(actor, award) -> Award:
    award = (
        Award.objects.select_for_update()
        .select_related("application__organisation")
        .get(pk=award.pk)
    )
    _require_member(actor, award.application.organisation)
    if award.accepted_at:
        raise _state_error(_("The conditions are already accepted."))
    award.accepted_at = timezone.now()
    award.accepted_by = actor
    award.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(actor, ACCEPTED, award.application)
    notify(
        _caseworkers(award.application),
        _("Conditions accepted: {organisation}"),
        _("{person} has accepted the conditions of the award for {organisation}."),
        url=_award_url(award),
        person=actor.full_name,
        organisation=award.application.organisation.name,
        email=False,
    )
    return award


# --- appeals ---------------------------------------------------------------------------------


@transaction.atomic
def lodge_appeal(actor, decision, grounds: str) -> Appeal:
    decision = (
        Decision.objects.select_for_update()
        .select_related("application__organisation")
        .get(pk=decision.pk)
    )
    _require_member(actor, decision.application.organisation)
    if not decision.can_be_appealed():
        raise _state_error(
            _("The appeal deadline was %(date)s.") % {"date": format_day(decision.appeal_deadline)}
        )
    earlier = decision.appeals.first()
    if earlier is not None and earlier.status == AppealStatus.LODGED:
        raise _state_error(_("An appeal of this decision is already being handled."))
    if earlier is not None:
        raise _state_error(_("This decision has already been appealed and the appeal handled."))
    if not grounds.strip():
        raise ValidationError({"grounds": _("Say why you think the decision is wrong.")})
    appeal = Appeal(decision=decision, grounds=grounds, lodged_by=actor)
    appeal.full_clean()
    appeal.save()
    audit.record(actor, APPEALED, decision.application, decision.get_kind_display())
    notify(
        _caseworkers(decision.application),
        _("Appeal from {organisation}"),
        _("{organisation} has appealed the decision ({kind}). Handle the appeal in the portal."),
        url=_application_url(decision.application),
        organisation=decision.application.organisation.name,
        kind=lazy(decision.get_kind_display, str)(),
    )
    return appeal


@transaction.atomic
def handle_appeal(actor, appeal, *, status: str, outcome: str) -> Appeal:
    """Record the outcome of an appeal.

    When a rejection or a clawback is changed, the application goes back to assessment or
    the clawback is cancelled; the caseworker then decides anew.
    """
    appeal = (
        Appeal.objects.select_for_update()
        .select_related(
            "decision__application__round__scheme_year__scheme",
            "decision__application__organisation",
        )
        .get(pk=appeal.pk)
    )
    application = appeal.decision.application
    require_administers(actor, _scheme_of(application))
    _refuse_if_conflicted(actor, application)
    if appeal.status != AppealStatus.LODGED:
        raise _state_error(_("This appeal has already been handled."))
    if status not in (AppealStatus.UPHELD, AppealStatus.CHANGED):
        raise ValidationError({"status": _("Choose whether the decision stands or is changed.")})
    if not outcome.strip():
        raise ValidationError({"outcome": _("Write the outcome and its reasons.")})
    appeal.status = status
    appeal.outcome = outcome
    appeal.handled_by = actor
    appeal.handled_at = timezone.now()
    _clean_changed(appeal, outcome="outcome")
    appeal.save()
    if status == AppealStatus.CHANGED:
        _undo(appeal.decision)
    audit.record(actor, APPEAL_HANDLED, application, appeal.get_status_display())
    notify(
        _members(application.organisation),
        _("Your appeal is handled"),
        _("The appeal from {organisation} is handled: {status}.\n\n{outcome}"),
        url=_application_url(application),
        organisation=application.organisation.name,
        status=lazy(appeal.get_status_display, str)(),
        outcome=outcome,
    )
    return appeal


def _undo(decision):
    """What a changed decision means: a rejection or an unpaid award goes back to assessment
    for a new decision; a clawback is cancelled."""
    if decision.kind == DecisionKind.CLAWBACK:
        for clawback in Clawback.objects.filter(decision=decision):
            clawback.status = ClawbackStatus.CANCELLED
            clawback.save(update_fields=["status"])
        return
    if decision.kind == DecisionKind.AWARD:
        award = decision.award
        if award.disbursements.exists() or award.clawbacks.exists():
            raise _state_error(
                _(
                    "Money has been paid out on this award, so the portal cannot undo it. "
                    "Record the appeal as upheld and change the grant with a clawback or a "
                    "new decision."
                )
            )
        award.report.delete()
        award.delete()
    application = Application.objects.get(pk=decision.application_id)
    application.status = ApplicationStatus.SUBMITTED
    application.save(update_fields=["status", "updated_at"])


# --- the bank account for payouts ------------------------------------------------------------
#
# A classic fraud in grant schemes is to change where the money goes. So a new account waits
# until a caseworker (not the person who gave it) has confirmed it, every leader and the
# caseworkers who pay the organisation hear of each change, and the organisation's row is
# locked while an account is given or confirmed and while a payment reads it: a payment made
# at the same moment as a change goes before it (to the confirmed account) or is refused.


def _lock_organisation(organisation_id) -> Organisation:
    return Organisation.objects.select_for_update().get(pk=organisation_id)


def current_payout_account(organisation_id) -> PayoutAccount | None:
    return (
        PayoutAccount.objects.current()
        .filter(organisation_id=organisation_id)
        .select_related("entered_by", "confirmed_by")
        .first()
    )


def payout_account_problem(account) -> str:
    """Why nothing can be paid to ``account``, the organisation's current one ("" when
    payments may go to it)."""
    if account is None:
        return _(
            "The organisation has not given a bank account for payouts. A leader of the "
            "organisation gives it on the grants page; then a caseworker confirms it."
        )
    if not account.is_confirmed:
        return _(
            "The bank account for payouts (%(account)s) is new and waits for a caseworker to "
            "confirm it. Check it with the organisation and confirm it before you pay."
        ) % {"account": account.masked}
    return ""


def may_give_payout_account(user, organisation) -> bool:
    """Only the organisation's leaders give or change where its money goes."""
    return organisation.kind == OrganisationKind.PARTICIPANT and access_for(user).is_leader_of(
        organisation.pk
    )


def may_show_full_account_number(user, account) -> bool:
    """The organisation's leaders and the caseworkers who pay it see the whole number on a
    deliberate "show"; the organisation's other people see it masked."""
    organisation_id = account.organisation_id
    return access_for(user).is_leader_of(organisation_id) or _pays(user, organisation_id)


def _pays(user, organisation_id) -> bool:
    """The user is a caseworker whose body runs a scheme in which the organisation has an
    award (or an admin)."""
    access = access_for(user)
    if access.is_admin:
        return True
    return (
        bool(access.administering_ids)
        and Organisation.objects.filter(paid_by_q(access, "pk"), pk=organisation_id).exists()
    )


def _leaders(organisation):
    return get_user_model().objects.filter(
        memberships__organisation=organisation,
        memberships__role=MemberRole.LEADER,
        is_active=True,
    )


def _paying_bodies(organisation) -> dict:
    """{administering body id: the latest award its schemes made the organisation}."""
    awards = (
        Award.objects.filter(application__organisation=organisation)
        .select_related("application__round__scheme_year__scheme")
        .order_by("decision__decided_at", "pk")
    )
    return {_scheme_of(award.application).administrator_id: award for award in awards}


@transaction.atomic
def give_payout_account(actor, organisation, number: str, *, form_token=None) -> PayoutAccount:
    """A leader gives the organisation's bank account for payouts, or a new one. The account
    before is kept, marked replaced; nothing is paid to the new one until a caseworker has
    confirmed it. Every leader and the caseworkers who pay the organisation are told."""
    organisation = _lock_organisation(organisation.pk)
    require(may_give_payout_account(actor, organisation))
    spend_form_token(actor, form_token)
    try:
        number = clean_account_number(number)
    except ValidationError as error:
        raise ValidationError({"number": error}) from None
    current = current_payout_account(organisation.pk)
    if current is not None and current.number == number:
        raise ValidationError(
            {"number": _("This is already the organisation's account for payouts.")}
        )
    now = timezone.now()
    if current is not None:
        current.superseded_at = now
        current.save(update_fields=["superseded_at"])
    account = PayoutAccount(
        organisation=organisation, number=number, entered_by=actor, entered_at=now
    )
    account.full_clean()
    account.save()
    audit.record(actor, ACCOUNT_GIVEN, organisation, account.masked)
    _tell_of_new_account(actor, organisation, account)
    return account


def _tell_of_new_account(actor, organisation, account):
    params = {
        "organisation": organisation.name,
        "person": actor.full_name,
        "account": account.masked,
    }
    notify(
        _leaders(organisation),
        _("New bank account for payouts to {organisation}"),
        _(
            "{person} has given {account} as the bank account that grants to {organisation} "
            "are paid to. Nothing is paid to it until a caseworker has confirmed it.\n\n"
            "If you do not know of this change, tell the caseworker at once."
        ),
        url=reverse("grants:payout_account", args=[organisation.pk]),
        **params,
    )
    caseworkers = get_user_model().objects.filter(is_active=True)
    for body_id, award in _paying_bodies(organisation).items():
        notify(
            caseworkers.filter(memberships__organisation_id=body_id),
            _("Confirm the new bank account of {organisation}"),
            _(
                "{person} has given {account} as the bank account for payouts to "
                "{organisation}. Payments wait until a caseworker has confirmed it: check the "
                "number with the organisation, for example by phoning a leader you know, "
                "before you confirm it."
            ),
            url=_award_url(award),
            **params,
        )


def confirmation_problem(user, account) -> str:
    """Why ``user`` cannot confirm ``account`` now ("" when they can, given that they pay the
    organisation)."""
    if not account.is_current:
        return _(
            "The organisation has given another account since. Check and confirm that one instead."
        )
    if account.is_confirmed:
        return _("This account is already confirmed.")
    if account.entered_by_id == user.pk:
        return _("You gave this account yourself, so another person must confirm it.")
    return ""


@transaction.atomic
def confirm_payout_account(actor, account) -> PayoutAccount:
    """A caseworker who pays the organisation confirms the account they have checked; from
    then on payments go to it. The person who gave the account cannot confirm it, and an
    account that has been replaced meanwhile is not confirmed (the new one is)."""
    organisation = _lock_organisation(account.organisation_id)
    require(_pays(actor, organisation.pk))
    account = PayoutAccount.objects.get(pk=account.pk)  # as it is now, under the lock
    problem = confirmation_problem(actor, account)
    if problem:
        raise _state_error(problem)
    account.confirmed_by = actor
    account.confirmed_at = timezone.now()
    account.save(update_fields=["confirmed_by", "confirmed_at"])
    audit.record(actor, ACCOUNT_CONFIRMED, organisation, account.masked)
    notify(
        _leaders(organisation),
        _("Bank account confirmed for {organisation}"),
        _("The caseworker has confirmed {account}; grants to {organisation} are paid to it."),
        url=reverse("grants:payout_account", args=[organisation.pk]),
        email=False,
        organisation=organisation.name,
        account=account.masked,
    )
    return account


def _account_to_pay(organisation_id) -> PayoutAccount:
    """The organisation's current, confirmed account, read under the organisation's lock so
    that no change can slip in before the payment is saved."""
    _lock_organisation(organisation_id)
    account = current_payout_account(organisation_id)
    problem = payout_account_problem(account)
    if problem:
        raise _state_error(problem)
    return account


# --- money out --------------------------------------------------------------------------------


@transaction.atomic
def record_disbursement(
    actor, award, *, amount: Decimal, paid_on, instalment=None, form_token=None
):
    """Record money paid out on the award, to the organisation's current, confirmed account
    (the payment keeps which one)."""
    award = (
        Award.objects.select_for_update(of=("self",))  # the report is the outer join's side
        .select_related(
            "application__round__scheme_year__scheme", "application__organisation", "report"
        )
        .get(pk=award.pk)
    )
    require_administers(actor, _scheme_of(award.application))
    spend_form_token(actor, form_token)
    if not award.accepted_at:
        raise _state_error(
            _("Money is paid out after the organisation has accepted the conditions.")
        )
    account = _account_to_pay(award.application.organisation_id)
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be more than 0.")})
    if award.disbursed() + amount > award.amount:
        raise ValidationError(
            {
                "amount": _("Only %(left)s of the award is left to pay out.")
                % {"left": format_nok(award.amount - award.disbursed())}
            }
        )
    if instalment is not None:
        instalment = Instalment.objects.select_for_update().filter(pk=instalment.pk, award=award)
        instalment = instalment.first()
        if instalment is None:
            raise ValidationError({"instalment": _("Choose an instalment of this award.")})
        if hasattr(instalment, "disbursement"):
            raise _state_error(_("This instalment has already been paid."))
        if amount != instalment.amount:
            raise ValidationError(
                {
                    "amount": _("Instalment %(n)d is %(amount)s; pay it in full.")
                    % {"n": instalment.number, "amount": format_nok(instalment.amount)}
                }
            )
        if instalment.after_report_approved and award.report.status != ReportStatus.APPROVED:
            raise _state_error(_("This instalment is held until the grant report is approved."))
    if award.report.status != ReportStatus.APPROVED:
        # Money held for the report cannot leave by another instalment or a free payment.
        held = (
            award.instalments.filter(
                after_report_approved=True, disbursement__isnull=True
            ).aggregate(total=Sum("amount"))["total"]
            or ZERO
        )
        if award.disbursed() + amount > award.amount - held:
            raise ValidationError(
                {
                    "amount": _(
                        "%(held)s of the award is held until the grant report is approved; "
                        "only %(left)s can be paid out now."
                    )
                    % {
                        "held": format_nok(held),
                        "left": format_nok(max(award.amount - held - award.disbursed(), ZERO)),
                    }
                }
            )
    disbursement = Disbursement(
        award=award,
        instalment=instalment,
        amount=amount,
        paid_on=paid_on,
        account=account,
        recorded_by=actor,
    )
    disbursement.full_clean()
    disbursement.save()
    audit.record(actor, DISBURSED, award.application, f"{format_nok(amount)}, {account.masked}")
    notify(
        _members(award.application.organisation),
        _("Payment of {amount}"),
        _(
            "{administrator} has paid {amount} of the grant to {organisation} on {date}, to "
            "the account {account}."
        ),
        url=_award_url(award),
        amount=_nok(amount),
        organisation=award.application.organisation.name,
        date=_day(paid_on),
        account=account.masked,
        administrator=_scheme_of(award.application).administrator.name,
    )
    return disbursement


# --- the grant report and accounts ----------------------------------------------------------------


REPORT_FIELDS = {
    "activities_held",
    "people_reached",
    "collaborations_started",
    "money_used_for",
    "auditor_name",
    "auditor_number",
}


def _editable_report(actor, report) -> GrantReport:
    report = (
        GrantReport.objects.select_for_update()
        .select_related(
            "award__application__organisation", "award__application__round__scheme_year__scheme"
        )
        .get(pk=report.pk)
    )
    _require_member(actor, report.award.application.organisation)
    if not report.is_editable:
        raise _state_error(_("The report has been sent and can no longer be changed."))
    return report


@transaction.atomic
def save_report(actor, report, *, goal_results=None, auditor_statement=None, **fields):
    """Save any part of the report; ``goal_results`` maps goal ids to the organisation's text."""
    report = _editable_report(actor, report)
    unknown = set(fields) - REPORT_FIELDS
    if unknown:
        raise ValueError(f"Not report fields: {unknown}")
    for name, value in fields.items():
        setattr(report, name, value)
    goals = {goal.pk: goal for goal in report.award.scheme_year.scheme.goals.all()}
    if any(goal_id not in goals for goal_id in goal_results or {}):
        raise ValidationError(_("That goal does not belong to this scheme."))
    for goal_id, text in (goal_results or {}).items():
        _clean_changed(GoalResult(text=text), text=f"goal_{goal_id}")
    report.full_clean()
    if auditor_statement is not None:  # stored only once everything else is valid
        validate_upload(auditor_statement)
        report.auditor_statement.save(auditor_statement.name, auditor_statement, save=False)
    report.save()
    for goal_id, text in (goal_results or {}).items():
        GoalResult.objects.update_or_create(
            report=report, goal=goals[goal_id], defaults={"text": text}
        )
    audit.record(actor, REPORT_SAVED, report.award.application)
    return report


@transaction.atomic
def save_accounts(actor, report, lines) -> GrantReport:
    """Replace the accounts with ``lines``: (income or expense, category, description, amount)."""
    report = _editable_report(actor, report)
    new_lines = [
        AccountLine(report=report, kind=k, category=c, description=d, amount=a)
        for k, c, d, a in lines
    ]
    _clean_lines(new_lines, exclude=["report"])
    report.account_lines.all().delete()
    for line in new_lines:  # one by one, so the audit log records each
        line.save()
    audit.record(actor, REPORT_SAVED, report.award.application, _("accounts"))
    return report


def missing_from_report(report) -> list[str]:
    """What still stops the report from being sent, in words for the organisation."""
    problems = []
    if not any(result.text.strip() for result in report.goal_results.all()):
        problems.append(_("Tell us what you achieved toward at least one of the goals."))
    if not report.activities_held.strip():
        problems.append(_("Describe the activities you held."))
    if report.people_reached is None:
        problems.append(_("Say how many people you reached."))
    if not report.money_used_for.strip():
        problems.append(_("Say what the money went to."))
    if not report.account_lines.filter(kind="expense").exists():
        problems.append(_("Fill in the accounts: at least the expenses."))
    if report.award.needs_audit and not (
        report.auditor_name.strip() and report.auditor_number.strip() and report.auditor_statement
    ):
        problems.append(
            _(
                "The grant is above %(threshold)s, so the accounts need an auditor's "
                "certification: upload it and give the auditor's name and registration number."
            )
            % {"threshold": format_nok(report.award.scheme_year.audit_threshold)}
        )
    return problems


@transaction.atomic
def submit_report(actor, report) -> GrantReport:
    report = _editable_report(actor, report)
    problems = missing_from_report(report)
    if problems:
        raise ValidationError(problems)
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = timezone.now()
    report.save(update_fields=["status", "submitted_at"])
    application = report.award.application
    audit.record(actor, REPORT_SUBMITTED, application)
    notify(
        _caseworkers(application),
        _("Grant report from {organisation}"),
        _("{organisation} has sent its grant report and accounts."),
        url=reverse("grants:report", args=[report.pk]),
        organisation=application.organisation.name,
    )
    return report


def _report_under_review(actor, report) -> GrantReport:
    report = (
        GrantReport.objects.select_for_update()
        .select_related(
            "award__application__organisation", "award__application__round__scheme_year__scheme"
        )
        .get(pk=report.pk)
    )
    require_administers(actor, _scheme_of(report.award.application))
    if report.status != ReportStatus.SUBMITTED:
        raise _state_error(_("Only a report that has been sent can be approved or returned."))
    return report


@transaction.atomic
def approve_report(actor, report) -> GrantReport:
    report = _report_under_review(actor, report)
    report.status = ReportStatus.APPROVED
    report.approved_at = timezone.now()
    report.save(update_fields=["status", "approved_at"])
    application = report.award.application
    audit.record(actor, REPORT_APPROVED, application)
    notify(
        _members(application.organisation),
        _("Your grant report is approved"),
        _("The grant report from {organisation} is approved. Thank you!"),
        url=reverse("grants:report", args=[report.pk]),
        organisation=application.organisation.name,
    )
    return report


@transaction.atomic
def return_report(actor, report, comment: str) -> GrantReport:
    report = _report_under_review(actor, report)
    if not comment.strip():
        raise ValidationError({"comment": _("Say what the organisation must change.")})
    report.status = ReportStatus.RETURNED
    report.caseworker_comment = comment
    _clean_changed(report, caseworker_comment="comment")
    report.save(update_fields=["status", "caseworker_comment"])
    application = report.award.application
    audit.record(actor, REPORT_RETURNED, application)
    notify(
        _members(application.organisation),
        _("Your grant report needs changes"),
        _("The caseworker has returned the grant report from {organisation}:\n\n{comment}"),
        url=reverse("grants:report", args=[report.pk]),
        organisation=application.organisation.name,
        comment=comment,
    )
    return report


# --- clawback --------------------------------------------------------------------------------


@transaction.atomic
def open_clawback(
    actor, award, *, amount: Decimal, reasons: str, due_on, form_token=None
) -> Clawback:
    award = (
        Award.objects.select_for_update()
        .select_related("application__round__scheme_year__scheme", "application__organisation")
        .get(pk=award.pk)
    )
    application = award.application
    require_administers(actor, _scheme_of(application))
    _refuse_if_conflicted(actor, application)
    spend_form_token(actor, form_token)
    reclaimable = award.disbursed() - sum(
        (c.amount for c in award.clawbacks.exclude(status=ClawbackStatus.CANCELLED)), ZERO
    )
    if amount <= 0 or amount > reclaimable:
        raise ValidationError(
            {
                "amount": _("You can claim back at most %(max)s (what has been paid out).")
                % {"max": format_nok(reclaimable)}
            }
        )
    if due_on <= timezone.localdate():
        raise ValidationError({"due_on": _("Give the organisation a repayment date ahead.")})
    decision = _decide(actor, application, DecisionKind.CLAWBACK, reasons)
    clawback = Clawback(award=award, decision=decision, amount=amount, due_on=due_on)
    clawback.full_clean()
    clawback.save()
    audit.record(actor, CLAWBACK_OPENED, application, format_nok(amount))
    notify(
        _members(application.organisation),
        _("Decision to claim back {amount}"),
        _(
            "{administrator} claims back {amount} of the grant to {organisation}, to be repaid by "
            "{due}. The reasons are in the portal. You may appeal the decision until "
            "{deadline}."
        ),
        url=_award_url(award),
        amount=_nok(amount),
        organisation=application.organisation.name,
        due=_day(due_on),
        deadline=_day(decision.appeal_deadline),
        administrator=_scheme_of(application).administrator.name,
    )
    return clawback


@transaction.atomic
def record_repayment(actor, clawback, *, amount: Decimal, paid_on, form_token=None) -> Repayment:
    clawback = (
        Clawback.objects.select_for_update()
        .select_related("award__application__round__scheme_year__scheme")
        .get(pk=clawback.pk)
    )
    application = clawback.award.application
    require_administers(actor, _scheme_of(application))
    spend_form_token(actor, form_token)
    if clawback.status != ClawbackStatus.OPEN:
        raise _state_error(_("This clawback is closed."))
    left = clawback.amount - clawback.repaid()
    if amount <= 0 or amount > left:
        raise ValidationError(
            {"amount": _("%(left)s is left to repay.") % {"left": format_nok(left)}}
        )
    repayment = Repayment(clawback=clawback, amount=amount, paid_on=paid_on, recorded_by=actor)
    repayment.full_clean()
    repayment.save()
    if amount == left:
        clawback.status = ClawbackStatus.SETTLED
        clawback.save(update_fields=["status"])
    audit.record(actor, REPAID, application, format_nok(amount))
    return repayment


# --- change notices --------------------------------------------------------------------------


@transaction.atomic
def send_change_notice(actor, award, description: str, *, form_token=None) -> ChangeNotice:
    application = award.application
    _require_member(actor, application.organisation)
    spend_form_token(actor, form_token)
    if not description.strip():
        raise ValidationError({"description": _("Describe what has changed.")})
    notice = ChangeNotice(award=award, description=description, sent_by=actor)
    notice.full_clean()
    notice.save()
    audit.record(actor, CHANGE_NOTICE_SENT, application)
    notify(
        _caseworkers(application),
        _("Change notice from {organisation}"),
        _("{organisation} says the basis for the grant has changed:\n\n{description}"),
        url=_award_url(award),
        organisation=application.organisation.name,
        description=description,
    )
    return notice


@transaction.atomic
def handle_change_notice(actor, notice, outcome: str) -> ChangeNotice:
    notice = (
        ChangeNotice.objects.select_for_update()
        .select_related(
            "award__application__round__scheme_year__scheme", "award__application__organisation"
        )
        .get(pk=notice.pk)
    )
    application = notice.award.application
    require_administers(actor, _scheme_of(application))
    if notice.status != ChangeNoticeStatus.OPEN:
        raise _state_error(_("This change notice has already been handled."))
    if not outcome.strip():
        raise ValidationError({"outcome": _("Write what the change means for the grant.")})
    notice.status = ChangeNoticeStatus.HANDLED
    notice.outcome = outcome
    notice.handled_by = actor
    notice.handled_at = timezone.now()
    _clean_changed(notice, outcome="outcome")
    notice.save()
    audit.record(actor, CHANGE_NOTICE_HANDLED, application)
    notify(
        _members(application.organisation),
        _("Your change notice is handled"),
        _("The caseworker has handled the change notice from {organisation}:\n\n{outcome}"),
        url=_award_url(notice.award),
        organisation=application.organisation.name,
        outcome=outcome,
    )
    return notice


# --- reminders ---------------------------------------------------------------------------------


def _remind_once(report, kind) -> bool:
    """Record a reminder; False when it has been sent before (the unique key decides)."""
    try:
        with transaction.atomic():
            ReportReminder.objects.create(report=report, kind=kind)
    except IntegrityError:
        return False
    return True


def _reminders_due(report, today) -> list[str]:
    """The reminders a report should have had by ``today``; a missed run catches up with
    the latest one only (no "14 days left" two days before the deadline)."""
    days_left = (report.due_on - today).days
    if days_left < 0:
        return [ReminderKind.OVERDUE, ReminderKind.OVERDUE_CASEWORKER]
    if days_left <= 3:
        return [ReminderKind.DAYS_3]
    if days_left <= 14:
        return [ReminderKind.DAYS_14]
    return []


def send_report_reminders(today: datetime.date | None = None) -> int:
    """Remind organisations 14 and 3 days before a report is due and when it is overdue, and
    the caseworker when it is overdue. Each reminder goes out once, however often this runs."""
    today = today or timezone.localdate()
    sent = 0
    reports = (
        GrantReport.objects.outstanding()
        .filter(due_on__lte=today + datetime.timedelta(days=14))
        .select_related(
            "award__application__organisation",
            "award__application__caseworker",
            "award__application__round__scheme_year__scheme__administrator",
        )
        .prefetch_related("reminders")
    )
    for report in reports:
        sent_before = {reminder.kind for reminder in report.reminders.all()}
        for kind in _reminders_due(report, today):
            if kind in sent_before:
                continue
            with transaction.atomic():
                if _remind_once(report, kind):
                    _send_reminder(report, kind)
                    sent += 1
    return sent


def _send_reminder(report, kind):
    application = report.award.application
    params = {"organisation": application.organisation.name, "due": _day(report.due_on)}
    url = reverse("grants:report", args=[report.pk])
    if kind == ReminderKind.OVERDUE_CASEWORKER:
        notify(
            _caseworkers(application),
            _("Grant report overdue: {organisation}"),
            _("The grant report from {organisation} was due {due} and has not been sent."),
            url=url,
            **params,
        )
    elif kind == ReminderKind.OVERDUE:
        notify(
            _members(application.organisation),
            _("Your grant report is overdue"),
            _(
                "The grant report from {organisation} was due {due}. Send it as soon as you "
                "can, or tell the caseworker if you need more time."
            ),
            url=url,
            **params,
        )
    elif kind == ReminderKind.DAYS_3:
        notify(
            _members(application.organisation),
            _("Grant report due {due}: three days left"),
            _(
                "The grant report and accounts from {organisation} are due {due}, in three "
                "days. If you cannot make it, tell the caseworker now."
            ),
            url=url,
            **params,
        )
    else:
        notify(
            _members(application.organisation),
            _("Grant report due {due}: two weeks left"),
            _(
                "Remember the grant report and accounts from {organisation}: they are due {due}. "
                "You can fill them in bit by bit and send when ready."
            ),
            url=url,
            **params,
        )
