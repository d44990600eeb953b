"""What the grants app puts on the dashboard: for an organisation its calls, applications and
what is due from it; for a caseworker the cases waiting for them."""

import datetime
import functools
from decimal import Decimal

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from grants import services
from grants.filters import account_waiting
from grants.models import (
    AppealStatus,
    Application,
    ApplicationStatus,
    AttestationStatus,
    ChangeNoticeStatus,
    Clawback,
    ClawbackStatus,
    DecisionProposal,
    Invitation,
    PaymentAttestation,
    ProposalStatus,
    Repayment,
    ReportStatus,
    Round,
)
from organisations.dashboard import own_organisations
from scheme.compiled import first_row, kept_per_access
from scheme.formatting import format_nok
from scheme.queries import JSONRows
from scheme.registry import DueItem, Panel, register_due_items, register_panel
from scheme.roles import MemberRole, OrganisationKind, access_for


def _participant_ids(user):
    return access_for(user).organisation_ids(OrganisationKind.PARTICIPANT)


def _participants(user) -> list:
    """The user's participant organisations (organisations.dashboard loads them once)."""
    return [o for o in own_organisations(user) if o.kind == OrganisationKind.PARTICIPANT]


@kept_per_access
def _open_calls_for(user, ids, today):
    """The calls open ``today`` that the user sees, with the facts of ``open_calls`` about the
    organisations ``ids`` (of all of them at once where a list of ids will do)."""
    in_call = {"round": OuterRef("pk"), "organisation_id__in": ids}
    facts = {
        "invited_json": JSONRows(Invitation.objects.filter(**in_call), id="organisation_id"),
        "applied_json": JSONRows(
            Application.objects.filter(**in_call).order_by(), id="organisation_id"
        ),
        **{f"awarded_{pk}": services.awarded_in_year(pk, OuterRef("scheme_year_id")) for pk in ids},
    }
    return (
        Round.objects.visible_to(user)
        .filter(opens_on__lte=today, closes_on__gte=today)
        .select_related("scheme_year__scheme")
        .annotate(**facts)
        .order_by("closes_on", "id")
    )


def open_calls(user, organisations) -> list:
    """The open calls each of ``organisations`` (the user's) may still apply to, grouped by
    call: (call, [(organisation, its room in the call's year, the call's eligibility rules
    for it (services.admission_check))]); the call's ``most`` is the largest room among them
    and ``startable`` those that may start an application.

    One query for the calls, which carry the organisations invited and those that have applied
    (a withdrawn application still uses its one place) and per organisation what it has been
    awarded in the call's year; one more for the previous applications the rules read, unless
    the organisations come with them.
    """
    if not organisations:
        return []
    calls = list(_open_calls_for(user, tuple(o.pk for o in organisations), timezone.localdate()))
    if not calls:
        return []
    # admission_check reads the previous applications; none is read again for organisations
    # that come with them (organisations.dashboard.own_organisations).
    prefetch_related_objects(organisations, "previous_applications")
    result = []
    for call in calls:
        invited = {row["id"] for row in call.invited_json}
        applied = {row["id"] for row in call.applied_json}
        may_apply = [
            (
                organisation,
                services.YearlyRoom(
                    call.scheme_year.max_grant, getattr(call, f"awarded_{organisation.pk}")
                ),
                services.admission_check(call, organisation),
            )
            for organisation in organisations
            if organisation.pk not in applied and call.accepts(organisation, invited)
        ]
        if may_apply:
            call.most = max(room.left for _organisation, room, _admission in may_apply)
            call.startable = [
                organisation
                for organisation, room, check in may_apply
                if not room.exhausted and check.allowed
            ]
            result.append((call, may_apply))
    return result


def organisation_overview(user) -> dict:
    """The user's organisations' applications and the calls they can still apply to (not
    those of a year whose maximum the organisation has been awarded already, nor those whose
    rules it fails): a few queries, kept on the user object for the rest of the request."""
    cached = getattr(user, "_grants_overview", None)
    if cached is not None:
        return cached
    ids = _participant_ids(user)
    overview = {"applications": [], "open_calls": []}
    if ids:
        overview["applications"] = list(_own_applications(user))
        overview["open_calls"] = [
            (call, organisation.pk)
            for call, _may_apply in open_calls(user, _participants(user))
            for organisation in call.startable
        ]
    user._grants_overview = overview
    return overview


