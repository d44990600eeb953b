"""The caseworker's side of the grants app: calls, the list of applications, the workspace for
one application (impartiality, assessment, proposal, decision, appeals), the round's portfolio,
the award (payments, clawbacks, change notices) and the grant report.

Every page needs the caseworker role (403 otherwise) and fetches its object through the
model's ``visible_to(user)`` among the cases of the schemes the caseworker's body runs: an
object that is missing, hidden or another body's answers 404 alike, so ids cannot be probed.
Each action validates a form, calls one service and redirects; a service's ValidationError is
shown on the form, with the user's input kept.
"""

import datetime
from collections import defaultdict
from functools import cache, partial
from typing import NamedTuple
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    JSONField,
    OuterRef,
    Prefetch,
    Subquery,
    Sum,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, JSONObject
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grants import records, services
from grants.dashboard import approver_bodies
from grants.filters import ApplicationFilter, target_groups
from grants.forms.caseworker import (
    ROW_FIELDS,
    AppealForm,
    ApprovePaymentForm,
    AssessmentForm,
    AwardForm,
    ChangeNoticeForm,
    ClawbackForm,
    DisbursementForm,
    ImpartialityForm,
    InfoRequestForm,
    InstalmentFormSet,
    InviteForm,
    ProposalForm,
    RefusePaymentForm,
    RejectForm,
    RepaymentForm,
    ReturnProposalForm,
    ReturnReportForm,
    RoundForm,
)
from grants.models import (
    ZERO,
    Appeal,
    AppealStatus,
    Application,
    ApplicationStatus,
    Attachment,
    AttestationStatus,
    Award,
    BudgetLine,
    ChangeNotice,
    Clawback,
    Criterion,
    Decision,
    DecisionKind,
    DecisionProposal,
    Disbursement,
    Eligibility,
    GoalResult,
    GrantReport,
    ImpartialityDeclaration,
    Instalment,
    Invitation,
    LineKind,
    PaymentAttestation,
    PayoutAccount,
    ProposalStatus,
    Repayment,
    ReportStatus,
    Round,
    RoundKind,
    Score,
)
from grants.workflows import PROPOSAL_FLOW
from organisations.geography import COUNTY_NAMES, County, place_name
from organisations.models import Organisation, PreviousApplication, TargetGroup
from scheme.compiled import KeptPrefetch, kept, kept_per_access
from scheme.formatting import format_day, format_nok
from scheme.models import SchemeYear
from scheme.prefetch import prefetch_lists, prefetch_where, set_prefetched
from scheme.queries import count_of
from scheme.records.models import CaseFile
from scheme.roles import Role, access_for, require_role
from scheme.web import (
    PAGE_SIZE,
    ROWS_IN_ALL,
    add_service_errors,
    count_alongside,
    get_visible_or_404,
    only_or_404,
    paginate,
    paginate_counted,
    query_without_page,
    url_for_pk,
)

# The caseworker's steps on an application that the workspace offers (APPLICATION_FLOW).
CASEWORKER_STEPS = ("assess", "award", "reject", "request_information")
AWARDED_LISTED = 25  # the portfolio lists awarded applications among the proposals up to this
ROUND_FIELDS = ("scheme_year", "title", "kind", "continuation", "opens_on", "closes_on", "guidance")
INVITE_PAGE_SIZE = 25  # organisations not yet invited, per page of the invitation page
INVITED_PAGE_SIZE = 25  # the invited organisations listed beside them, per page

# Form prefixes, shared by the page that shows a form and the view that receives it.
IMPARTIALITY = "impartiality"
ASSESS = "assess"
PROPOSE = "propose"
AWARD = "award"
INSTALMENTS = "instalments"
REJECT = "reject"
ASK = "ask"
DISBURSE = "disburse"
CLAWBACK = "clawback"
RETURN = "return"


def _appeal_prefix(pk):
    return f"appeal-{pk}"


def _repayment_prefix(pk):
    return f"repay-{pk}"


def _notice_prefix(pk):
    return f"notice-{pk}"


# --- access ------------------------------------------------------------------------------------


# From each kind of object to the administering body of its scheme.
TO_BODY = "scheme__administrator_id"
ROUND_TO_BODY = f"scheme_year__{TO_BODY}"
APPLICATION_TO_BODY = f"round__{ROUND_TO_BODY}"
AWARD_TO_BODY = f"application__{APPLICATION_TO_BODY}"


def _case(request, queryset, to_body, **lookup):
    """The object, among those in schemes the caseworker's body runs (``to_body`` leads to the
    body). 403 without the caseworker role; 404 for missing, hidden and another body's alike."""
    access = require_role(request.user, Role.CASEWORKER)
    return get_visible_or_404(access.administered(queryset, to_body), request.user, **lookup)


def _kept_case(request, kept_case, pk):
    """``_case`` through a kept query: ``kept_case(user, pk=pk)`` gives the object among
    those in schemes the caseworker's body runs (``_administered_case``)."""
    require_role(request.user, Role.CASEWORKER)
    return only_or_404(kept_case(request.user, pk=pk))


def _administered_case(user, queryset, to_body, pk):
    """What ``_case`` reads, as a queryset for a kept query."""
    return access_for(user).administered(queryset, to_body).visible_to(user).filter(pk=pk)


@kept_per_access(params=["pk"])
def _round_case(user, pk):
    rounds = Round.objects.select_related("scheme_year__scheme")
    return _administered_case(user, rounds, ROUND_TO_BODY, pk)


def _round(request, pk):
    return _kept_case(request, _round_case, pk)


CASE_NUMBER = ("pk", "year", "sequence")
# What the caseworker's pages show of a case's related rows, each read by a kept query.
WITH_APPEALS = KeptPrefetch(
    "appeals", Appeal.objects.select_related("lodged_by", "handled_by").order_by("lodged_at", "id")
)
WITH_REPAYMENTS = KeptPrefetch("repayments", Repayment.objects.select_related("recorded_by"))
WITH_DECLARATIONS = KeptPrefetch(
    "declarations",
    ImpartialityDeclaration.objects.select_related("caseworker").order_by("declared_at", "id"),
)
WITH_BUDGET_LINES = KeptPrefetch("budget_lines", BudgetLine.objects.all())
WITH_ATTACHMENTS = KeptPrefetch("attachments", Attachment.objects.all())
WITH_PREVIOUS_APPLICATIONS = KeptPrefetch(
    "organisation__previous_applications", PreviousApplication.objects.all()
)
WITH_DISBURSEMENTS = KeptPrefetch(
    "disbursements",
    Disbursement.objects.select_related(
        "recorded_by", "instalment", "account", "attestation__attested_by"
    ),
)
WITH_INSTALMENTS = KeptPrefetch(
    "instalments", Instalment.objects.select_related("disbursement").order_by("number")
)
WITH_NOTICES = KeptPrefetch(
    "change_notices", ChangeNotice.objects.select_related("sent_by", "handled_by")
)
WITH_DECISIONS = KeptPrefetch(
    "decisions",
    Decision.objects.select_related("decided_by", "approved_by").annotate(
        has_appeals=Exists(Appeal.objects.filter(decision=OuterRef("pk")))
    ),
)
WITH_PROPOSALS = KeptPrefetch(
    "proposals",
    DecisionProposal.objects.select_related("proposed_by", "handled_by").order_by(
        "-proposed_at", "-id"
    ),
)
WITH_ATTESTATIONS = KeptPrefetch(
    "attestations",
    PaymentAttestation.objects.select_related(
        "attested_by", "handled_by", "instalment", "account"
    ).order_by("-attested_at", "-id"),
)


def _one_row(queryset, *fields):
    """The first row's ``fields`` as a dict (None for no row), as one subquery: a subquery
    costs Django and PostgreSQL a plan each, whatever it reads."""
    row = JSONObject(**{name: name for name in fields})
    return Subquery(queryset.order_by().values(row=row)[:1], output_field=JSONField())


