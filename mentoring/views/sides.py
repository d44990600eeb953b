"""The pages of the pairing's two sides, the mentor organisation and the participant
organisations: their mentoring home, the mentor's offer, the agreement, meetings, check-ins,
flags and tasks.

Each action validates a form, calls one service and redirects; a service's ValidationError is
shown with the input kept. A page whose action the pairing's state refuses says why (the
reason the workflow or the service's predicate gives) and returns to the pairing.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mentoring import services
from mentoring.check_ins import check_in_refusal
from mentoring.dashboard import own_rows
from mentoring.forms import (
    CHECK_IN_FORMS,
    CalledOffForm,
    FlagForm,
    MeetingForm,
    OfferForm,
    TaskFormSet,
)
from mentoring.models import CheckInKind, Compensation, Meeting, MentorOffer, Task
from mentoring.views._common import (
    back,
    pairing_url,
    side_or_403,
    step_refusal,
    visible_pairing,
)
from organisations.models import Organisation
from scheme.compiled import first_row, kept, kept_per_access
from scheme.formatting import format_day
from scheme.prefetch import prefetch_lists
from scheme.roles import OrganisationKind, Role, access_for, require_role
from scheme.web import add_service_errors, get_visible_or_404, only_or_404


@kept_per_access
def _own_compensations(user):
    """The compensations of the user's mentor organisations, the latest year first."""
    mentor_ids = access_for(user).organisation_ids(OrganisationKind.MENTOR)
    compensations = Compensation.objects.visible_to(user).filter(mentor_id__in=mentor_ids)
    return (
        compensations.select_related("mentor", "scheme_year__scheme")
        .with_paid()
        .order_by("-scheme_year__year", "mentor__name", "pk")
    )


@kept_per_access
def _own_mentor_organisations(user):
    mentor_ids = access_for(user).organisation_ids(OrganisationKind.MENTOR)
    return Organisation.objects.filter(pk__in=mentor_ids).order_by("name")


def home(request):
    access = access_for(request.user)
    if access.is_caseworker:
        return redirect("mentoring:overview")
    require_role(request.user, Role.MEMBER, Role.MENTOR)
    mentoring = bool(access.organisation_ids(OrganisationKind.MENTOR))
    compensations = list(_own_compensations(request.user)) if mentoring else []
    mentors = _own_mentor_organisations(request.user) if mentoring else []
    return render(
        request,
        "mentoring/home.html",
        {
            "rows": own_rows(request.user),
            "compensations": compensations,
            "mentor_organisations": mentors,
            "request_path": request.get_full_path(),
        },
    )


# The lists of an offer its form shows, read in one query.
OFFER_LISTS = ("competence_areas", "languages", "target_groups", "wished_target_groups")


@kept_per_access(params=["pk"])
def _visible_mentor(user, pk):
    mentors = Organisation.objects.filter(kind=OrganisationKind.MENTOR)
    return mentors.visible_to(user).filter(pk=pk)


@kept(params=["organisation_id"])
def _offer_of(organisation_id):
    return MentorOffer.objects.filter(organisation_id=organisation_id)


def offer_edit(request, organisation_pk):
    organisation = only_or_404(_visible_mentor(request.user, pk=organisation_pk))
    access = access_for(request.user)
    if not access.can_edit_organisation(organisation):
        raise Http404
    offer = first_row(_offer_of(organisation_id=organisation.pk))
    if offer is not None:
        prefetch_lists([offer], OFFER_LISTS)
    form = OfferForm(request.POST or None, initial=OfferForm.initial_from(offer))
    if request.method == "POST" and form.is_valid():
        try:
            services.save_offer(request.user, organisation, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Saved. The caseworker uses this to suggest participants for you."),
            )
            if access.is_caseworker:
                return redirect("organisations:detail", pk=organisation.pk)
            return redirect("mentoring:home")
    return render(
        request,
        "mentoring/offer_form.html",
        {"organisation": organisation, "form": form, "offer": offer},
    )


def agreement(request, pk):
    pairing = visible_pairing(request, pk)
    agreement = getattr(pairing, "agreement", None)
    if agreement is None:
        raise Http404
    side = pairing.side_of(request.user)
    if request.method == "POST":
        side = side_or_403(request, pairing)
        try:
            services.accept_agreement(request.user, pairing)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("You have accepted the agreement on behalf of %(organisation)s.")
                % {"organisation": side.name},
            )
            return redirect("mentoring:pairing", pk=pairing.pk)
    acceptances = agreement.acceptance_list()
    waiting_for = agreement.waiting_for(acceptances)
    return render(
        request,
        "mentoring/agreement.html",
        {
            "pairing": pairing,
            "agreement": agreement,
            "acceptances": acceptances,
            "waiting_for": waiting_for,
            "side": side,
            "we_accepted": side is not None and side not in waiting_for,
        },
    )