@functools.cache
def _applications():
    """The applications of ``organisation_overview`` (not withdrawn, newest call first) with
    what their rows read, before narrowing them to the user's organisations: built once, as
    building it cost as much as running it (a filter makes a new queryset; this one is never
    run itself)."""
    return (
        Application.objects.exclude(status=ApplicationStatus.WITHDRAWN)
        .select_related("round__scheme_year", "organisation", "award__report")
        .annotate(open_clawbacks=_open_clawbacks())
        .order_by("-round__opens_on", "organisation__name")
    )


@kept_per_access
def _own_applications(user):
    return _applications().filter(organisation_id__in=_participant_ids(user))


def organisation_panel(request):
    overview = organisation_overview(request.user)
    if not (overview["applications"] or overview["open_calls"]):
        return None
    return Panel("grants/panels/organisation.html", overview, order=15)


def organisation_due_items(user):
    overview = organisation_overview(user)
    several = len({a.organisation_id for a in overview["applications"]}) > 1
    for call in dict.fromkeys(call for call, _organisation in overview["open_calls"]):
        yield DueItem(
            _("Apply to %(call)s") % {"call": call.title}, reverse("grants:home"), call.closes_on
        )
    for application in overview["applications"]:
        url = reverse("grants:application", args=[application.pk])
        if application.status == ApplicationStatus.DRAFT:
            yield DueItem(
                _("Finish and send the application to %(call)s") % {"call": application.round},
                url,
                application.round.closes_on,
            )
        elif application.status == ApplicationStatus.INFO_REQUESTED:
            yield DueItem(_("Answer the caseworker's question about your application"), url)
        award = getattr(application, "award", None)
        if award is None:
            continue
        year = application.round.scheme_year.year
        whose = f"{application.organisation.name}: " if several else ""
        if not award.accepted_at:
            yield DueItem(
                whose
                + _("Read the award letter for %(year)s and accept the conditions")
                % {"year": year},
                reverse("grants:award", args=[award.pk]),
            )
        report = getattr(award, "report", None)
        if report is not None and report.is_editable:
            title = (
                _("Change and send the grant report for %(year)s again")
                if report.status == ReportStatus.RETURNED
                else _("Send the grant report and accounts for %(year)s")
            ) % {"year": year}
            yield DueItem(whose + title, reverse("grants:report", args=[report.pk]), report.due_on)
        for clawback in application.open_clawbacks:
            yield DueItem(
                _("Repay %(amount)s of the grant")
                % {"amount": format_nok(Decimal(str(clawback["left"])))},
                reverse("grants:award", args=[clawback["award_id"]]),
                datetime.date.fromisoformat(clawback["due_on"]),
            )