def _with_case_number(queryset, application="pk"):
    """With the case file's id and number (``case_number``: {pk, year, sequence}), read in
    the same query."""
    case = CaseFile.objects.filter(kind=records.CASE_KIND, object_id=OuterRef(application))
    return queryset.annotate(case_number=_one_row(case, *CASE_NUMBER))


def _with_scores(queryset):
    """With the assessment's score and note for each criterion (``score_<criterion>``:
    {score, note}, one row each) read in the same query."""
    values = {}
    for criterion in Criterion.values:
        # Read off the assessment the query joins: no join per subquery to plan.
        row = Score.objects.filter(assessment=OuterRef("assessment"), criterion=criterion)
        values[f"score_{criterion}"] = _one_row(row, "score", "note")
    return queryset.annotate(**values)


def _scores(application, assessment) -> list:
    """The assessment's scores from ``_with_scores``, in their order, also set as
    ``assessment.scores`` (the form's initial values read them)."""
    rows = {criterion: getattr(application, f"score_{criterion}") for criterion in Criterion.values}
    scores = [
        Score(assessment=assessment, criterion=criterion, **rows[criterion])
        for criterion in sorted(Criterion.values)
        if rows[criterion] is not None
    ]
    set_prefetched(assessment, "scores", scores)
    return scores


@kept_per_access(params=["pk"])
def _application_case(user, pk):
    applications = _with_case_number(
        _with_scores(
            Application.objects.select_related(
                "round__scheme_year__scheme", "organisation", "caseworker", "assessment", "award"
            )
        )
    ).annotate(
        # No query for the decisions or the proposals when there are none (most cases).
        has_decisions=Exists(Decision.objects.filter(application=OuterRef("pk"))),
        has_proposals=Exists(DecisionProposal.objects.filter(application=OuterRef("pk"))),
    )
    return _administered_case(user, applications, APPLICATION_TO_BODY, pk)


def _application(request, pk):
    return _kept_case(request, _application_case, pk)


@kept_per_access(params=["pk"])
def _award_case(user, pk):
    awards = Award.objects.select_related(
        "application__organisation",
        "application__round__scheme_year__scheme",
        "decision__decided_by",
        "report",
        "accepted_by",
    )
    awards = _with_case_number(awards, "application_id").annotate(
        # No query for clawbacks or clawbacks proposed when there are none (most awards).
        has_clawbacks=Exists(Clawback.objects.filter(award=OuterRef("pk"))),
        has_proposals=Exists(
            DecisionProposal.objects.filter(award=OuterRef("pk"), status=ProposalStatus.PROPOSED)
        ),
    )
    return _administered_case(user, awards, AWARD_TO_BODY, pk)


def _award(request, pk):
    return _kept_case(request, _award_case, pk)


def _case_file(application, annotated=None):
    """The application's case file (its number is shown as "Saksnr."), if it has one, with
    ``url`` its page in the records; from ``annotated``'s annotations (``_with_case_number``,
    the application itself by default) when it has them, else read."""
    annotated = annotated or application
    if hasattr(annotated, "case_number"):
        values = annotated.case_number
        case_file = CaseFile(**values) if values is not None else None
    else:
        case_file = records.case_file_of(application)
    if case_file is not None:
        case_file.url = reverse("records:case", args=[case_file.pk])
    return case_file


def _workspace_url(application_id, anchor=""):
    url = reverse("grants:review_application", args=[application_id])
    return f"{url}#{anchor}" if anchor else url


def _award_url(award_id, anchor=""):
    url = reverse("grants:review_award", args=[award_id])
    return f"{url}#{anchor}" if anchor else url


def _budget(scheme_year) -> dict:
    """The year's budget position with what the meter and the warnings need."""
    position = services.budget_position(scheme_year)
    committed = position["awarded"] + position["proposed"]
    return {
        **position,
        "committed": committed,
        # The meter grows past the frame, so an overrun shows (in the browser's warning colour).
        "meter_max": max(position["frame"], committed),
        "after_proposals": position["left"] - position["proposed"],
        "over_by": max(position["proposed"] - position["left"], ZERO),
        "exceeded": position["proposed"] > position["left"],
    }


# --- calls -------------------------------------------------------------------------------------


def round_list(request):
    access = require_role(request.user, Role.CASEWORKER)
    not_sent = [ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN]
    rounds = (
        access.administered(Round.objects.select_related("scheme_year__scheme"), ROUND_TO_BODY)
        .annotate(
            invited_count=count_of(Invitation.objects.all(), "round"),
            sent_count=count_of(Application.objects.exclude(status__in=not_sent), "round"),
            draft_count=count_of(
                Application.objects.filter(status=ApplicationStatus.DRAFT), "round"
            ),
        )
        .order_by("-scheme_year__year", "scheme_year__scheme__name", "-opens_on", "id")
    )
    return render(
        request,
        "grants/caseworker/round_list.html",
        {"page": paginate(request, rounds, per_page=50), "today": timezone.localdate()},
    )


def _scheme_years(access):
    return access.administered(SchemeYear.objects.select_related("scheme"), TO_BODY).order_by(
        "-year", "scheme__name"
    )


def round_edit(request, pk=None):
    access = require_role(request.user, Role.CASEWORKER)
    round_ = _round(request, pk) if pk is not None else None
    if round_ is None:
        initial = {"kind": RoundKind.CLOSED}
    else:
        initial = {name: getattr(round_, name) for name in ROUND_FIELDS}
    form = RoundForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        scheme_years=_scheme_years(access),
        lock_scheme_year=round_ is not None and round_.applications.exists(),
    )
    if request.method == "POST" and form.is_valid():
        token = form.pop_form_token()
        try:
            saved = services.save_round(request.user, round_, form_token=token, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if round_ is None and saved.kind == RoundKind.CLOSED:
                messages.success(
                    request,
                    _("The call is saved. Now choose the organisations you invite to apply."),
                )
                return redirect("grants:round_invite", pk=saved.pk)
            messages.success(request, _("The call is saved."))
            return redirect("grants:rounds")
    return render(request, "grants/caseworker/round_form.html", {"form": form, "round": round_})


class Candidate(NamedTuple):
    """A row of the list of organisations not yet invited."""

    pk: int
    name: str
    place: str
    checked: bool


def _invite_candidates(request, round_):
    """The participant organisations not yet invited, and those the filter (``?q=&county=``)
    shows: the list and the "invite all that match" button."""
    candidates = (
        Organisation.objects.participants()
        .exclude(invitations__round=round_)
        .order_by("name", "id")
    )
    name = request.GET.get("q", "").strip()
    county = request.GET.get("county", "")
    shown = candidates
    if name:
        shown = shown.filter(name__icontains=name)
    if county in County.values:
        shown = shown.filter(county=county)
    return candidates, shown, name, county


def _candidate_rows(page, selected) -> list[Candidate]:
    """The page's rows, each with where it is."""
    return [
        Candidate(
            pk,
            name,
            place_name(municipality, county),
            str(pk) in selected,
        )
        for pk, name, municipality, county in page
    ]


def _invited_page(request, round_):
    """One page (``?invited=``) of the organisations invited, by name: rows of (name, invited
    at). The rows are read as values only after paging, so the count needs no join."""
    invited = Invitation.objects.filter(round=round_).order_by("organisation__name", "id")
    page = Paginator(invited, INVITED_PAGE_SIZE).get_page(request.GET.get("invited"))
    page.object_list = page.object_list.values_list("organisation__name", "invited_at")
    return page


def _invite_page(request, round_, form, shown, name, county):
    """A page (``?page=``) of the organisations the filter shows, the chosen ones ticked
    again after an error, and a page of those invited; each list's links keep the other's
    page."""
    page = paginate(
        request,
        shown.values_list("id", "name", "municipality", "county"),
        per_page=INVITE_PAGE_SIZE,
    )
    selected = {str(value) for value in (form["organisations"].value() or [])}
    others = request.GET.copy()
    others.pop("invited", None)
    return render(
        request,
        "grants/caseworker/round_invite.html",
        {
            "round": round_,
            "form": form,
            "page": page,
            "candidates": _candidate_rows(page, selected),
            "invited": _invited_page(request, round_),
            "name": name,
            "county": county,
            "counties": County.choices,
            "query": query_without_page(request),
            "invited_query": others.urlencode(),
            "here": request.GET.urlencode(),
        },
    )


def round_invite(request, pk):
    """The caseworker ticks organisations on a page of the filtered list, or invites all
    that match the filter."""
    round_ = _round(request, pk)
    candidates, shown, name, county = _invite_candidates(request, round_)
    form = InviteForm(request.POST if request.method == "POST" else None, organisations=candidates)
    if request.method == "POST":
        chosen = None
        if "invite_shown" in request.POST:
            chosen = list(shown)
            if not chosen:
                form = InviteForm(organisations=candidates)
                messages.error(request, _("No organisations match the filter."))
        elif form.is_valid():
            chosen = form.cleaned_data["organisations"]
        if chosen:
            try:
                count = services.invite(request.user, round_, chosen)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d organisation is invited. Its people get an e-mail.",
                        "%(count)d organisations are invited. Their people get an e-mail.",
                        count,
                    )
                    % {"count": count},
                )
                # Back to the same filter; its first page, as the invited have left the list.
                kept = urlencode({k: v for k, v in (("q", name), ("county", county)) if v})
                url = reverse("grants:round_invite", args=[round_.pk])
                return redirect(f"{url}?{kept}" if kept else url)
    return _invite_page(request, round_, form, shown, name, county)