def _meeting_is_valid(form, formset) -> bool:
    """Validate the meeting and every task row in one round, so every problem shows at once."""
    both_ok = all([form.is_valid(), formset.is_valid()])
    present = form.present()
    if present is not None:
        formset.check_owners(present)
    return both_ok and formset.is_valid()


def meeting_log(request, pk):
    pairing = visible_pairing(request, pk)
    side = side_or_403(request, pairing)
    refusal = step_refusal(request, pairing, "log_meeting")
    if refusal:
        messages.error(request, refusal)
        return redirect("mentoring:pairing", pk=pairing.pk)
    form = MeetingForm(request.POST or None, pairing=pairing, side=side)
    formset = TaskFormSet(
        request.POST or None, prefix="tasks", form_kwargs={"organisations": pairing.organisations()}
    )
    if request.method == "POST" and _meeting_is_valid(form, formset):
        tasks = [
            (f.cleaned_data["title"], f.cleaned_data["owner"], f.cleaned_data["due_on"])
            for f in formset
            if f.cleaned_data
        ]
        try:
            meeting = services.log_meeting(
                request.user,
                pairing,
                tasks=tasks,
                form_token=form.pop_form_token(),
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            present = [pairing.mentor, *meeting.participants.all()]
            others = ", ".join(o.name for o in present if o.pk != side.pk)
            messages.success(
                request,
                _("The meeting is logged. %(others)s is asked to confirm it.") % {"others": others},
            )
            return redirect(pairing_url(pairing, "meetings"))
    return render(
        request,
        "mentoring/meeting_form.html",
        {"pairing": pairing, "side": side, "form": form, "formset": formset},
    )


def meeting_call_off(request, pk):
    """Record a planned meeting as postponed or cancelled: the pair's people, and the scheme's
    caseworkers (others who see the pairing: 403)."""
    pairing = visible_pairing(request, pk)
    if not pairing.may_record_called_off(request.user):
        raise PermissionDenied
    refusal = pairing.call_off_refusal()
    if refusal:
        messages.error(request, refusal)
        return redirect("mentoring:pairing", pk=pairing.pk)
    form = CalledOffForm(request.POST or None, pairing=pairing)
    if request.method == "POST" and form.is_valid():
        try:
            called_off = services.call_off_meeting(
                request.user, pairing, form_token=form.pop_form_token(), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Saved: the meeting of %(date)s is %(outcome)s.")
                % {
                    "date": format_day(called_off.planned_on),
                    "outcome": called_off.get_outcome_display(),
                },
            )
            return redirect(pairing_url(pairing, "meetings"))
    return render(request, "mentoring/called_off_form.html", {"pairing": pairing, "form": form})


def check_in(request, pk, kind):
    if kind not in CheckInKind.values:
        raise Http404
    pairing = visible_pairing(request, pk)
    side = side_or_403(request, pairing)
    refusal = check_in_refusal(pairing, side, kind)
    if refusal:
        messages.info(request, refusal)
        return redirect("mentoring:pairing", pk=pairing.pk)
    form = CHECK_IN_FORMS[kind](request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            answer = services.answer_check_in(request.user, pairing, kind, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if answer.good_fit is False:
                messages.success(
                    request,
                    _("Thank you. The caseworker has been told and will get in touch with you."),
                )
            else:
                messages.success(request, _("Thank you for your answer."))
            return redirect("mentoring:pairing", pk=pairing.pk)
    return render(
        request,
        "mentoring/check_in.html",
        {
            "pairing": pairing,
            "side": side,
            "form": form,
            "asks_fit": kind == CheckInKind.FIRST,
            "kind_label": CheckInKind(kind).label,
        },
    )


def flag_raise(request, pk):
    pairing = visible_pairing(request, pk)
    side = side_or_403(request, pairing)
    refusal = step_refusal(request, pairing, "raise_flag")
    if refusal:
        messages.error(request, refusal)
        return redirect("mentoring:pairing", pk=pairing.pk)
    form = FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.raise_flag(
                request.user,
                pairing,
                form.cleaned_data["message"],
                form_token=form.pop_form_token(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Thank you for telling us. The caseworker has been notified and will get in "
                    "touch with you."
                ),
            )
            return redirect("mentoring:pairing", pk=pairing.pk)
    return render(
        request, "mentoring/flag_form.html", {"pairing": pairing, "side": side, "form": form}
    )


@require_POST
def meeting_confirm(request, pk):
    meeting = get_visible_or_404(Meeting.objects.select_related("pairing"), request.user, pk=pk)
    try:
        services.confirm_meeting(request.user, meeting)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Thank you. The meeting is confirmed."))
    return back(request, pairing_url(meeting.pairing_id, "meetings"))


@require_POST
def task_done(request, pk):
    task = get_visible_or_404(Task, request.user, pk=pk)
    try:
        services.complete_task(request.user, task)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Done: “%(task)s”.") % {"task": task.title})
    return back(request, pairing_url(task.pairing_id, "tasks"))
