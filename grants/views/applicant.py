"""The organisation's side of a grant: calls, the application in steps, the award letter,
appeals, change notices and the grant report with its accounts.

Every object is fetched through its queryset's ``visible_to(user)`` (get_visible_or_404), so
another organisation's case, and a call it may not apply to, answers 404. Changes are made
only by the organisation's own people: a caseworker, who can see the case, gets 403 on these
forms and is sent to the caseworker's pages from the application, award and report pages.
"""

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from grants import records, services, steps
from grants.dashboard import open_calls
from grants.forms.applicant import (
    ActivitiesForm,
    AmountForm,
    AppealForm,
    AttachmentForm,
    AuditorForm,
    ChangeNoticeForm,
    NeedsForm,
    PayoutAccountForm,
    ReportActivitiesForm,
    ResultsForm,
    WithdrawForm,
    accounts_formset,
    budget_formset,
)
from grants.models import (
    MAX_ATTACHMENTS,
    Application,
    Attachment,
    Award,
    ChangeNotice,
    Clawback,
    ClawbackStatus,
    Decision,
    DecisionKind,
    Disbursement,
    GoalResult,
    GrantReport,
    Instalment,
    PayoutAccount,
    Round,
)
from grants.services.applications import receipt_of
from organisations.models import Organisation
from scheme.compiled import kept, kept_per_access
from scheme.models import Goal, in_language
from scheme.once import AlreadySent
from scheme.prefetch import prefetch_lists
from scheme.records.models import DocumentType, RegistryEntry
from scheme.roles import OrganisationKind, Role, access_for, require_role
from scheme.storage import ALLOWED, MAX_UPLOAD_BYTES, download
from scheme.web import (
    add_formset_errors,
    add_service_errors,
    counted_page,
    get_visible_or_404,
    only_or_404,
    paginate_counted,
)

# --- access ----------------------------------------------------------------------------------


def _participant_ids(user) -> set[int]:
    return access_for(user).organisation_ids(OrganisationKind.PARTICIPANT)


def _require_own(request, organisation_id):
    """Only the organisation's own people act for it. Outsiders never get this far (the
    object is not visible to them: 404); a caseworker, who can see it, gets 403."""
    if organisation_id not in _participant_ids(request.user):
        raise PermissionDenied


def _caseworker_page(request, name, pk):
    """Caseworkers follow the same links as organisations and land on their own page."""
    if access_for(request.user).is_caseworker:
        return redirect(name, pk=pk)
    return None


def _applications():
    return Application.objects.select_related(
        # (its assessment: whether the caseworker confirmed the purpose, for the eligibility)
        "round__scheme_year__scheme__administrator",
        "organisation",
        "assessment",
    )


def _with_parts(queryset):
    """With the budget, the documents and the organisation's previous applications (which
    the eligibility check reads), each read by a kept query; the lists of target groups and
    competence needs come after, in one (``_with_lists``)."""
    return queryset.prefetch_related(
        "budget_lines", "attachments", "organisation__previous_applications"
    )


APPLICATION_LISTS = ("target_groups", "competence_needs")


def _with_lists(application):
    """The application with its target groups and competence needs (``prefetch_lists``)."""
    prefetch_lists([application], APPLICATION_LISTS)
    return application


@kept_per_access(params=["pk"])
def _application_with_parts(user, pk):
    """The application ``pk`` if the user sees it, with its parts (``_with_parts``)."""
    return _with_parts(_applications()).visible_to(user).filter(pk=pk)


def _own_application(request, pk, with_parts=False):
    """The application of one of the user's organisations (403 for a caseworker)."""
    if with_parts:
        application = _with_lists(only_or_404(_application_with_parts(request.user, pk=pk)))
    else:
        application = get_visible_or_404(_applications(), request.user, pk=pk)
    _require_own(request, application.organisation_id)
    return application


def _reports():
    return GrantReport.objects.select_related(
        "award__application__organisation",
        "award__application__round__scheme_year__scheme__administrator",
    )