# --- the list of applications --------------------------------------------------------------------


# What the list shows of each application, read as named values after paging: the database
# sorts narrow rows, and no model is built per row.
LIST_VALUES = (
    "pk", "organisation__name", "organisation__county", "round__title", "amount", "status",
    "eligibility", "total_score", "assessment__pk", "assessment__proposed", "assessment__rank",
    "submitted_at", "award__pk", "award__amount", "award__report__pk", "award__report__status",
)  # fmt: skip
# Labels by value, built once: ``get_<field>_display`` builds the choices again for every row.
STATUS_NAMES = dict(ApplicationStatus.choices)
ELIGIBILITY_NAMES = dict(Eligibility.choices)
REPORT_STATUS_NAMES = dict(ReportStatus.choices)


class ApplicationRow(NamedTuple):
    """A row of the caseworker's list of applications, its cells as shown."""

    url: str
    organisation: str
    county: str
    round: str
    amount: str
    status: str
    eligibility: str
    eligibility_label: str
    score: object
    proposed: str
    sent: str
    award_url: str
    award_amount: str
    report_url: str
    report_status: str


def _county_cell(code) -> str:
    return COUNTY_NAMES.get(code, code) or "–"


def _proposed_cell(has_assessment, proposed, rank) -> str:
    if proposed:
        return _("yes, no. %(rank)s") % {"rank": "?" if rank is None else rank}
    return _("no") if has_assessment else "–"


def _application_row(values, urls) -> ApplicationRow:
    """The cells of a row read as ``LIST_VALUES`` (named); ``urls`` (``_row_urls``) link."""
    submitted_at, rank = values.submitted_at, values.assessment__rank
    award_pk, report_pk = values.award__pk, values.award__report__pk
    status, eligibility = values.status, values.eligibility
    sent = submitted_at and format_day(timezone.localdate(submitted_at))
    return ApplicationRow(
        url=urls.application(values.pk),
        organisation=values.organisation__name,
        county=_county_cell(values.organisation__county),
        round=values.round__title,
        amount=format_nok(values.amount) or "–",
        status=capfirst(STATUS_NAMES.get(status, status)),
        eligibility=eligibility,
        eligibility_label=capfirst(ELIGIBILITY_NAMES.get(eligibility, eligibility)),
        score="–" if values.total_score is None else values.total_score,
        proposed=_proposed_cell(
            values.assessment__pk is not None, values.assessment__proposed, rank
        ),
        sent=sent or "–",
        award_url=award_pk and urls.award(award_pk),
        award_amount=format_nok(values.award__amount),
        report_url=report_pk and urls.report(report_pk),
        report_status=REPORT_STATUS_NAMES.get(
            values.award__report__status, values.award__report__status
        ),
    )


class _RowUrls(NamedTuple):
    application: object
    award: object
    report: object


def _row_urls() -> _RowUrls:
    """The links of the list's rows, each worked out once per page (``url_for_pk``)."""
    return _RowUrls(
        url_for_pk("grants:review_application"),
        url_for_pk("grants:review_award"),
        url_for_pk("grants:review_report"),
    )


def _award_cell(row, report_word) -> str:
    """The award and report cell: links to the award and its report, if any."""
    if not row.award_url:
        return "–"
    award = f'<a href="{escape(row.award_url)}">{escape(row.award_amount)}</a>'
    if not row.report_url:
        return award
    return (
        f'{award} · <a href="{escape(row.report_url)}">'
        f"{report_word}: {escape(row.report_status)}</a>"
    )


def _rows_html(rows) -> str:
    """The list's table rows, written here rather than by a template loop: a page has 25 rows
    of ten cells, and the template language costs several times as much per cell."""
    report_word = escape(_("report"))
    return mark_safe(
        "".join(
            "<tr>"
            f'<td><a href="{escape(row.url)}">{escape(row.organisation)}</a></td>'
            f"<td>{escape(row.county)}</td>"
            f"<td>{escape(row.round)}</td>"
            f'<td class="text-end text-nowrap">{escape(row.amount)}</td>'
            f"<td>{escape(row.status)}</td>"
            f'<td class="outcome-{escape(row.eligibility)}">{escape(row.eligibility_label)}</td>'
            f'<td class="text-end">{escape(row.score)}</td>'
            f"<td>{escape(row.proposed)}</td>"
            f'<td class="text-nowrap">{escape(row.sent)}</td>'
            f"<td>{_award_cell(row, report_word)}</td>"
            "</tr>"
            for row in rows
        )
    )


@kept_per_access
def _administered_rounds(user):
    """The calls of the schemes the caseworker's body runs, newest first."""
    rounds = Round.objects.select_related("scheme_year").order_by("-opens_on", "id")
    return access_for(user).administered(rounds, ROUND_TO_BODY)


@kept_per_access
def _application_rows(user, values, today, per_page, number):
    """Page ``number`` of the caseworker's applications filtered by ``values`` (the filter
    set's), as named ``LIST_VALUES`` rows with the count of all (``ROWS_IN_ALL``)."""
    queryset = (
        Application.objects.visible_to(user)
        .filter(round__in=_administered_rounds(user).values("pk"))
        .with_total_score()
    )
    applications = ApplicationFilter(queryset=queryset, today=today).filter_by(queryset, values)
    if not applications.query.order_by:  # no sort order chosen (or none known)
        applications = applications.order_by(F("submitted_at").desc(nulls_last=True), "-id")
    # The page's ids are a subquery, and only its rows are joined and scored: a later page's
    # OFFSET skips bare ids, not rows with their total scores.
    bottom = (number - 1) * per_page
    page = Application.objects.filter(pk__in=applications.values("pk")[bottom : bottom + per_page])
    return count_alongside(
        page.with_total_score().order_by(*applications.query.order_by), applications
    ).values_list(*LIST_VALUES, ROWS_IN_ALL, named=True)


def application_list(request):
    require_role(request.user, Role.CASEWORKER)
    today = timezone.localdate()
    filters = ApplicationFilter(
        request.GET,
        queryset=Application.objects.none(),
        rounds=_administered_rounds(request.user),
        groups=target_groups(),
        today=today,
        request=request,
    )
    read = partial(_application_rows, request.user, filters.values, today, PAGE_SIZE)
    page = paginate_counted(request, per_page=PAGE_SIZE, read=read)
    urls = _row_urls()
    rows = [_application_row(values, urls) for values in page.object_list]
    return render(
        request,
        "grants/caseworker/application_list.html",
        {
            "filters": filters,
            "page": page,
            "rows": rows,
            "rows_html": _rows_html(rows),
            "query": query_without_page(request),
        },
    )


# --- the workspace for one application ---------------------------------------------------------