def _open_clawbacks():
    """The open clawbacks of the outer application's award, with what is left to repay, as
    JSON rows (a decided application is never withdrawn, so none is left out)."""
    repaid = (
        Repayment.objects.filter(clawback=OuterRef("pk"))
        .order_by()
        .values("clawback")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    clawbacks = Clawback.objects.filter(
        award__application=OuterRef("pk"), status=ClawbackStatus.OPEN
    ).order_by("due_on", "id")
    left = F("amount") - Coalesce(Subquery(repaid), Value(Decimal(0)))
    return JSONRows(clawbacks, award_id="award_id", due_on="due_on", left=left)


def caseworker_counts(user) -> dict:
    """What waits for the caseworker in the schemes their body runs, counted in one query."""
    return first_row(_caseworker_counts(user, timezone.localdate()))


@kept_per_access
def _caseworker_counts(user, today):
    outstanding = [ReportStatus.DRAFT, ReportStatus.RETURNED]
    counts = {
        "to_decide": Count("id", filter=Q(status=ApplicationStatus.SUBMITTED), distinct=True),
        "waiting_for_answer": Count(
            "id", filter=Q(status=ApplicationStatus.INFO_REQUESTED), distinct=True
        ),
        "to_review": Count(
            "award__report", filter=Q(award__report__status=ReportStatus.SUBMITTED), distinct=True
        ),
        "overdue": Count(
            "award__report",
            filter=Q(award__report__status__in=outstanding, award__report__due_on__lt=today),
            distinct=True,
        ),
        "appeals": Count(
            "decisions__appeals",
            filter=Q(decisions__appeals__status=AppealStatus.LODGED),
            distinct=True,
        ),
        "change_notices": Count(
            "award__change_notices",
            filter=Q(award__change_notices__status=ChangeNoticeStatus.OPEN),
            distinct=True,
        ),
        "accounts_to_confirm": Count(
            "organisation",
            filter=Q(award__isnull=False) & Q(Exists(account_waiting())),
            distinct=True,
        ),
    }
    # One row over all the applications (grouped by a constant: no GROUP BY).
    applications = Application.objects.visible_to(user).order_by().annotate(one=Value(1))
    return applications.values("one").annotate(**counts).values(*counts)


def caseworker_panel(request):
    if not access_for(request.user).is_caseworker:
        return None
    request.user._grants_counts = counts = caseworker_counts(request.user)
    return Panel("grants/panels/caseworker.html", counts, order=12)


def caseworker_due_items(user):
    if not access_for(user).is_caseworker:
        return
    counts = getattr(user, "_grants_counts", None) or caseworker_counts(user)
    review = reverse("grants:review")
    waiting = [
        ("to_decide", "status=submitted",
         ngettext("%(n)d application to assess and decide",
                  "%(n)d applications to assess and decide", counts["to_decide"])),
        ("to_review", "report=submitted",
         ngettext("%(n)d grant report to review", "%(n)d grant reports to review",
                  counts["to_review"])),
        ("appeals", "appeal=1",
         ngettext("%(n)d appeal to handle", "%(n)d appeals to handle", counts["appeals"])),
        ("change_notices", "change_notice=1",
         ngettext("%(n)d change notice to handle", "%(n)d change notices to handle",
                  counts["change_notices"])),
        ("accounts_to_confirm", "payout_account=waiting",
         ngettext("%(n)d new bank account to confirm", "%(n)d new bank accounts to confirm",
                  counts["accounts_to_confirm"])),
    ]  # fmt: skip
    for key, query, text in waiting:
        if counts[key]:
            yield DueItem(text % {"n": counts[key]}, f"{review}?{query}")


# --- the approver: decisions and payments waiting for a second person --------------------------


def approver_bodies(user) -> set[int]:
    """The administering bodies ``user`` approves decisions and payments for."""
    return {
        org_id
        for org_id, (kind, role) in access_for(user).memberships.items()
        if kind == OrganisationKind.ADMINISTRATOR and role == MemberRole.APPROVER
    }


BODY = "round__scheme_year__scheme__administrator_id__in"


def approver_counts(user, bodies) -> dict:
    """Proposed decisions and attested payments the user may approve (not their own)."""
    return {
        "proposals": DecisionProposal.objects.filter(
            status=ProposalStatus.PROPOSED, **{f"application__{BODY}": bodies}
        )
        .exclude(proposed_by=user)
        .count(),
        "payments": PaymentAttestation.objects.filter(
            status=AttestationStatus.ATTESTED, **{f"award__application__{BODY}": bodies}
        )
        .exclude(attested_by=user)
        .count(),
    }


def approver_panel(request):
    bodies = approver_bodies(request.user)
    if not bodies:
        return None
    request.user._grants_approvals = counts = approver_counts(request.user, bodies)
    return Panel("grants/panels/approver.html", counts, order=11)


def approver_due_items(user):
    bodies = approver_bodies(user)
    if not bodies:
        return
    counts = getattr(user, "_grants_approvals", None) or approver_counts(user, bodies)
    approvals = reverse("grants:approvals")
    if counts["proposals"]:
        yield DueItem(
            ngettext(
                "%(n)d proposed decision to approve",
                "%(n)d proposed decisions to approve",
                counts["proposals"],
            )
            % {"n": counts["proposals"]},
            approvals,
        )
    if counts["payments"]:
        yield DueItem(
            ngettext(
                "%(n)d attested payment to approve",
                "%(n)d attested payments to approve",
                counts["payments"],
            )
            % {"n": counts["payments"]},
            f"{approvals}#payments-heading",
        )


def register():
    register_panel(organisation_panel)
    register_panel(caseworker_panel)
    register_panel(approver_panel)
    register_due_items(organisation_due_items)
    register_due_items(caseworker_due_items)
    register_due_items(approver_due_items)