@kept_per_access(params=["pk"])
def _report_with_parts(user, pk):
    """The grant report ``pk`` if the user sees it, with its parts (``_with_report_parts``)."""
    return _with_report_parts(_reports()).visible_to(user).filter(pk=pk)


def _own_report(request, pk):
    """The grant report of one of the user's organisations, with its parts (403 for a
    caseworker)."""
    report = only_or_404(_report_with_parts(request.user, pk=pk))
    _require_own(request, report.award.application.organisation_id)
    return report


def _service_error(request, error: ValidationError):
    messages.error(request, " ".join(error.messages))


def _file_error(form, field, error: ValidationError):
    """An upload's error belongs under the file field, unless the service names a field or
    the form was sent before."""
    if hasattr(error, "error_dict") or isinstance(error, AlreadySent):
        add_service_errors(form, error)
    else:
        form.add_error(field, error.messages)


def _mark_appealable(decisions):
    """Set ``appealable`` on decisions whose appeals are prefetched (``appeal_refusal``)."""
    for decision in decisions:
        decision.appealable = not decision.appeal_refusal()
    return decisions


def _case_file(application):
    """The case file of the application (its case number heads every page of the case), or
    None before it is sent."""
    return records.case_file_of(application)


def _upload_limits():
    return {"allowed_types": ALLOWED, "max_upload_bytes": MAX_UPLOAD_BYTES}


# --- home --------------------------------------------------------------------------------------


def home(request):
    """The organisation's grants: calls open to it, its applications, awards and reports."""
    access = access_for(request.user)
    if access.is_caseworker:
        return redirect("grants:review")
    require_role(request.user, Role.MEMBER)
    user = request.user
    organisations = list(_own_organisations(user))
    accounts = {account.organisation_id: account for account in _current_accounts(user)}
    for organisation in organisations:
        organisation.payout_account = accounts.get(organisation.pk)
        organisation.may_give_account = services.may_give_payout_account(user, organisation)
    return render(
        request,
        "grants/applicant/home.html",
        {
            "organisations": organisations,
            "several": len(organisations) > 1,
            "open_calls": open_calls(user, organisations),
            "page": paginate_counted(request, read=partial(_own_applications_page, user)),
            "awards": list(_own_awards(user)),
        },
    )


@kept_per_access
def _own_organisations(user):
    """The user's participant organisations, by name (with their previous applications, which
    the calls' rules read)."""
    organisations = Organisation.objects.filter(pk__in=_participant_ids(user))
    return organisations.prefetch_related("previous_applications").order_by("name")


@kept_per_access
def _current_accounts(user):
    accounts = PayoutAccount.objects.current().filter(organisation_id__in=_participant_ids(user))
    return accounts.select_related("confirmed_by")


@kept_per_access
def _own_applications_page(user, number):
    """Page ``number`` of the applications of the user's organisations, newest call first."""
    applications = (
        Application.objects.visible_to(user)
        .filter(organisation_id__in=_participant_ids(user))
        .select_related("round__scheme_year", "organisation", "award__report")
        .order_by("-round__opens_on", "organisation__name", "-id")
    )
    return counted_page(applications, number)


@kept_per_access
def _own_awards(user):
    """The awards of the user's organisations, with their open claims back."""
    return (
        Award.objects.visible_to(user)
        .filter(application__organisation_id__in=_participant_ids(user))
        .select_related("application__organisation", "application__round", "report")
        .prefetch_related(
            Prefetch(
                "clawbacks",
                queryset=Clawback.objects.filter(status=ClawbackStatus.OPEN),
                to_attr="open_clawbacks",
            )
        )
        .order_by("-application__round__opens_on", "application__organisation__name")
    )


@require_POST
def start(request, pk, organisation_pk):
    organisation = get_visible_or_404(
        Organisation.objects.filter(pk__in=_participant_ids(request.user)),
        request.user,
        pk=organisation_pk,
    )
    round_ = get_visible_or_404(Round.objects.select_related("scheme_year"), request.user, pk=pk)
    existing = Application.objects.filter(round=round_, organisation=organisation).first()
    if existing is not None:
        messages.info(request, _("You have already started an application to this call."))
        return redirect("grants:application", pk=existing.pk)
    try:
        application = services.start_application(request.user, round_, organisation)
    except ValidationError as error:
        _service_error(request, error)
        return redirect("grants:home")
    messages.success(
        request,
        _(
            "The application is started. It is saved as a draft every time you press Save, "
            "so you can stop and come back later."
        ),
    )
    return redirect("grants:application_edit", pk=application.pk, step="amount")