def _decisions(application) -> list:
    """The application's decisions with their appeals (read only for the decisions that
    have any: most have none)."""
    prefetch_related_objects([application], WITH_DECISIONS)
    decisions = list(application.decisions.all())
    prefetch_where(decisions, "has_appeals", WITH_APPEALS)
    return decisions


def _workspace(request, application, **bound):
    """The caseworker's page for one application; ``bound`` holds a form that failed."""
    user = request.user
    scheme_year = application.round.scheme_year
    prefetch_related_objects(
        [application],
        WITH_DECLARATIONS,
        WITH_BUDGET_LINES,
        WITH_ATTACHMENTS,
        WITH_PREVIOUS_APPLICATIONS,  # the eligibility check reads them
    )
    declarations = list(application.declarations.all())
    declaration = next((d for d in declarations if d.caseworker_id == user.pk), None)
    declaration_choices = services.declaration_choices(user, application)
    assessment = getattr(application, "assessment", None)
    scores = _scores(application, assessment) if assessment else []
    # Whether the application waits for assessment, and the steps this caseworker may take.
    is_open = bool(application.workflow.decide(user, application, "assess"))
    may = {step: services.may_take(user, application, step) for step in CASEWORKER_STEPS}
    can_act = may["assess"]

    decisions = _decisions(application) if application.has_decisions else []
    appeal_pk, appeal_form = bound.get("appeal_form", (None, None))
    for decision in decisions:
        for appeal in decision.appeals.all():
            if appeal.status == AppealStatus.LODGED:
                appeal.form = (
                    appeal_form
                    if appeal.pk == appeal_pk
                    else AppealForm(prefix=_appeal_prefix(appeal.pk))
                )

    def form(name, default):
        return bound[name] if name in bound else default()

    scheme = scheme_year.scheme
    proposals = []
    if application.has_proposals:
        prefetch_related_objects([application], WITH_PROPOSALS)
        proposals = list(application.proposals.all())
    for proposal in proposals:
        proposal.application = application  # the flow reads the scheme through it
        proposal.may_withdraw = bool(PROPOSAL_FLOW.decide(user, proposal, "withdraw"))
    open_proposals = [p for p in proposals if p.status == ProposalStatus.PROPOSED]
    # The last proposal sent back, while nothing newer waits: the caseworker reads why.
    returned = next(
        (p for p in proposals if p.status == ProposalStatus.RETURNED and not open_proposals),
        None,
    )
    prefetch_lists([application], ("target_groups", "competence_needs"))
    context = {
        "application": application,
        "case_file": _case_file(application),
        "proposals": open_proposals,
        "returned_proposal": returned,
        "proposing": {
            "award": scheme.awards_need_approval,
            "reject": scheme.rejections_need_approval,
        },
        "organisation": application.organisation,
        "scheme_year": scheme_year,
        "budget_lines": list(application.budget_lines.all()),
        "attachments": list(application.attachments.all()),
        "target_groups": list(application.target_groups.all()),
        "competence_needs": list(application.competence_needs.all()),
        "eligibility": services.eligibility_of(application),
        "declarations": declarations,
        "declaration": declaration,
        "assessment": assessment,
        "scores": scores,
        "is_open": is_open,
        "can_act": can_act,
        "may": may,
        "decisions": decisions,
        "impartiality_form": form(
            "impartiality_form",
            lambda: ImpartialityForm(prefix=IMPARTIALITY, choices=declaration_choices),
        ),
        "show_impartiality": bool(declaration_choices) or "impartiality_form" in bound,
        "assessment_form": form(
            "assessment_form",
            lambda: AssessmentForm(initial=AssessmentForm.initial_from(assessment), prefix=ASSESS),
        ),
        "show_assessment": can_act or "assessment_form" in bound,
        "proposal_form": form(
            "proposal_form",
            lambda: ProposalForm(initial=ProposalForm.initial_from(application), prefix=PROPOSE),
        ),
        "show_proposal": (can_act and assessment is not None) or "proposal_form" in bound,
        "show_decision": may["award"]
        or any(name in bound for name in ("award_form", "reject_form", "info_form")),
    }
    if context["show_decision"]:
        proposed = assessment.proposed_amount if assessment and assessment.proposed else None
        context.update(
            award_form=form(
                "award_form",
                lambda: AwardForm(
                    initial={"amount": proposed or application.amount},
                    prefix=AWARD,
                    proposing=scheme.awards_need_approval,
                ),
            ),
            instalment_formset=form(
                "instalment_formset", lambda: InstalmentFormSet(prefix=INSTALMENTS)
            ),
            reject_form=form("reject_form", lambda: RejectForm(prefix=REJECT)),
            info_form=form("info_form", lambda: InfoRequestForm(prefix=ASK)),
            budget=_budget(scheme_year),
            decision_tab=bound.get("decision_tab", "award"),
        )
    return render(request, "grants/caseworker/application.html", context)


def review_application(request, pk):
    application = _application(request, pk)
    return _workspace(request, application)


