"""A grant application's case file (``scheme.records``): opened when the application is
sent, with every document of the case registered in it by the service that makes or
receives the document, and closed as an explicit step once nothing is left to do."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grants.models import Application
from grants.workflows import ApplicationStatus, ClawbackStatus, ReportStatus
from scheme import registry
from scheme.formatting import format_day
from scheme.records import services as records
from scheme.records.models import Direction, DocumentType

CASE_KIND = "grants.application"
# The archive code for grant cases in the body's classification scheme (Noark 5 *ordningsverdi*).
CLASSIFICATION = "223"

__all__ = ["Direction", "DocumentType", "case_file_of", "open_case", "record", "refuse_if_closed"]


def open_case(application, actor):
    """The application's case file, opened when it is first sent."""
    return records.open_case(
        application,
        body=application.round.scheme_year.scheme.administrator,
        title=_case_title(application),
        party=application.organisation,
        caseworker=application.caseworker,
        classification=CLASSIFICATION,
    )


def _case_title(application) -> str:
    return f"{application.round.title} – {application.organisation.name}"


def case_file_of(application):
    return records.case_of(application)


def refuse_if_closed(application) -> None:
    """Services that change anything in an application's case call this first."""
    records.refuse_if_closed(case_file_of(application))


def record(
    application,
    source,
    *,
    document_type,
    direction,
    title,
    actor,
    approver=None,
    content=None,
    file_name="",
):
    """Register a document of ``application``'s case: incoming from the organisation, or
    outgoing to it (its reference, ``their_reference``, quoted on our letters)."""
    case_file = case_file_of(application) or open_case(application, actor)
    return records.register_document(
        case_file,
        source,
        document_type=document_type,
        direction=direction,
        title=title,
        party_name=application.organisation.name,
        their_reference=application.their_reference,
        caseworker=application.caseworker or (actor if direction != Direction.INCOMING else None),
        approver=approver,
        content=content,
        file_name=file_name,
    )


def closing_problem(application) -> str:
    """Why the case cannot be closed yet ("" when it can): an award's reports must be approved
    and its money paid out (or claimed back and repaid); a rejection's appeal time must have
    passed with no appeal pending; a withdrawn application can always be closed."""
    if application.status == ApplicationStatus.WITHDRAWN:
        return ""
    if application.status == ApplicationStatus.REJECTED:
        decision = application.decisions.order_by("-decided_at").first()  # a rejection has one
        if decision.can_be_appealed(timezone.localdate()):
            return _("The appeal time runs until %(date)s.") % {
                "date": format_day(decision.appeal_deadline)
            }
        if any(appeal.is_pending for appeal in decision.appeals.all()):
            return _("An appeal is being handled.")
        return ""
    if application.status != ApplicationStatus.AWARDED:
        return _("The application has not been decided yet.")
    award = application.award
    if award.report.status != ReportStatus.APPROVED:
        return _("The grant report is not approved yet.")
    if award.left_to_pay() > 0 and not award.clawbacks.exists():
        return _("Not all of the award has been paid out.")
    if award.clawbacks.filter(status=ClawbackStatus.OPEN).exists():
        return _("A clawback has not been repaid yet.")
    return ""


def register():
    registry.register_case_kind(
        registry.CaseKind(
            code=CASE_KIND,
            model="grants.application",
            label=_("grant application"),
            readable=Application.objects.visible_to,
            closing_problem=closing_problem,
            url=lambda application: reverse("grants:review_application", args=[application.pk]),
        )
    )