# --- the application ---------------------------------------------------------------------------


def _needs_filled(application) -> set[str]:
    """The optional needs step, when the organisation has filled it in anyway."""
    if application.competence_needs.all() or application.planned_collaborations.strip():
        return {"needs"}
    return set()


def _application_steps(application, current):
    return steps.step_list(
        steps.APPLICATION_STEPS,
        services.missing_for_submission(application),
        current=current,
        edit_url="grants:application_edit",
        pk=application.pk,
        send_url=reverse("grants:application_submit", args=[application.pk]),
        filled_optional=_needs_filled(application),
    )


@kept_per_access(params=["pk"])
def _application_page(user, pk):
    """The application ``pk`` if the user sees it, with what its page shows."""
    return (
        _with_parts(_applications())
        .select_related("award__report")
        .prefetch_related(
            Prefetch(
                "decisions",
                queryset=Decision.objects.select_related("decided_by").prefetch_related("appeals"),
            )
        )
        .visible_to(user)
        .filter(pk=pk)
    )


def application_detail(request, pk):
    redirected = _caseworker_page(request, "grants:review_application", pk)
    if redirected:
        return redirected
    application = _with_lists(only_or_404(_application_page(request.user, pk=pk)))
    decisions = _mark_appealable(list(application.decisions.all()))
    return render(
        request,
        "grants/applicant/application_detail.html",
        {
            "application": application,
            "scheme_year": application.round.scheme_year,
            "award": getattr(application, "award", None),
            "decisions": decisions,
            "withdraw_form": WithdrawForm(),
            "today": timezone.localdate(),
            "steps": _application_steps(application, None) if application.is_editable else None,
            "case_file": _case_file(application),
        },
    )


def _after_save(request, application, step):
    """Save stays on the step; "Save and continue" goes to the next one."""
    messages.success(request, _("Saved."))
    if "continue" in request.POST:
        following = steps.next_part(steps.APPLICATION_STEPS, step)
        if following:
            return redirect("grants:application_edit", pk=application.pk, step=following)
        return redirect("grants:application_submit", pk=application.pk)
    return redirect("grants:application_edit", pk=application.pk, step=step)


def _warn_of_missing(request, application, part):
    """After a save: what in this step still stops the sending (the service's check)."""
    for problem in services.missing_for_submission(application):
        if problem.part == part:
            messages.warning(request, problem.message)


def _step_amount(request, application):
    scheme_year = application.round.scheme_year
    lines = list(application.budget_lines.all())
    form = AmountForm(
        request.POST or None,
        scheme_year=scheme_year,
        room=services.yearly_room(application.organisation_id, scheme_year),
        initial={"amount": application.amount, "their_reference": application.their_reference},
    )
    formset = budget_formset(request.POST if request.method == "POST" else None, lines)
    if request.method == "POST":
        form_ok, formset_ok = form.is_valid(), formset.is_valid()
        if form_ok and formset_ok:
            amount = form.cleaned_data["amount"]
            try:
                # Both parts or neither: a rejected amount leaves the old budget too.
                with transaction.atomic():
                    services.save_application(
                        request.user,
                        application,
                        amount=amount,
                        their_reference=form.cleaned_data["their_reference"],
                    )
                    saved = services.save_budget(request.user, application, formset.lines())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                _warn_of_missing(request, saved, "amount")
                return _after_save(request, application, "amount")
        total = formset.running_total()
        amount = form.cleaned_data.get("amount") if form_ok else None
    else:
        total = application.budget_total
        amount = application.amount
    return _render_step(
        request,
        application,
        "amount",
        {
            "form": form,
            "formset": formset,
            "total": total,
            "amount": amount,
            "difference": (amount - total) if amount is not None else None,
            "room": form.room,
            "above_threshold": bool(amount and scheme_year.needs_audit(amount)),
        },
    )