def impartiality(request, pk):
    application = _application(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    choices = services.declaration_choices(request.user, application)
    if not choices:
        # Nothing this caseworker may declare now (a declared conflict stands): say why.
        refusal = services.declaration_refusal(request.user, application, has_conflict=True)
        messages.error(request, refusal)
        return redirect(_workspace_url(application.pk, "impartiality"))
    form = ImpartialityForm(request.POST, prefix=IMPARTIALITY, choices=choices)
    if form.is_valid():
        try:
            services.declare_impartiality(
                request.user,
                application,
                has_conflict=form.has_conflict,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if form.has_conflict:
                messages.warning(
                    request,
                    _("Your declaration is saved. You cannot assess or decide this "
                      "application; a colleague takes it over."),
                )  # fmt: skip
                return redirect(_workspace_url(application.pk, "impartiality"))
            messages.success(request, _("Your declaration is saved. You can assess now."))
            return redirect(_workspace_url(application.pk, "assessment"))
    return _workspace(request, application, impartiality_form=form)


def assess(request, pk):
    application = _application(request, pk)
    if request.method != "POST":
        return redirect(_workspace_url(application.pk, "assessment"))
    form = AssessmentForm(request.POST, prefix=ASSESS)
    if form.is_valid():
        try:
            services.save_assessment(request.user, application, **form.service_arguments())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The assessment is saved."))
            return redirect(_workspace_url(application.pk, "proposal"))
    return _workspace(request, application, assessment_form=form)


def propose(request, pk):
    application = _application(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    to_portfolio = request.POST.get("next") == "portfolio"
    form = ProposalForm(
        request.POST,
        prefix=PROPOSE,
        auto_id=f"id_%s_{application.pk}" if to_portfolio else "id_%s",
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.set_proposal(
                request.user,
                application,
                proposed=data["proposed"],
                rank=data["rank"],
                proposed_amount=data["proposed_amount"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if data["proposed"]:
                messages.success(
                    request,
                    _("%(organisation)s is proposed as number %(rank)s with %(amount)s.")
                    % {
                        "organisation": application.organisation.name,
                        "rank": data["rank"],
                        "amount": format_nok(data["proposed_amount"]),
                    },
                )
            else:
                messages.success(
                    request,
                    _("%(organisation)s is no longer proposed.")
                    % {"organisation": application.organisation.name},
                )
            if to_portfolio:
                return redirect(_portfolio_url(application))
            return redirect(_workspace_url(application.pk, "proposal"))
    if to_portfolio:
        return _portfolio_page(request, application.round, bound=(application.pk, form))
    return _workspace(request, application, proposal_form=form)


def decide(request, pk):
    application = _application(request, pk)
    if request.method != "POST":
        return redirect(_workspace_url(application.pk, "decision"))
    choice = request.POST.get("decision")
    scheme = application.round.scheme_year.scheme
    if choice == "award":
        return _decide_award(request, application, proposing=scheme.awards_need_approval)
    if choice == "reject":
        return _decide_rejection(request, application, proposing=scheme.rejections_need_approval)
    if choice == "ask":
        form = InfoRequestForm(request.POST, prefix=ASK)
        if form.is_valid():
            try:
                services.request_information(
                    request.user, application, form.cleaned_data["question"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The application goes back to %(organisation)s with your question. You "
                      "are told when they send it again.")
                    % {"organisation": application.organisation.name},
                )  # fmt: skip
                return redirect(_workspace_url(application.pk))
        return _workspace(request, application, info_form=form, decision_tab="ask")
    messages.error(request, _("Choose award, reject or ask for more information."))
    return redirect(_workspace_url(application.pk, "decision"))


def _proposed(request, application, message):
    messages.success(request, message)
    return redirect(_workspace_url(application.pk, "decision"))


def _decide_award(request, application, *, proposing):
    """Award the grant, or propose the award for approval when the scheme asks for that."""
    form = AwardForm(request.POST, prefix=AWARD, proposing=proposing)
    formset = InstalmentFormSet(request.POST, prefix=INSTALMENTS)
    form_valid, formset_valid = form.is_valid(), formset.is_valid()
    if form_valid and formset_valid:
        terms = {
            "amount": form.cleaned_data["amount"],
            "reasons": form.cleaned_data["reasons"],
            "instalments": formset.instalments(),
        }
        try:
            if proposing:
                services.propose_decision(
                    request.user, application, kind=DecisionKind.AWARD, **terms
                )
            else:
                award = services.award_grant(request.user, application, **terms)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if proposing:
                return _proposed(
                    request,
                    application,
                    _("The award is proposed. It is made when an approver has approved it."),
                )
            messages.success(
                request,
                _("%(organisation)s is awarded %(amount)s. They are told by e-mail.")
                % {
                    "organisation": application.organisation.name,
                    "amount": format_nok(award.amount),
                },
            )
            return redirect("grants:review_award", pk=award.pk)
    elif not formset_valid:
        form.add_error(None, _("Check the payment plan below."))
    return _workspace(
        request, application, award_form=form, instalment_formset=formset, decision_tab="award"
    )


def _decide_rejection(request, application, *, proposing):
    """Reject the application, or propose the rejection for approval when the scheme asks
    for that."""
    form = RejectForm(request.POST, prefix=REJECT)
    if form.is_valid():
        reasons = form.cleaned_data["reasons"]
        try:
            if proposing:
                services.propose_decision(
                    request.user, application, kind=DecisionKind.REJECTION, reasons=reasons
                )
            else:
                services.reject_application(request.user, application, reasons=reasons)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if proposing:
                return _proposed(
                    request,
                    application,
                    _("The rejection is proposed. It is made when an approver has approved it."),
                )
            messages.success(
                request,
                _("The application is rejected. %(organisation)s is told by e-mail.")
                % {"organisation": application.organisation.name},
            )
            return redirect(_workspace_url(application.pk, "decisions"))
    return _workspace(request, application, reject_form=form, decision_tab="reject")


def handle_appeal(request, pk):
    appeal = _case(
        request,
        Appeal.objects.select_related("decision"),
        f"decision__application__{APPLICATION_TO_BODY}",
        pk=pk,
    )
    application = _application(request, appeal.decision.application_id)
    if request.method != "POST":
        return redirect(_workspace_url(application.pk, f"appeal-{appeal.pk}"))
    form = AppealForm(request.POST, prefix=_appeal_prefix(appeal.pk))
    if form.is_valid():
        try:
            services.handle_appeal(request.user, appeal, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The appeal is handled. The organisation is told by e-mail.")
            )
            return redirect(_workspace_url(application.pk, "decisions"))
    return _workspace(request, application, appeal_form=(appeal.pk, form))


# --- the round's portfolio ---------------------------------------------------------------------


# Where a sent application stands in the portfolio, decided in the database.
AWARDED, PROPOSED, REJECTED, CANDIDATE = "awarded", "proposed", "rejected", "candidate"
STANDING = Case(
    When(status=ApplicationStatus.AWARDED, award__isnull=False, then=Value(AWARDED)),
    When(status=ApplicationStatus.REJECTED, then=Value(REJECTED)),
    When(assessment__proposed=True, then=Value(PROPOSED)),
    default=Value(CANDIDATE),
)
# What an application counts with in the portfolio: its award, else the amount proposed.
PORTFOLIO_AMOUNT = Case(
    When(standing=AWARDED, then="award__amount"), default="assessment__proposed_amount"
)
IN_PORTFOLIO = (AWARDED, PROPOSED)
# The portfolio's two lists (``?show=``), each a page at a time, in their orders.
RANKED, CANDIDATES = "ranked", "candidates"
LIST_ORDER = {
    RANKED: (
        Coalesce("assessment__rank", 10_000).asc(),
        Coalesce("total_score", 0).desc(),
        "organisation__name",
        "id",
    ),
    CANDIDATES: (F("total_score").desc(nulls_last=True), "organisation__name", "id"),
}
# What a row reads: not the application's texts, nor the organisation's profile.
PORTFOLIO_FIELDS = (
    "round_id", "status", "amount", "organisation__name", "organisation__county",
    "assessment__proposed", "assessment__rank", "assessment__proposed_amount", "award__amount",
)  # fmt: skip


def _sent(round_id):
    """The call's sent applications, each with its ``standing`` and ``total_score``. The call
    is one the caseworker's body runs (``_round``, ``_application`` checked it), so all its
    applications are theirs to see: no visibility joins in the queries over the whole call."""
    return (
        Application.objects.filter(round_id=round_id)
        .exclude(status__in=[ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN])
        .annotate(standing=STANDING)
        .with_total_score()
    )


def _spread(groups, label):
    """[(label, count, sum)] from (key, count, sum) groups, added up per label (each key
    labelled once), most first."""
    label = cache(label)
    counts, sums = defaultdict(int), defaultdict(lambda: ZERO)
    for key, count, amount in groups:
        counts[label(key)] += count
        sums[label(key)] += amount or ZERO
    return sorted(
        ((name, counts[name], sums[name]) for name in counts),
        key=lambda row: (-row[1], str(row[0])),
    )


def _membership_label(member_based):
    if member_based:
        return _("member-based")
    if member_based is False:
        return _("not member-based")
    return _("not recorded")


def _county_label(code):
    return COUNTY_NAMES.get(code or "") or _("not recorded")


def _target_group_label(names):
    """The label of a target group from its (name_nb, name_en), as the model names it."""
    if names[0] is None:
        return _("none")
    return str(TargetGroup(name_nb=names[0], name_en=names[1]))


@kept(params=["round_id"])
def _standing_groups(round_id):
    """The call's sent applications counted and summed per standing, county and kind of
    organisation."""
    return (
        _sent(round_id)
        .order_by()
        .values("standing", "organisation__county", "organisation__member_based")
        .annotate(count=Count("id"), amount=Sum(PORTFOLIO_AMOUNT))
    )


@kept(params=["round_id"])
def _target_group_sums(round_id):
    """The call's portfolio counted and summed per target group (names in both languages)."""
    return (
        _sent(round_id)
        .filter(standing__in=IN_PORTFOLIO)
        .order_by()
        .values_list("target_groups__name_nb", "target_groups__name_en")
        .annotate(count=Count("id"), amount=Sum(PORTFOLIO_AMOUNT))
    )


@kept(params=["round_id"])
def _portfolio_rows(show, awarded_apart, bottom, round_id):
    """The page of the list ``show`` from its ``bottom``-th row."""
    listed = _sent(round_id).filter(standing__in=_listed(show, awarded_apart))
    listed = listed.select_related("organisation", "assessment", "award").only(*PORTFOLIO_FIELDS)
    return listed.order_by(*LIST_ORDER[show])[bottom : bottom + PAGE_SIZE]


def _portfolio_summary(round_id) -> dict:
    """The whole call's counts, total and spreads, summed in the database (one row per
    standing, county and kind of organisation; one per target group), whichever page shows."""
    groups = list(_standing_groups(round_id=round_id))
    counts, sums = defaultdict(int), defaultdict(lambda: ZERO)
    for group in groups:
        counts[group["standing"]] += group["count"]
        sums[group["standing"]] += group["amount"] or ZERO
    in_portfolio = [group for group in groups if group["standing"] in IN_PORTFOLIO]
    target_groups = _target_group_sums(round_id=round_id)
    return {
        "counts": {
            **{standing: counts[standing] for standing in (*IN_PORTFOLIO, REJECTED, CANDIDATE)},
            "portfolio": counts[AWARDED] + counts[PROPOSED],
        },
        "awarded_total": sums[AWARDED],
        "total": sums[AWARDED] + sums[PROPOSED],
        "by_county": _spread(
            ((g["organisation__county"], g["count"], g["amount"]) for g in in_portfolio),
            _county_label,
        ),
        "by_membership": _spread(
            ((g["organisation__member_based"], g["count"], g["amount"]) for g in in_portfolio),
            _membership_label,
        ),
        "by_target_group": _spread(
            (((nb, en), count, amount) for nb, en, count, amount in target_groups),
            _target_group_label,
        ),
    }


def _listed(show, awarded_apart) -> list:
    """The standings a list shows. Awarded applications are ranked among the proposals while
    they are few; when a call has many, the list keeps to the proposals still to decide."""
    if show == CANDIDATES:
        return [CANDIDATE]
    return [PROPOSED] if awarded_apart else list(IN_PORTFOLIO)


def _place(sent, pk, awarded_apart=None):
    """(list, page number) where the application's row is now, or None (rejected, gone).
    Whether the awards are listed apart is counted here when not given."""
    ranked = list(
        sent.filter(standing__in=IN_PORTFOLIO)
        .order_by(*LIST_ORDER[RANKED])
        .values_list("pk", "standing")
    )
    if awarded_apart is None:
        awarded_apart = sum(standing == AWARDED for _pk, standing in ranked) > AWARDED_LISTED
    listed = _listed(RANKED, awarded_apart)
    show, pks = RANKED, [row for row, standing in ranked if standing in listed]
    if pk not in pks:
        candidates = sent.filter(standing=CANDIDATE).order_by(*LIST_ORDER[CANDIDATES])
        show, pks = CANDIDATES, list(candidates.values_list("pk", flat=True))
    return (show, pks.index(pk) // PAGE_SIZE + 1) if pk in pks else None


def _list_query(show, number=1) -> str:
    """The query string of a list's page (none for the ranked list's first)."""
    params = {"show": show} if show == CANDIDATES else {}
    if number > 1:
        params["page"] = number
    return urlencode(params)


def _portfolio_url(application) -> str:
    """The portfolio's page that shows the application's row, scrolled to it."""
    place = _place(_sent(application.round_id), application.pk)
    query = _list_query(*(place or (RANKED,)))
    url = reverse("grants:portfolio", args=[application.round_id])
    return f"{url}{'?' if query else ''}{query}#row-{application.pk}"


def _attach_inputs(application, inputs, bound_form, show):
    """The rank and amount inputs of a row that can be proposed or re-ranked (``inputs``);
    the row whose proposal was refused keeps what the caseworker typed, with the errors. In
    the ranked list the rank sits in its own cell, outside the row's form."""
    if getattr(application, "assessment", None) is None or application.standing == AWARDED:
        return
    if bound_form is None:
        values, errors = ProposalForm.row_values(application), {}
    else:
        values = {name: bound_form[name].value() for name in ROW_FIELDS}
        errors = {name: bound_form[name].errors for name in ROW_FIELDS}
    organisation = {"name": application.organisation.name}
    pk = application.pk
    application.form_id = f"propose-{pk}"
    rank, amount = inputs["rank"], inputs["proposed_amount"]
    application.inputs = {
        "rank": rank.render(
            pk,
            values["rank"],
            errors.get("rank"),
            _("Rank of %(name)s") % organisation,
            form=application.form_id if show == RANKED else "",
            help_id="rank-help",
        ),
        "proposed_amount": amount.render(
            pk,
            values["proposed_amount"],
            errors.get("proposed_amount"),
            _("Proposed amount for %(name)s") % organisation,
        ),
    }
    application.non_field_errors = bound_form.non_field_errors() if bound_form else ()


def _show_cells(application):
    """The row's cells as shown (its links, county, score and amounts), written here: a page
    has dozens of rows, each a handful of tags and filters in the template."""
    application.url = reverse("grants:review_application", args=[application.pk])
    application.county = _county_cell(application.organisation.county)
    application.score = "–" if application.total_score is None else application.total_score
    application.applied = format_nok(application.amount)
    if getattr(application, "inputs", None):
        application.propose_url = reverse("grants:propose", args=[application.pk])
    elif application.standing == AWARDED:
        application.awarded = _("awarded %(amount)s") % {
            "amount": format_nok(application.award.amount)
        }


def _portfolio_page(request, round_, bound=None):
    """The call's portfolio: its totals and spreads, and one page of one list (the proposals
    by rank, or the applications not proposed by score) with inputs on each row. With
    ``bound`` = (pk, refused form) it shows the page holding that row, with the errors."""
    summary = _portfolio_summary(round_.pk)
    counts = summary["counts"]
    awarded_apart = counts[AWARDED] > AWARDED_LISTED
    show = CANDIDATES if request.GET.get("show") == CANDIDATES else RANKED
    number = request.GET.get("page")
    bound_pk, bound_form = bound or (None, None)
    if bound_pk is not None:
        show, number = _place(_sent(round_.pk), bound_pk, awarded_apart) or (show, number)
    sizes = {
        shown: sum(counts[standing] for standing in _listed(shown, awarded_apart))
        for shown in (RANKED, CANDIDATES)
    }
    # The summary has counted the list: no COUNT query; the page's rows by a kept query.
    page = Paginator(range(sizes[show]), PAGE_SIZE).get_page(number)
    bottom = (page.number - 1) * PAGE_SIZE
    page.object_list = list(_portfolio_rows(show, awarded_apart, bottom, round_id=round_.pk))
    inputs = ProposalForm.row_inputs(PROPOSE)
    for application in page.object_list:
        bound_here = bound_form if application.pk == bound_pk else None
        _attach_inputs(application, inputs, bound_here, show)
        _show_cells(application)
    return render(
        request,
        "grants/caseworker/portfolio.html",
        {
            **summary,
            "round": round_,
            "show": show,
            "sizes": sizes,
            "page": page,
            "query": _list_query(show),
            "list_url": reverse("grants:portfolio", args=[round_.pk]),
            "inputs": inputs,
            "awarded_apart": awarded_apart,
            "budget": _budget(round_.scheme_year),
            "bound_form": bound_form,
        },
    )


def portfolio(request, pk):
    return _portfolio_page(request, _round(request, pk))


# --- the award: money out and back, change notices ---------------------------------------------


def _unpaid_instalments(award):
    """The instalments still to pay that no attested payment waits on."""
    return (
        Instalment.objects.filter(award=award, disbursement__isnull=True)
        .exclude(attestations__status=AttestationStatus.ATTESTED)
        .order_by("number")
    )


def _clawbacks(award) -> list:
    """The award's clawbacks (also set as ``award.clawbacks``: ``award.reclaimable()`` reads
    them) with their repayments and their decisions' appeals, each read only when there is
    any."""
    clawbacks = []
    if award.has_clawbacks:
        clawbacks = list(
            award.clawbacks.select_related("decision")
            .annotate(
                has_repayments=Exists(Repayment.objects.filter(clawback=OuterRef("pk"))),
                has_appeals=Exists(Appeal.objects.filter(decision=OuterRef("decision_id"))),
            )
            .order_by("decision__decided_at", "id")
        )
        prefetch_where(clawbacks, "has_repayments", WITH_REPAYMENTS)
        for clawback in clawbacks:
            clawback.decision.has_appeals = clawback.has_appeals
        decisions = [clawback.decision for clawback in clawbacks]
        prefetch_where(decisions, "has_appeals", WITH_APPEALS)
    set_prefetched(award, "clawbacks", clawbacks)
    return clawbacks


@kept(params=["organisation_id"])
def _accounts_of(organisation_id):
    """The organisation's bank accounts, the current and the earlier."""
    accounts = PayoutAccount.objects.filter(organisation_id=organisation_id)
    return accounts.select_related("entered_by", "confirmed_by")


def _award_page(request, award, **bound):
    user = request.user
    report = award.report
    # award.reclaimable() reads the disbursements too; award.reserved() and payment_problem
    # the attestations.
    prefetch_related_objects(
        [award], WITH_INSTALMENTS, WITH_DISBURSEMENTS, WITH_ATTESTATIONS, WITH_NOTICES
    )
    instalments = list(award.instalments.all())
    disbursements = list(award.disbursements.all())
    attestations = list(award.attestations.all())
    clawbacks = _clawbacks(award)
    repayment_pk, repayment_form = bound.get("repayment_form", (None, None))
    for clawback in clawbacks:
        if clawback.workflow.decide(user, clawback, "repay"):
            clawback.form = (
                repayment_form
                if clawback.pk == repayment_pk
                else RepaymentForm(prefix=_repayment_prefix(clawback.pk))
            )
    notice_pk, notice_form = bound.get("notice_form", (None, None))
    notices = list(award.change_notices.all())
    for notice in notices:
        if notice.workflow.decide(user, notice, "handle"):
            notice.form = (
                notice_form
                if notice.pk == notice_pk
                else ChangeNoticeForm(prefix=_notice_prefix(notice.pk))
            )
    next_unpaid = next((i for i in instalments if i.is_payable), None)
    accounts = list(_accounts_of(organisation_id=award.application.organisation_id))
    payout_account = next((account for account in accounts if account.is_current), None)
    context = {
        "award": award,
        "payout_account": payout_account,
        "earlier_accounts": [account for account in accounts if not account.is_current],
        "payment_problem": services.payment_problem(award, payout_account),
        "confirmation_problem": payout_account
        and services.confirmation_problem(request.user, payout_account),
        "may_show_account": payout_account
        and services.may_show_full_account_number(request.user, payout_account),
        "application": award.application,
        "report": report,
        "instalments": instalments,
        "disbursements": disbursements,
        "attestations_waiting": [a for a in attestations if a.is_open],
        "clawback_proposals": list(
            award.proposals.filter(status=ProposalStatus.PROPOSED).select_related("proposed_by")
        )
        if award.has_proposals
        else [],
        "proposing_clawback": award.application.round.scheme_year.scheme.clawbacks_need_approval,
        "attestations_refused": [a for a in attestations if a.is_refused],
        "case_file": _case_file(award.application, annotated=award),
        "disbursed": award.disbursed(),
        "left_to_pay": award.left_to_pay(),
        "clawbacks": clawbacks,
        "reclaimable": award.reclaimable(),
        "notices": notices,
        "disburse_form": bound.get("disburse_form")
        or DisbursementForm(
            prefix=DISBURSE,
            instalments=_unpaid_instalments(award),
            initial={"instalment": next_unpaid},
        ),
        "clawback_form": bound.get("clawback_form")
        or ClawbackForm(
            prefix=CLAWBACK,
            initial={"due_on": timezone.localdate() + datetime.timedelta(days=30)},
        ),
    }
    return render(request, "grants/caseworker/award.html", context)


def review_award(request, pk):
    return _award_page(request, _award(request, pk))


def disburse(request, pk):
    award = _award(request, pk)
    if request.method != "POST":
        return redirect(_award_url(award.pk, "disburse"))
    form = DisbursementForm(request.POST, prefix=DISBURSE, instalments=_unpaid_instalments(award))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.attest_payment(
                request.user,
                award,
                amount=data["amount"],
                pay_on=data["pay_on"],
                instalment=data["instalment"],
                form_token=form.pop_form_token(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The payment of %(amount)s is attested. It is paid when an approver has "
                  "approved it for payment.")
                % {"amount": format_nok(data["amount"])},
            )  # fmt: skip
            return redirect(_award_url(award.pk, "payments"))
    return _award_page(request, award, disburse_form=form)


def confirm_payout_account(request, pk, account_pk):
    """Confirm the account the caseworker saw on the award page (by its id: if the
    organisation has given another since, the service refuses)."""
    award = _award(request, pk)
    if request.method != "POST":
        return redirect(_award_url(award.pk, "payout-account"))
    account = get_visible_or_404(
        PayoutAccount.objects.filter(organisation_id=award.application.organisation_id),
        request.user,
        pk=account_pk,
    )
    try:
        services.confirm_payout_account(request.user, account)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The account is confirmed. Payments to the organisation go to it from now on."),
        )
    return redirect(_award_url(award.pk, "payout-account"))


def clawback(request, pk):
    award = _award(request, pk)
    if request.method != "POST":
        return redirect(_award_url(award.pk, "clawback"))
    form = ClawbackForm(request.POST, prefix=CLAWBACK)
    if form.is_valid() and award.application.round.scheme_year.scheme.clawbacks_need_approval:
        data = form.cleaned_data
        try:
            services.propose_decision(
                request.user,
                award.application,
                kind=DecisionKind.CLAWBACK,
                award=award,
                amount=data["amount"],
                reasons=data["reasons"],
                repay_by=data["due_on"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The clawback is proposed. It is made when an approver has approved it."),
            )
            return redirect(_award_url(award.pk, "clawbacks"))
    elif form.is_valid():
        try:
            services.open_clawback(request.user, award, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The clawback is decided. The organisation is told by e-mail and may appeal."),
            )
            return redirect(_award_url(award.pk, "clawbacks"))
    return _award_page(request, award, clawback_form=form)


def repayment(request, pk):
    clawback_ = _case(request, Clawback.objects.all(), f"award__{AWARD_TO_BODY}", pk=pk)
    award = _award(request, clawback_.award_id)
    if request.method != "POST":
        return redirect(_award_url(award.pk, f"clawback-{clawback_.pk}"))
    form = RepaymentForm(request.POST, prefix=_repayment_prefix(clawback_.pk))
    if form.is_valid():
        try:
            services.record_repayment(request.user, clawback_, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The repayment of %(amount)s is recorded.")
                % {"amount": format_nok(form.cleaned_data["amount"])},
            )
            return redirect(_award_url(award.pk, f"clawback-{clawback_.pk}"))
    return _award_page(request, award, repayment_form=(clawback_.pk, form))


def handle_change_notice(request, pk):
    notice = _case(request, ChangeNotice.objects.all(), f"award__{AWARD_TO_BODY}", pk=pk)
    award = _award(request, notice.award_id)
    if request.method != "POST":
        return redirect(_award_url(award.pk, f"notice-{notice.pk}"))
    form = ChangeNoticeForm(request.POST, prefix=_notice_prefix(notice.pk))
    if form.is_valid():
        try:
            services.handle_change_notice(request.user, notice, form.cleaned_data["outcome"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The change notice is handled. The organisation is told by e-mail.")
            )
            return redirect(_award_url(award.pk, "change-notices"))
    return _award_page(request, award, notice_form=(notice.pk, form))


# --- the grant report ------------------------------------------------------------------------


@kept_per_access(params=["pk"])
def _report_case(user, pk):
    reports = GrantReport.objects.select_related(
        "award__application__organisation", "award__application__round__scheme_year__scheme"
    ).prefetch_related(
        Prefetch("goal_results", queryset=GoalResult.objects.select_related("goal")),
        "account_lines",
        "award__disbursements",  # what is paid out, which the page shows
    )
    return _administered_case(user, reports, f"award__{AWARD_TO_BODY}", pk)


def review_report(request, pk):
    report = _kept_case(request, _report_case, pk)
    return_form = ReturnReportForm(prefix=RETURN)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "approve":
            try:
                services.approve_report(request.user, report)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request, _("The report is approved. The organisation is told by e-mail.")
                )
            return redirect("grants:review_report", pk=report.pk)
        if action == "return":
            return_form = ReturnReportForm(request.POST, prefix=RETURN)
            if return_form.is_valid():
                try:
                    services.return_report(
                        request.user, report, return_form.cleaned_data["comment"]
                    )
                except ValidationError as error:
                    add_service_errors(return_form, error)
                else:
                    messages.success(
                        request,
                        _("The report is returned with your comments. The organisation is "
                          "told by e-mail."),
                    )  # fmt: skip
                    return redirect("grants:review_report", pk=report.pk)
    lines = list(report.account_lines.all())
    award = report.award
    return render(
        request,
        "grants/caseworker/report.html",
        {
            "report": report,
            "award": award,
            "application": award.application,
            "case_file": _case_file(award.application),
            "goal_results": list(report.goal_results.all()),
            "income_lines": [line for line in lines if line.kind == LineKind.INCOME],
            "expense_lines": [line for line in lines if line.kind == LineKind.EXPENSE],
            "totals": report.totals(),
            "needs_audit": award.needs_audit,
            "return_form": return_form,
            "under_review": report.workflow.decide(request.user, report, "approve"),
        },
    )


# --- approvals: the second person on decisions and payments ------------------------------------

APPROVALS_PAGE_SIZE = 20
PROPOSAL_TO_BODY = f"application__{APPLICATION_TO_BODY}"
ATTESTATION_TO_BODY = f"award__{AWARD_TO_BODY}"


def _approver_bodies(request):
    """The administering bodies the user approves for; 403 for anyone who approves for none
    (a caseworker without the approver role included)."""
    require_role(request.user, Role.CASEWORKER)
    bodies = approver_bodies(request.user)
    if not bodies:
        raise PermissionDenied
    return bodies


def _approvals_page(request, bound=None):
    """Decisions proposed and payments attested in the bodies the user approves for, waiting,
    the oldest first (each list paginated on its own); ``bound`` = (attestation id, form)."""
    user = request.user
    bodies = _approver_bodies(request)
    proposals = (
        DecisionProposal.objects.filter(
            status=ProposalStatus.PROPOSED, **{f"{PROPOSAL_TO_BODY}__in": bodies}
        )
        .select_related(
            "application__organisation",
            "application__round__scheme_year__scheme",
            "proposed_by",
        )
        .order_by("proposed_at", "id")
    )
    attestations = (
        PaymentAttestation.objects.filter(
            status=AttestationStatus.ATTESTED, **{f"{ATTESTATION_TO_BODY}__in": bodies}
        )
        .select_related(
            "award__application__organisation",
            "award__application__round__scheme_year__scheme",
            "attested_by",
            "instalment",
            "account",
        )
        .order_by("attested_at", "id")
    )
    proposal_page = Paginator(proposals, APPROVALS_PAGE_SIZE).get_page(request.GET.get("page"))
    payment_page = Paginator(attestations, APPROVALS_PAGE_SIZE).get_page(
        request.GET.get("payments")
    )
    for proposal in proposal_page:
        proposal.may_approve = bool(PROPOSAL_FLOW.decide(user, proposal, "approve"))
    bound_pk, bound_form = bound or (None, None)
    for attestation in payment_page:
        attestation.problem = services.approval_problem(user, attestation)
        attestation.refuse_form = RefusePaymentForm(prefix=f"refuse-{attestation.pk}")
        attestation.approve_form = ApprovePaymentForm(prefix=f"approve-{attestation.pk}")
        if attestation.pk == bound_pk:
            name = "refuse_form" if isinstance(bound_form, RefusePaymentForm) else "approve_form"
            setattr(attestation, name, bound_form)
    return render(
        request,
        "grants/caseworker/approvals.html",
        {"proposal_page": proposal_page, "payment_page": payment_page},
    )


def approvals(request):
    return _approvals_page(request)


def _proposal(request, pk):
    queryset = DecisionProposal.objects.select_related(
        "application__organisation",
        "application__round__scheme_year__scheme",
        "application__assessment",
        "application__caseworker",
        "proposed_by",
        "handled_by",
        "award",
        "decision",
    )
    return _case(request, queryset, PROPOSAL_TO_BODY, pk=pk)


def _proposal_page(request, proposal, return_form=None):
    user = request.user
    application = proposal.application
    scheme_year = application.round.scheme_year
    steps = {name: PROPOSAL_FLOW.decide(user, proposal, name) for name in ("approve", "return")}
    context = {
        "proposal": proposal,
        "application": application,
        "organisation": application.organisation,
        "case_file": _case_file(application),
        "assessment": getattr(application, "assessment", None),
        "plan": services.plan_of(proposal),
        "budget": _budget(scheme_year),
        "room": services.yearly_room(application.organisation_id, scheme_year),
        "may_approve": steps["approve"],
        "may_return": steps["return"],
        # Why an approver of the body may not act (the proposer: their own proposal).
        "refusal": next(
            (step.reason for step in steps.values() if step.permitted and step.reason), ""
        ),
        "may_withdraw": PROPOSAL_FLOW.decide(user, proposal, "withdraw"),
        "return_form": return_form or ReturnProposalForm(prefix=RETURN),
    }
    if proposal.award_id:
        context["reclaimable"] = proposal.award.reclaimable()
        context["disbursed"] = proposal.award.disbursed()
    return render(request, "grants/caseworker/proposal.html", context)


def proposal(request, pk):
    return _proposal_page(request, _proposal(request, pk))


def proposal_step(request, pk, step):
    """Approve, send back or withdraw a proposed decision (POST)."""
    proposal_ = _proposal(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    application = proposal_.application
    if step == "approve":
        try:
            decision = services.approve_proposal(request.user, proposal_)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("grants:proposal", pk=proposal_.pk)
        messages.success(
            request,
            _("The decision is approved and made. %(organisation)s is told by e-mail.")
            % {"organisation": application.organisation.name},
        )
        if decision.kind == DecisionKind.AWARD:
            return redirect("grants:review_award", pk=decision.award.pk)
        return redirect(_workspace_url(application.pk, "decisions"))
    if step == "return":
        form = ReturnProposalForm(request.POST, prefix=RETURN)
        if form.is_valid():
            try:
                services.return_proposal(request.user, proposal_, form.cleaned_data["comment"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("The proposal is sent back to %(person)s.")
                    % {"person": proposal_.proposed_by}
                )  # fmt: skip
                return redirect("grants:approvals")
        return _proposal_page(request, proposal_, return_form=form)
    if step == "withdraw":
        try:
            services.withdraw_proposal(request.user, proposal_)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The proposal is withdrawn."))
        return redirect(_workspace_url(application.pk, "decision"))
    raise Http404


def attestation_step(request, pk, step):
    """Approve an attested payment for payment, or refuse it (POST), from the approvals page."""
    access = require_role(request.user, Role.CASEWORKER)
    attestation = get_object_or_404(
        access.administered(
            PaymentAttestation.objects.select_related(
                "award__application__organisation", "award__application__round__scheme_year"
            ),
            ATTESTATION_TO_BODY,
        ),
        pk=pk,
    )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if step == "approve":
        form = ApprovePaymentForm(request.POST, prefix=f"approve-{attestation.pk}")
        if form.is_valid():
            try:
                services.approve_payment(
                    request.user, attestation, paid_on=form.cleaned_data["paid_on"]
                )
            except ValidationError as error:
                if not hasattr(error, "error_dict"):  # not the date: said above the lists
                    messages.error(request, " ".join(error.messages))
                    return redirect("grants:approvals")
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The payment of %(amount)s to %(organisation)s is approved and recorded.")
                    % {
                        "amount": format_nok(attestation.amount),
                        "organisation": attestation.award.application.organisation.name,
                    },
                )
                return redirect("grants:approvals")
        # The date given is kept, with what is wrong with it.
        return _approvals_page(request, bound=(attestation.pk, form))
    if step == "refuse":
        form = RefusePaymentForm(request.POST, prefix=f"refuse-{attestation.pk}")
        if form.is_valid():
            try:
                services.refuse_payment(request.user, attestation, form.cleaned_data["comment"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The payment is refused; the attester is told."))
                return redirect("grants:approvals")
        return _approvals_page(request, bound=(attestation.pk, form))
    raise Http404
