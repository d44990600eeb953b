"""The application: started, saved, documents, checked and sent, withdrawn."""

from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from grants import records
from grants.models import (
    MAX_ATTACHMENTS,
    Application,
    ApplicationStatus,
    Attachment,
    AttachmentKind,
    BudgetLine,
)
from grants.services import texts
from grants.services._common import (
    Missing,
    _application_url,
    _caseworkers,
    _day,
    _members,
    _require_member,
)
from grants.services.calls import _refuse_unless_admitted
from grants.services.money import room_message, yearly_room
from grants.services.verbs import (
    ATTACHMENT_ADDED,
    ATTACHMENT_REMOVED,
    SAVED,
    STARTED,
    SUBMITTED,
    WITHDRAWN,
)
from grants.workflows import APPLICATION_FLOW
from organisations import eligibility as admission
from scheme import audit
from scheme.compiled import first_row, kept
from scheme.formatting import format_day, format_nok
from scheme.notifications import notify
from scheme.once import spend_form_token
from scheme.records.models import RegistryEntry
from scheme.storage import validate_upload

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


def _locked(application) -> Application:
    """The application, locked; refused when its case is closed (a closed case is
    read-only)."""
    application = (
        Application.objects.select_for_update()
        .select_related("round__scheme_year__scheme__administrator", "organisation")
        .get(pk=application.pk)
    )
    records.refuse_if_closed(application)
    return application


def _editable(actor, application) -> Application:
    """The application, locked, when the actor may change it now."""
    application = _locked(application)
    APPLICATION_FLOW.require(actor, application, "edit")
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
    "their_reference",
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


# An application is complete with these documents (the call asks for statutes and the last
# annual report or accounts): one of each group's kinds.
class RequiredDocument(NamedTuple):
    kinds: frozenset  # any one of these will do
    name: str
    missing: str  # what the applicant is told while it is missing


REQUIRED_DOCUMENTS = [
    RequiredDocument(
        frozenset({AttachmentKind.STATUTES}), _("Statutes"), _("Attach your statutes.")
    ),
    RequiredDocument(
        frozenset({AttachmentKind.ANNUAL_REPORT, AttachmentKind.ACCOUNTS}),
        _("Annual report or accounts"),
        _("Attach your last annual report or accounts."),
    ),
]


def required_documents(application) -> list[tuple[RequiredDocument, bool]]:
    """Each document the application needs, and whether it has one (attachments prefetched)."""
    kinds = {attachment.kind for attachment in application.attachments.all()}
    return [(document, bool(kinds & document.kinds)) for document in REQUIRED_DOCUMENTS]


def missing_for_submission(application) -> list[Missing]:
    """What still stops the application from being sent, in words for the applicant, each with
    its step ("amount", "activities" or "documents")."""
    problems = []
    room = yearly_room(application.organisation_id, application.round.scheme_year)
    if not application.amount:
        problems.append(Missing("amount", _("Say how much you apply for.")))
    elif application.amount > room.left:
        problems.append(Missing("amount", room_message(room)))
    total = application.budget_total
    if not application.budget_lines.all():
        problems.append(Missing("amount", _("Fill in the budget.")))
    elif application.amount and total != application.amount:
        message = _("The budget adds up to %(total)s, but you apply for %(amount)s.") % {
            "total": format_nok(total),
            "amount": format_nok(application.amount),
        }
        problems.append(Missing("amount", message))
    if not application.planned_activities.strip():
        problems.append(Missing("activities", _("Describe the activities you plan.")))
    if not application.reach.strip():
        problems.append(Missing("activities", _("Say who the activities reach.")))
    if not application.target_groups.exists():
        problems.append(Missing("activities", _("Choose at least one target group.")))
    problems.extend(
        Missing("documents", document.missing)
        for document, present in required_documents(application)
        if not present
    )
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
    """Send a draft while the call is open, or an answer to the caseworker's question."""
    application = _locked(application)
    APPLICATION_FLOW.require(actor, application, "submit")
    problems = missing_for_submission(application)
    if problems:
        raise ValidationError([problem.message for problem in problems])
    resubmission = application.status == ApplicationStatus.INFO_REQUESTED
    application.eligibility = eligibility_of(application).outcome
    APPLICATION_FLOW.move(application, "submit")
    application.submitted_at = application.submitted_at or timezone.now()
    application.save()
    _register_sent(actor, application, resubmission)
    audit.record(actor, SUBMITTED, application)
    if resubmission:
        notify(
            _caseworkers(application),
            *texts.ANSWER_RECEIVED,
            url=_application_url(application),
            organisation=application.organisation.name,
        )
    else:
        notify(
            _members(application.organisation),
            *texts.APPLICATION_RECEIVED,
            url=_application_url(application),
            organisation=application.organisation.name,
            closes=_day(application.round.closes_on),
        )
    return application


def _register_sent(actor, application, resubmission) -> None:
    """Open the case (its number: the first sending) and register the application as sent
    (its receipt is drawn up from it) and each attachment not registered before, with the
    file as received. Titles are in the portal's language: they go in the journal."""
    records.open_case(application, actor)
    registered = set(
        RegistryEntry.objects.filter(
            case_file=records.case_file_of(application),
            source_kind=Attachment._meta.label_lower,
        ).values_list("source_id", flat=True)
    )
    with translation.override(settings.LANGUAGE_CODE):
        if resubmission:
            title = _("Application, sent again with the answer to the caseworker's question")
        else:
            title = _("Application")
        records.record(
            application,
            application,
            document_type=records.DocumentType.APPLICATION,
            direction=records.Direction.INCOMING,
            title=f"{title}: {application.round.title}",
            actor=actor,
        )
        for attachment in application.attachments.order_by("kind", "id"):
            if attachment.pk in registered:
                continue
            with attachment.file.open("rb") as stored:
                content = stored.read()
            records.record(
                application,
                attachment,
                document_type=records.DocumentType.ATTACHMENT,
                direction=records.Direction.INCOMING,
                title=_("Attachment (%(kind)s): %(name)s")
                % {"kind": attachment.get_kind_display(), "name": attachment.original_name},
                actor=actor,
                content=content,
                file_name=attachment.original_name,
            )


def receipt_of(source):
    """The newest registered document of the application or report ``source`` as sent (its
    receipt), with its case file, or None before it is sent."""
    document_type = (
        records.DocumentType.APPLICATION
        if isinstance(source, Application)
        else records.DocumentType.REPORT
    )
    return first_row(_newest_entry(source._meta.label_lower, document_type, source_id=source.pk))


@kept(params=["source_id"])
def _newest_entry(source_kind, document_type, source_id):
    entries = RegistryEntry.objects.filter(
        source_kind=source_kind, source_id=source_id, document_type=document_type
    )
    return entries.select_related("case_file").order_by("-number")[:1]


@transaction.atomic
def withdraw_application(actor, application) -> Application:
    application = _locked(application)
    APPLICATION_FLOW.require(actor, application, "withdraw")
    was_sent = application.status != ApplicationStatus.DRAFT
    APPLICATION_FLOW.move(application, "withdraw")
    application.save(update_fields=["status", "updated_at"])
    audit.record(actor, WITHDRAWN, application)
    if was_sent:
        notify(
            _caseworkers(application),
            *texts.APPLICATION_WITHDRAWN,
            url=_application_url(application),
            organisation=application.organisation.name,
            round=application.round.title,
            email=False,
        )
    return application