def _step_activities(request, application):
    initial = {
        "planned_activities": application.planned_activities,
        "reach": application.reach,
        "people_reached": application.people_reached,
        "target_groups": list(application.target_groups.all()),
    }
    form = ActivitiesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_application(request.user, application, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _after_save(request, application, "activities")
    return _render_step(request, application, "activities", {"form": form})


def _step_needs(request, application):
    needs = list(application.competence_needs.all())
    prefilled = False
    if not needs and hasattr(application.organisation, "competence_needs"):
        needs = list(application.organisation.competence_needs.all())
        prefilled = bool(needs)
    initial = {
        "competence_needs": needs,
        "wants_mentor": application.wants_mentor,
        "planned_collaborations": application.planned_collaborations,
    }
    form = NeedsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_application(request.user, application, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _after_save(request, application, "needs")
    return _render_step(request, application, "needs", {"form": form, "prefilled": prefilled})


def _step_documents(request, application):
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            attachment = services.add_attachment(
                request.user,
                application,
                form.cleaned_data["kind"],
                form.cleaned_data["file"],
                form_token=form.pop_form_token(),
            )
        except ValidationError as error:
            _file_error(form, "file", error)
        else:
            messages.success(
                request, _("%(name)s is attached.") % {"name": attachment.original_name}
            )
            return redirect("grants:application_edit", pk=application.pk, step="documents")
    return _render_step(
        request,
        application,
        "documents",
        {
            "form": form,
            "required_documents": services.required_documents(application),
            "attachments_left": services.attachments_left(application),
            "max_attachments": MAX_ATTACHMENTS,
            **_upload_limits(),
        },
    )


APPLICATION_STEP_VIEWS = {
    "amount": _step_amount,
    "activities": _step_activities,
    "needs": _step_needs,
    "documents": _step_documents,
}


def _render_step(request, application, step, context):
    return render(
        request,
        f"grants/applicant/application_{step}.html",
        {
            "application": application,
            "scheme_year": application.round.scheme_year,
            **steps.where_in(steps.APPLICATION_STEPS, step),
            "steps": _application_steps(application, step),
            "case_file": _case_file(application),
            **context,
        },
    )


def application_edit(request, pk, step):
    view = APPLICATION_STEP_VIEWS.get(step)
    if view is None:
        raise Http404
    application = _own_application(request, pk, with_parts=True)
    may_edit = application.workflow.decide(request.user, application, "edit")
    if not may_edit:
        messages.info(request, may_edit.reason)
        return redirect("grants:application", pk=application.pk)
    return view(request, application)


def application_submit(request, pk):
    """GET: the review before sending: every answer, the budget, the documents and what is
    still missing (the send button is enabled only when nothing is). POST: send, and show
    the receipt."""
    application = _own_application(request, pk, with_parts=True)
    if not application.is_editable:
        messages.info(request, _("The application has already been sent."))
        return redirect("grants:application", pk=application.pk)
    not_sent = None
    if request.method == "POST":
        resubmission = application.awaits_answer
        try:
            services.submit_application(request.user, application)
        except ValidationError as error:
            not_sent = error.messages
        else:
            if resubmission:
                text = _(
                    "The application is sent back to the caseworker with your answer. You get "
                    "an e-mail when there is news."
                )
            else:
                text = _(
                    "The application is sent. We have e-mailed you a receipt. The caseworker "
                    "assesses the applications after the call closes, and you get an e-mail "
                    "when a decision is made."
                )
            messages.success(request, text)
            return redirect("grants:application_receipt", pk=application.pk)
    scheme_year = application.round.scheme_year
    problems = steps.problem_list(
        steps.APPLICATION_STEPS,
        services.missing_for_submission(application),
        edit_url="grants:application_edit",
        pk=application.pk,
    )
    return render(
        request,
        "grants/applicant/application_submit.html",
        {
            "application": application,
            "scheme_year": scheme_year,
            "eligibility": services.eligibility_of(application),
            "problems": problems,
            "not_sent": not_sent,
            "above_threshold": bool(
                application.amount and scheme_year.needs_audit(application.amount)
            ),
            "steps": _application_steps(application, "send"),
            "case_file": _case_file(application),
        },
    )


def _registered_attachments(entry):
    """The attachments registered in the entry's case, with their document numbers."""
    return list(_attachments_in(case_file_id=entry.case_file_id))


@kept(params=["case_file_id"])
def _attachments_in(case_file_id):
    attachments = RegistryEntry.objects.filter(
        case_file_id=case_file_id, document_type=DocumentType.ATTACHMENT
    )
    return attachments.select_related("case_file").order_by("number")


def application_receipt(request, pk):
    """The receipt of the application as sent: case number, time sent, every answer, the
    documents with their document numbers and the receipt as a PDF. The organisation's
    people and the caseworkers see it; no one else finds it (404), nor before sending."""
    application = _with_lists(only_or_404(_application_with_parts(request.user, pk=pk)))
    entry = receipt_of(application)
    if entry is None:
        raise Http404
    return render(
        request,
        "grants/applicant/application_receipt.html",
        {
            "application": application,
            "scheme_year": application.round.scheme_year,
            "case_file": entry.case_file,
            "entry": entry,
            "documents": [
                document
                for document in _registered_attachments(entry)
                if document.source_kind == Attachment._meta.label_lower
            ],
        },
    )


@require_POST
def application_withdraw(request, pk):
    application = _own_application(request, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tick the box to confirm that you want to withdraw."))
        return redirect("grants:application", pk=application.pk)
    try:
        services.withdraw_application(request.user, application)
    except ValidationError as error:
        _service_error(request, error)
    else:
        messages.success(
            request, _("The application is withdrawn. The caseworker will not assess it.")
        )
    return redirect("grants:application", pk=application.pk)


def attachment_download(request, pk):
    """The organisation's people and caseworkers download attachments; no one else."""
    attachment = get_visible_or_404(Attachment, request.user, pk=pk)
    return download(attachment.file, attachment.original_name)


@require_POST
def attachment_remove(request, pk):
    attachment = get_visible_or_404(
        Attachment.objects.select_related("application"), request.user, pk=pk
    )
    _require_own(request, attachment.application.organisation_id)
    try:
        services.remove_attachment(request.user, attachment)
    except ValidationError as error:
        _service_error(request, error)
        return redirect("grants:application", pk=attachment.application_id)
    messages.success(request, _("%(name)s is removed.") % {"name": attachment.original_name})
    return redirect("grants:application_edit", pk=attachment.application_id, step="documents")


# --- the award ----------------------------------------------------------------------------------


def _awards():
    return Award.objects.select_related(
        "application__organisation",
        "application__round__scheme_year__scheme__administrator",
        "decision__decided_by",
        "report",
        "accepted_by",
    )


@kept_per_access(params=["pk"])
def _award_page(user, pk):
    """The award ``pk`` if the user sees it, with the money paid, claims back and change
    notices."""
    return (
        _awards()
        .prefetch_related(
            Prefetch("instalments", queryset=Instalment.objects.select_related("disbursement")),
            Prefetch("disbursements", queryset=Disbursement.objects.select_related("account")),
            "decision__appeals",
            Prefetch(
                "clawbacks",
                queryset=Clawback.objects.select_related("decision").prefetch_related(
                    "repayments", "decision__appeals"
                ),
            ),
            Prefetch("change_notices", queryset=ChangeNotice.objects.select_related("sent_by")),
        )
        .visible_to(user)
        .filter(pk=pk)
    )


def award_detail(request, pk):
    """The award letter as a page, with the money paid, claims back and change notices."""
    redirected = _caseworker_page(request, "grants:review_award", pk)
    if redirected:
        return redirected
    award = only_or_404(_award_page(request.user, pk=pk))
    scheme_year = award.application.round.scheme_year
    disbursed = award.disbursed()
    clawbacks = list(award.clawbacks.all())
    for clawback in clawbacks:
        clawback.repaid_so_far = clawback.repaid()
    _mark_appealable([award.decision, *(clawback.decision for clawback in clawbacks)])
    return render(
        request,
        "grants/applicant/award_detail.html",
        {
            "payout_account": services.current_payout_account(award.application.organisation_id),
            "award": award,
            "application": award.application,
            "scheme": scheme_year.scheme,
            "scheme_year": scheme_year,
            "decision": award.decision,
            "conditions": [
                in_language(c.get("text_nb", ""), c.get("text_en", "")) for c in award.conditions
            ],
            "report": getattr(award, "report", None),
            "needs_audit": scheme_year.needs_audit(award.amount),
            "disbursed": disbursed,
            "left_to_pay": award.amount - disbursed,
            "clawbacks": clawbacks,
            "case_file": _case_file(award.application),
        },
    )


@require_POST
def award_accept(request, pk):
    award = get_visible_or_404(_awards(), request.user, pk=pk)
    _require_own(request, award.application.organisation_id)
    try:
        services.accept_award(request.user, award)
    except ValidationError as error:
        _service_error(request, error)
    else:
        messages.success(
            request,
            _(
                "Thank you. The conditions are accepted, and the caseworker is told. The money "
                "is paid out as the payment plan says."
            ),
        )
    return redirect("grants:award", pk=award.pk)


def change_notice(request, pk):
    award = get_visible_or_404(_awards(), request.user, pk=pk)
    _require_own(request, award.application.organisation_id)
    form = ChangeNoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.send_change_notice(
                request.user,
                award,
                form.cleaned_data["description"],
                form_token=form.pop_form_token(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Thank you for telling us. The caseworker looks at the change and writes "
                    "what it means for the grant. You get an e-mail when it is handled."
                ),
            )
            return redirect("grants:award", pk=award.pk)
    return render(
        request,
        "grants/applicant/change_notice.html",
        {
            "award": award,
            "application": award.application,
            "form": form,
            "case_file": _case_file(award.application),
        },
    )


# --- appeals -------------------------------------------------------------------------------------


def _decision_url(decision):
    """Where the decision is shown to the organisation: the award page, or the application."""
    award = getattr(decision.application, "award", None)
    if decision.kind != DecisionKind.REJECTION and award is not None:
        return reverse("grants:award", args=[award.pk])
    return reverse("grants:application", args=[decision.application_id])


def appeal(request, pk):
    decision = get_visible_or_404(
        Decision.objects.select_related(
            "application__organisation",
            "application__round__scheme_year__scheme__administrator",
            "application__award",
            "decided_by",
        ).prefetch_related("appeals"),
        request.user,
        pk=pk,
    )
    _require_own(request, decision.application.organisation_id)
    back = _decision_url(decision)
    refusal = decision.appeal_refusal()
    if refusal:
        messages.info(request, refusal)
        return redirect(back)
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.lodge_appeal(request.user, decision, form.cleaned_data["grounds"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Your appeal is sent. The caseworker looks at the decision again. You get "
                    "an e-mail when the appeal is handled."
                ),
            )
            return redirect(back)
    return render(
        request,
        "grants/applicant/appeal.html",
        {
            "decision": decision,
            "application": decision.application,
            "scheme": decision.application.round.scheme_year.scheme,
            "form": form,
            "back": back,
            "case_file": _case_file(decision.application),
        },
    )


# --- the bank account for payouts ----------------------------------------------------------------


def _payout_accounts(organisation_id):
    return PayoutAccount.objects.filter(organisation_id=organisation_id).select_related(
        "entered_by", "confirmed_by"
    )


def payout_account(request, organisation_pk):
    """The organisation's bank account for payouts, masked, with the accounts before it; its
    leaders give a new one here. Other people of the organisation read it (403 on sending);
    people outside it do not find the page (404), caseworkers are not its people (403)."""
    organisation = get_visible_or_404(Organisation, request.user, pk=organisation_pk)
    _require_own(request, organisation.pk)
    may_give = services.may_give_payout_account(request.user, organisation)
    if request.method == "POST" and not may_give:
        raise PermissionDenied
    form = None
    if may_give:
        form = PayoutAccountForm(request.POST if request.method == "POST" else None)
    if form is not None and form.is_bound and form.is_valid():
        try:
            services.give_payout_account(
                request.user,
                organisation,
                form.cleaned_data["number"],
                form_token=form.pop_form_token(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "The account is saved. Nothing is paid to it until the caseworker has "
                    "confirmed it. The organisation's leaders are told of the change."
                ),
            )
            return redirect("grants:payout_account", organisation_pk=organisation.pk)
    accounts = list(_payout_accounts(organisation.pk))
    current = next((account for account in accounts if account.is_current), None)
    return render(
        request,
        "grants/applicant/payout_account.html",
        {
            "organisation": organisation,
            "current": current,
            "earlier": [account for account in accounts if not account.is_current],
            "may_show": may_give,
            "form": form,
        },
    )


@never_cache
def payout_account_number(request, pk):
    """The whole account number, shown on a deliberate "show" to the organisation's leaders and
    the caseworkers who pay it (403 for the organisation's other people, 404 for everyone
    else). Not kept by the browser."""
    account = get_visible_or_404(
        PayoutAccount.objects.select_related("organisation", "entered_by", "confirmed_by"),
        request.user,
        pk=pk,
    )
    if not services.may_show_full_account_number(request.user, account):
        raise PermissionDenied
    back = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = ""
    return render(request, "grants/payout_account_number.html", {"account": account, "back": back})


# --- the grant report ------------------------------------------------------------------------


def _report_steps(report, current):
    return steps.step_list(
        steps.report_steps(report),
        services.missing_from_report(report),
        current=current,
        edit_url="grants:report_edit",
        pk=report.pk,
        send_url=reverse("grants:report_submit", args=[report.pk]),
    )


def _with_report_parts(queryset):
    return queryset.prefetch_related(
        Prefetch("goal_results", queryset=GoalResult.objects.select_related("goal")),
        "account_lines",
        "award__disbursements",  # what is paid out, which the report's pages show
    )


def _report_context(report):
    scheme_year = report.award.application.round.scheme_year
    return {
        "report": report,
        "award": report.award,
        "application": report.award.application,
        "scheme_year": scheme_year,
        "needs_audit": report.award.needs_audit,
        "totals": report.totals(),
        "overdue": report.is_overdue(),
        "case_file": _case_file(report.award.application),
    }


def report_detail(request, pk):
    redirected = _caseworker_page(request, "grants:review_report", pk)
    if redirected:
        return redirected
    report = only_or_404(_report_with_parts(request.user, pk=pk))
    return render(
        request,
        "grants/applicant/report_detail.html",
        {
            **_report_context(report),
            "steps": _report_steps(report, None) if report.is_editable else None,
        },
    )


def _after_report_save(request, report, step):
    messages.success(request, _("Saved."))
    if "continue" in request.POST:
        following = steps.next_part(steps.report_steps(report), step)
        if following:
            return redirect("grants:report_edit", pk=report.pk, step=following)
        return redirect("grants:report_submit", pk=report.pk)
    return redirect("grants:report_edit", pk=report.pk, step=step)


@kept(params=["scheme_id"])
def _goals_of(scheme_id):
    return Goal.objects.filter(scheme_id=scheme_id)


def _report_results(request, report):
    goals = list(_goals_of(scheme_id=report.award.application.round.scheme_year.scheme_id))
    written = {result.goal_id: result.text for result in report.goal_results.all()}
    form = ResultsForm(
        request.POST or None,
        goals=goals,
        initial={f"goal_{goal.pk}": written.get(goal.pk, "") for goal in goals},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_report(request.user, report, goal_results=form.goal_results())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _after_report_save(request, report, "results")
    return _render_report_step(request, report, "results", {"form": form})


def _report_activities(request, report):
    initial = {name: getattr(report, name) for name in ReportActivitiesForm.base_fields}
    form = ReportActivitiesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_report(request.user, report, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _after_report_save(request, report, "activities")
    return _render_report_step(request, report, "activities", {"form": form})


def _report_accounts(request, report):
    lines = list(report.account_lines.all())
    formset = accounts_formset(request.POST if request.method == "POST" else None, lines)
    if request.method == "POST" and formset.is_valid():
        try:
            services.save_accounts(request.user, report, formset.lines())
        except ValidationError as error:
            add_formset_errors(formset, error)
        else:
            return _after_report_save(request, report, "accounts")
    # After a refused save: what was typed, so the sums match the rows on the page.
    totals = report.totals(formset.typed_lines() if request.method == "POST" else None)
    return _render_report_step(request, report, "accounts", {"formset": formset, "totals": totals})


def _report_auditor(request, report):
    if not report.award.needs_audit:
        messages.info(
            request, _("This grant is not above the audit threshold: no auditor is needed.")
        )
        return redirect("grants:report", pk=report.pk)
    form = AuditorForm(
        request.POST or None,
        request.FILES or None,
        initial={"auditor_name": report.auditor_name, "auditor_number": report.auditor_number},
        has_statement=bool(report.auditor_statement),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_report(
                request.user,
                report,
                auditor_name=form.cleaned_data["auditor_name"],
                auditor_number=form.cleaned_data["auditor_number"],
                auditor_statement=form.cleaned_data["auditor_statement"] or None,
            )
        except ValidationError as error:
            _file_error(form, "auditor_statement", error)
        else:
            return _after_report_save(request, report, "auditor")
    return _render_report_step(request, report, "auditor", {"form": form, **_upload_limits()})


REPORT_STEP_VIEWS = {
    "results": _report_results,
    "activities": _report_activities,
    "accounts": _report_accounts,
    "auditor": _report_auditor,
}


def _render_report_step(request, report, step, context):
    return render(
        request,
        f"grants/applicant/report_{step}.html",
        {
            **_report_context(report),
            **steps.where_in(steps.report_steps(report), step),
            "steps": _report_steps(report, step),
            **context,
        },
    )


def report_edit(request, pk, step):
    view = REPORT_STEP_VIEWS.get(step)
    if view is None:
        raise Http404
    report = _own_report(request, pk)
    may_edit = report.workflow.decide(request.user, report, "edit")
    if not may_edit:
        messages.info(request, may_edit.reason)
        return redirect("grants:report", pk=report.pk)
    return view(request, report)


def report_submit(request, pk):
    report = _own_report(request, pk)
    if not report.is_editable:
        messages.info(request, _("The report has already been sent."))
        return redirect("grants:report", pk=report.pk)
    not_sent = None
    if request.method == "POST":
        try:
            services.submit_report(request.user, report)
        except ValidationError as error:
            not_sent = error.messages
        else:
            messages.success(
                request,
                _(
                    "The report is sent. The caseworker reads it and approves it or asks you to "
                    "change something. You get an e-mail either way."
                ),
            )
            return redirect("grants:report_receipt", pk=report.pk)
    return render(
        request,
        "grants/applicant/report_submit.html",
        {
            **_report_context(report),
            "problems": steps.problem_list(
                steps.report_steps(report),
                services.missing_from_report(report),
                edit_url="grants:report_edit",
                pk=report.pk,
            ),
            "not_sent": not_sent,
            "steps": _report_steps(report, "send"),
        },
    )


def report_receipt(request, pk):
    """The receipt of the grant report and accounts as sent, like the application's."""
    report = only_or_404(_report_with_parts(request.user, pk=pk))
    entry = receipt_of(report)
    if entry is None:
        raise Http404
    return render(
        request,
        "grants/applicant/report_receipt.html",
        {
            **_report_context(report),
            "case_file": entry.case_file,
            "entry": entry,
            "documents": [
                document
                for document in _registered_attachments(entry)
                if document.source_kind == GrantReport._meta.label_lower
            ],
        },
    )


def auditor_statement_download(request, pk):
    report = get_visible_or_404(GrantReport, request.user, pk=pk)
    if not report.auditor_statement:
        raise Http404
    suffix = report.auditor_statement.name.rsplit(".", 1)[-1]
    return download(report.auditor_statement, f"auditor-certification-{report.pk}.{suffix}")
