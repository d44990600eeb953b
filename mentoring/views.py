"""The mentoring pages.

Members and mentors work from their home page (``home``) and the pairing page; caseworkers
from the overview of all pairings, riskiest first. Every object is fetched through its
``visible_to(user)``, so another organisation's pairing, meeting, task, check-in or flag
answers 404. Pages for the caseworker answer 403 to everyone else, and acting on a pairing
needs the caseworker to administer its scheme (403 otherwise). Each action validates a form,
calls one service and redirects; a service's ValidationError is shown with the input kept.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Q, Subquery, Sum, prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mentoring import services
from mentoring.dashboard import (
    due_check_ins,
    own_rows,
    planned_ends,
    progress_rows,
)
from mentoring.forms import (
    CHECK_IN_FORMS,
    CompensationForm,
    FlagForm,
    FlagOutcomeForm,
    MatchForm,
    MeetingForm,
    OfferForm,
    PairingForm,
    PaymentForm,
    ReplaceForm,
    StatusForm,
    TaskFormSet,
    mentor_organisations,
)
from mentoring.matching import suggest_mentors
from mentoring.models import (
    LIVE_STATUSES,
    CheckIn,
    CheckInKind,
    Compensation,
    Flag,
    FlagStatus,
    Meeting,
    MentorOffer,
    Pairing,
    PairingMember,
    PairingStatus,
    Task,
)
from mentoring.progress import AT_RISK_SILENCE_DAYS, Health, progress, with_progress_data
from organisations.models import Organisation
from scheme import registry
from scheme.models import SchemeYear
from scheme.roles import OrganisationKind, Role, access_for, require_administers, require_role
from scheme.web import add_service_errors, get_visible_or_404, paginate, query_without_page

# The match page shows the best suggestions; the caseworker can ask for all of them.
SUGGESTIONS_SHOWN = 10
# The overview links this many participants waiting for a mentor; the pairing page lists all.
WAITING_SHOWN = 25

# --- access ------------------------------------------------------------------------------------


def _pairing(request, pk):
    """A pairing the user may see, with its progress annotations (404 when hidden)."""
    queryset = (
        with_progress_data(Pairing.objects.all(), timezone.localdate())
        .select_related("scheme__administrator", "mentor_contact")
        .prefetch_related("members__organisation", "members__contact")
    )
    return get_visible_or_404(queryset, request.user, pk=pk)


def _side(request, pairing):
    """The user's organisation in the pairing; a caseworker looking on gets 403."""
    side = pairing.side_of(request.user)
    if side is None:
        raise PermissionDenied
    return side


def _back(request, fallback):
    """Where a small action returns to: the page it was sent from, when that is ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


def _pairing_url(pairing, anchor=""):
    url = reverse("mentoring:pairing", args=[pairing.pk if hasattr(pairing, "pk") else pairing])
    return f"{url}#{anchor}" if anchor else url


def _state(pairing, today=None):
    today = today or timezone.localdate()
    return progress(pairing, today, services.minimum_meetings(pairing.scheme, today.year))


def health_sentence(state, for_caseworker: bool = True) -> str:
    """The pairing's health and the rule behind it, in plain words. The sides are not told
    who raised a flag or answered "poor fit": the other side may be what is not working."""
    if state.health == Health.NOT_RUNNING:
        return _("The pairing is not running, so its meetings are not counted.")
    counted = _(
        "%(held)d meetings this year; %(expected)d expected by today (at least %(minimum)d a "
        "year, spread over the year)."
    ) % {"held": state.meetings_this_year, "expected": state.expected_by_now,
         "minimum": state.minimum}  # fmt: skip
    if state.health == Health.ON_TRACK:
        why = _("That is on track.")
    elif state.health == Health.BEHIND:
        why = _("That is behind: fewer meetings than expected by today.")
    elif (state.open_flags or state.poor_fit_open) and not for_caseworker:
        why = _("At risk: the caseworker is following up the pairing.")
    elif state.open_flags:
        why = _("At risk: someone has said the collaboration is not working.")
    elif state.poor_fit_open:
        why = _("At risk: someone has answered that it is not a good fit.")
    else:
        why = _("At risk: behind, and no meeting for %(days)d days or more.") % {
            "days": AT_RISK_SILENCE_DAYS
        }
    return f"{counted} {why}"


# --- members and mentors -------------------------------------------------------------------


def home(request):
    access = access_for(request.user)
    if access.is_caseworker:
        return redirect("mentoring:overview")
    require_role(request.user, Role.MEMBER, Role.MENTOR)
    mentor_ids = access.organisation_ids(OrganisationKind.MENTOR)
    compensations = []
    if mentor_ids:
        compensations = list(
            Compensation.objects.visible_to(request.user)
            .filter(mentor_id__in=mentor_ids)
            .select_related("mentor", "scheme_year__scheme")
            .annotate(paid_total=Sum("payments__amount"))
            .order_by("-scheme_year__year", "mentor__name", "pk")
        )
        for compensation in compensations:
            compensation.paid_total = compensation.paid_total or 0
            compensation.left = compensation.amount - compensation.paid_total
    mentors = Organisation.objects.filter(pk__in=mentor_ids).order_by("name")
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


def offer_edit(request, organisation_pk):
    organisation = get_visible_or_404(
        Organisation.objects.filter(kind=OrganisationKind.MENTOR), request.user, pk=organisation_pk
    )
    access = access_for(request.user)
    if not access.can_edit_organisation(organisation):
        raise Http404
    offer = (
        MentorOffer.objects.filter(organisation=organisation)
        .prefetch_related("competence_areas", "languages", "target_groups", "wished_target_groups")
        .first()
    )
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


# --- the caseworker's overview, matching and pairing ------------------------------------------


def overview(request):
    access = require_role(request.user, Role.CASEWORKER)
    today = timezone.localdate()
    pairings = with_progress_data(access.administered(Pairing.objects.all()), today)
    rows = progress_rows(pairings, today)
    mentors = sorted({pairing.mentor for pairing, _state in rows}, key=lambda o: (o.name, o.pk))
    chosen = {
        "health": request.GET.get("health", ""),
        "mentor": request.GET.get("mentor", ""),
        "status": request.GET.get("status", ""),
    }
    shown = [
        row
        for row in rows
        if (not chosen["health"] or row[1].health == chosen["health"])
        and (not chosen["mentor"] or str(row[0].mentor_id) == chosen["mentor"])
        and (not chosen["status"] or row[0].status == chosen["status"])
    ]
    by_id = {pairing.pk: pairing for pairing, _state in rows}
    flags = list(
        access.administered(
            Flag.objects.filter(status=FlagStatus.OPEN), "pairing__scheme__administrator_id"
        ).select_related("raised_for", "raised_by")
    )
    poor_fits = list(
        access.administered(
            CheckIn.objects.filter(good_fit=False, followed_up_at__isnull=True),
            "pairing__scheme__administrator_id",
        ).select_related("organisation")
    )
    for item in flags + poor_fits:
        item.pairing = by_id[item.pairing_id]
    page = paginate(request, shown)
    # Only the pairings on the page and those followed up name their participants.
    listed = [pairing for pairing, _state in page] + [item.pairing for item in flags + poor_fits]
    prefetch_related_objects(listed, "members__organisation")
    unmatched = _waiting_for_a_mentor(access)
    return render(
        request,
        "mentoring/overview.html",
        {
            "page": page,
            "query": query_without_page(request),
            "total": len(rows),
            "chosen": chosen,
            "mentors": mentors,
            "health_choices": Health.choices,
            "status_choices": PairingStatus.choices,
            "flags": flags,
            "poor_fits": poor_fits,
            "unmatched": unmatched[:WAITING_SHOWN],
            "unmatched_count": len(unmatched),
        },
    )


def _waiting_for_a_mentor(access) -> list:
    """Participants taking part in the newest year of a scheme the caseworker's body runs
    (an award in it) that are in no live pairing."""
    newest = SchemeYear.objects.filter(
        year=Subquery(
            SchemeYear.objects.filter(scheme=OuterRef("scheme"))
            .order_by("-year")
            .values("year")[:1]
        )
    )
    years = access.administered(newest)
    paired = PairingMember.objects.filter(pairing__status__in=LIVE_STATUSES)
    return list(
        Organisation.objects.participants()
        .filter(registry.organisations_taking_part(*years))
        .exclude(pk__in=paired.values("organisation_id"))
        .only("id", "name", "municipality", "county")
        .order_by("name", "id")
    )


def _make_pairing(request, form, participants):
    """Make the pairing of a valid match or pairing form: the redirect to it, or None with the
    service's refusal shown on the form."""
    data = form.cleaned_data
    try:
        pairing = services.create_pairing(
            request.user,
            data["scheme"],
            data["mentor"],
            participants,
            starts_on=data["starts_on"],
            mentor_contact=data["mentor_contact"],
            form_token=form.pop_form_token(),
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    messages.success(
        request, _("The pairing is made. Every side is told and asked to accept the agreement.")
    )
    return redirect("mentoring:pairing", pk=pairing.pk)


def match(request, organisation_pk):
    access = require_role(request.user, Role.CASEWORKER)
    participant = get_visible_or_404(
        Organisation.objects.participants().prefetch_related(
            "competence_needs", "target_groups", "languages"
        ),
        request.user,
        pk=organisation_pk,
    )
    suggestions = suggest_mentors(participant)
    show_all = request.GET.get("all") == "1"
    shown = suggestions if show_all else suggestions[:SUGGESTIONS_SHOWN]
    mentors = [suggestion.mentor for suggestion in shown]
    # The mentor in the link, or the one chosen in the posted form, stays a choice.
    chosen = request.POST.get("mentor") or request.GET.get("mentor", "")
    chosen = mentor_organisations().filter(pk=chosen).first() if chosen.isdigit() else None
    if chosen and chosen not in mentors:
        mentors.append(chosen)
    initial = {"mentor": (chosen or mentors[0]).pk} if mentors else {}
    form = MatchForm(request.POST or None, access=access, mentors=mentors, initial=initial)
    if request.method == "POST" and form.is_valid():
        made = _make_pairing(request, form, [participant])
        if made:
            return made
    pairings = (
        Pairing.objects.filter(members__organisation=participant)
        .select_related("mentor")
        .order_by("-starts_on", "-id")
    )
    return render(
        request,
        "mentoring/match.html",
        {
            "participant": participant,
            "suggestions": shown,
            "hidden": len(suggestions) - len(shown),
            "suggestion_count": len(suggestions),
            "form": form,
            "pairings": pairings,
        },
    )


def pairing_create(request):
    access = require_role(request.user, Role.CASEWORKER)
    initial = {}
    if request.GET.get("mentor", "").isdigit():
        initial["mentor"] = int(request.GET["mentor"])
    if request.GET.get("participant", "").isdigit():
        initial["participants"] = [int(request.GET["participant"])]
    # The participants waiting for a mentor, and any named in the link or chosen in the posted
    # form: a second post of the same form reaches the service, which says it was saved.
    asked = [str(pk) for pk in initial.get("participants", [])]
    asked += [pk for pk in request.POST.getlist("participants") if pk.isdigit()]
    participants = _waiting_for_a_mentor(access) + list(
        Organisation.objects.visible_to(request.user).participants().filter(pk__in=asked)
    )
    form = PairingForm(
        request.POST or None, access=access, participants=participants, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        made = _make_pairing(request, form, form.cleaned_data["participants"])
        if made:
            return made
    return render(request, "mentoring/pairing_form.html", {"form": form})


# --- the pairing --------------------------------------------------------------------------------


def _chain(request, pairing):
    """The pairings this one replaced and was replaced by, oldest first, as far as the user may
    see them."""
    earlier, current = [], pairing
    while current.replaces_id and len(earlier) < 20:
        current = Pairing.objects.select_related("mentor").get(pk=current.replaces_id)
        earlier.insert(0, current)
    later, current = [], pairing
    while len(later) < 20:
        current = Pairing.objects.select_related("mentor").filter(replaces_id=current.pk).first()
        if current is None:
            break
        later.append(current)
    chain = earlier + later
    if not chain:
        return [], []
    visible = set(
        Pairing.objects.visible_to(request.user)
        .filter(pk__in=[p.pk for p in chain])
        .values_list("pk", flat=True)
    )
    return [p for p in earlier if p.pk in visible], [p for p in later if p.pk in visible]


def pairing_detail(request, pk):
    pairing = _pairing(request, pk)
    access = access_for(request.user)
    today = timezone.localdate()
    state = _state(pairing, today)
    side = pairing.side_of(request.user)
    is_caseworker = side is None and access.is_caseworker
    can_administer = access.administers(pairing.scheme)
    live = pairing.status in LIVE_STATUSES

    meetings = []
    for meeting in pairing.meetings.select_related(
        "logged_by", "logged_for", "confirmed_by"
    ).prefetch_related("topics", "participants"):
        can_confirm = (
            side is not None
            and meeting.confirmed_at is None
            and meeting.logged_for_id != side.pk
            and meeting.took_part(side.pk)
        )
        meetings.append((meeting, meeting.notes_visible_to(request.user), can_confirm))

    years = {}
    for entry in meetings:
        years.setdefault(entry[0].held_on.year, []).append(entry)
    meeting_years = [
        (year, entries, index == 0 or any(can_confirm for _m, _n, can_confirm in entries))
        for index, (year, entries) in enumerate(years.items())
    ]  # (year, meetings, shown open): the latest year and any with a meeting to confirm

    tasks = list(pairing.tasks.select_related("owner", "done_by"))
    open_tasks = [
        (task, access.is_member_of(task.owner_id)) for task in tasks if task.done_at is None
    ]
    done_tasks = sorted((t for t in tasks if t.done_at), key=lambda t: t.done_at, reverse=True)

    check_ins = pairing.check_ins.select_related("organisation", "answered_by")
    flags = pairing.flags.select_related("raised_for", "raised_by", "handled_by")
    check_ins_due = []
    if side is not None:
        # Each side reads its own answers and flags; the caseworker reads them all.
        check_ins = check_ins.filter(organisation=side)
        flags = flags.filter(raised_for=side)
        answered = {c.kind for c in check_ins}
        check_ins_due = due_check_ins(
            pairing, answered, planned_ends([pairing.scheme_id]).get(pairing.scheme_id), today
        )

    agreement = getattr(pairing, "agreement", None)
    acceptances = list(agreement.acceptances.select_related("organisation", "accepted_by")) if (
        agreement is not None) else []  # fmt: skip
    accepted_ids = {a.organisation_id for a in acceptances}
    organisations = [pairing.mentor] + [m.organisation for m in pairing.members.all()]
    earlier, later = _chain(request, pairing)
    return render(
        request,
        "mentoring/pairing_detail.html",
        {
            "pairing": pairing,
            "state": state,
            "health_sentence": health_sentence(state, for_caseworker=is_caseworker),
            "side": side,
            "is_caseworker": is_caseworker,
            "can_administer": can_administer,
            "live": live,
            "meetings": meetings,
            "meeting_years": meeting_years,
            "open_tasks": open_tasks,
            "done_tasks": done_tasks,
            "check_ins": list(check_ins),
            "check_ins_due": check_ins_due,
            "flags": list(flags),
            "agreement": agreement,
            "acceptances": acceptances,
            "waiting_for": [o for o in organisations if o.pk not in accepted_ids],
            "we_accepted": side is not None and side.pk in accepted_ids,
            "earlier": earlier,
            "later": later,
            "check_in_kinds": dict(CheckInKind.choices),
        },
    )


def agreement(request, pk):
    pairing = _pairing(request, pk)
    agreement = getattr(pairing, "agreement", None)
    if agreement is None:
        raise Http404
    side = pairing.side_of(request.user)
    if request.method == "POST":
        side = _side(request, pairing)
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
    acceptances = list(agreement.acceptances.select_related("organisation", "accepted_by"))
    accepted_ids = {a.organisation_id for a in acceptances}
    organisations = [pairing.mentor] + [m.organisation for m in pairing.members.all()]
    return render(
        request,
        "mentoring/agreement.html",
        {
            "pairing": pairing,
            "agreement": agreement,
            "acceptances": acceptances,
            "waiting_for": [o for o in organisations if o.pk not in accepted_ids],
            "side": side,
            "can_accept": side is not None
            and side.pk not in accepted_ids
            and pairing.status in LIVE_STATUSES,
        },
    )


def meeting_log(request, pk):
    pairing = _pairing(request, pk)
    side = _side(request, pairing)
    if pairing.status not in LIVE_STATUSES:
        messages.error(request, _("This pairing has ended, so no more meetings can be logged."))
        return redirect("mentoring:pairing", pk=pairing.pk)
    organisations = [pairing.mentor] + [m.organisation for m in pairing.members.all()]
    form = MeetingForm(request.POST or None, pairing=pairing, side=side)
    formset = TaskFormSet(
        request.POST or None, prefix="tasks", form_kwargs={"organisations": organisations}
    )
    if request.method == "POST" and all([form.is_valid(), formset.is_valid()]):
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
            return redirect(_pairing_url(pairing, "meetings"))
    return render(
        request,
        "mentoring/meeting_form.html",
        {"pairing": pairing, "side": side, "form": form, "formset": formset},
    )


NOT_YET = {
    CheckInKind.FIRST: gettext_lazy("This question is asked after your first meeting."),
    CheckInKind.MIDPOINT: gettext_lazy("The half-way check-in opens half-way through the pairing."),
    CheckInKind.END: gettext_lazy("The end-of-period check-in opens near the end of the pairing."),
}


def check_in(request, pk, kind):
    if kind not in CheckInKind.values:
        raise Http404
    pairing = _pairing(request, pk)
    side = _side(request, pairing)
    answered = set(
        CheckIn.objects.filter(pairing=pairing, organisation=side).values_list("kind", flat=True)
    )
    if kind in answered:
        messages.info(request, _("%(organisation)s has already answered this check-in. Thank you.")
                      % {"organisation": side.name})  # fmt: skip
        return redirect("mentoring:pairing", pk=pairing.pk)
    today = timezone.localdate()
    planned_end = planned_ends([pairing.scheme_id]).get(pairing.scheme_id)
    if kind not in due_check_ins(pairing, answered, planned_end, today):
        messages.info(request, str(NOT_YET[kind]))
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
            "kind": kind,
            "kind_label": CheckInKind(kind).label,
        },
    )


def flag_raise(request, pk):
    pairing = _pairing(request, pk)
    side = _side(request, pairing)
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
    return _back(request, _pairing_url(meeting.pairing_id, "meetings"))


@require_POST
def task_done(request, pk):
    task = get_visible_or_404(Task, request.user, pk=pk)
    try:
        services.complete_task(request.user, task)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Done: “%(task)s”.") % {"task": task.title})
    return _back(request, _pairing_url(task.pairing_id, "tasks"))


# --- the caseworker's actions on a pairing ------------------------------------------------------


def _administered_pairing(request, pk):
    require_role(request.user, Role.CASEWORKER)
    pairing = _pairing(request, pk)
    require_administers(request.user, pairing.scheme)
    return pairing


def pairing_replace(request, pk):
    pairing = _administered_pairing(request, pk)
    if request.method == "GET" and pairing.status not in LIVE_STATUSES:
        # A post goes to the service, which says the form was saved or the pairing has ended.
        messages.error(request, _("This pairing has ended; make a new pairing instead."))
        return redirect("mentoring:pairing", pk=pairing.pk)
    form = ReplaceForm(request.POST or None, current_mentor=pairing.mentor)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            new = services.replace_mentor(
                request.user,
                pairing,
                data["mentor"],
                reason=data["reason"],
                starts_on=data["starts_on"],
                mentor_contact=data["mentor_contact"],
                form_token=form.pop_form_token(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(mentor)s is the new mentor. The old pairing is kept in the history.")
                % {"mentor": new.mentor.name},
            )
            return redirect("mentoring:pairing", pk=new.pk)
    return render(request, "mentoring/replace.html", {"pairing": pairing, "form": form})


def pairing_status(request, pk):
    pairing = _administered_pairing(request, pk)
    if pairing.status not in LIVE_STATUSES:
        messages.error(request, _("This pairing has ended; its status cannot change."))
        return redirect("mentoring:pairing", pk=pairing.pk)
    form = StatusForm(request.POST or None, initial={"status": pairing.status})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_status(
                request.user,
                pairing,
                form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The status is changed."))
            return redirect("mentoring:pairing", pk=pairing.pk)
    return render(request, "mentoring/status.html", {"pairing": pairing, "form": form})


@require_POST
def check_in_follow_up(request, pk):
    require_role(request.user, Role.CASEWORKER)
    check_in = get_visible_or_404(CheckIn, request.user, pk=pk)
    try:
        services.follow_up_check_in(request.user, check_in)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Marked as followed up."))
    return _back(request, _pairing_url(check_in.pairing_id, "check-ins"))


def flag_handle(request, pk):
    require_role(request.user, Role.CASEWORKER)
    flag = get_visible_or_404(
        Flag.objects.select_related(
            "pairing__scheme", "pairing__mentor", "raised_for", "raised_by", "handled_by"
        ),
        request.user,
        pk=pk,
    )
    require_administers(request.user, flag.pairing.scheme)
    form = FlagOutcomeForm(request.POST or None)
    if request.method == "POST":
        if flag.status != FlagStatus.OPEN:
            messages.error(request, _("This flag has already been followed up."))
            return redirect("mentoring:flag_handle", pk=flag.pk)
        if form.is_valid():
            try:
                services.resolve_flag(request.user, flag, form.cleaned_data["outcome"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The outcome is recorded and both sides are told."))
                return redirect(_pairing_url(flag.pairing, "flags"))
    return render(request, "mentoring/flag_handle.html", {"flag": flag, "form": form})


# --- compensation ------------------------------------------------------------------------------


def _chosen_year(request, years):
    chosen = request.GET.get("year", "")
    for year in years:
        if str(year.pk) == chosen:
            return year
    this_year = timezone.localdate().year
    started = [y for y in years if y.year <= this_year]
    return started[0] if started else (years[0] if years else None)


def compensation_list(request):
    access = require_role(request.user, Role.CASEWORKER)
    years = list(
        access.administered(SchemeYear.objects.select_related("scheme")).order_by(
            "-year", "scheme__name"
        )
    )
    year = _chosen_year(request, years)
    rows, bound = [], None
    if year is not None and request.method == "POST":
        bound = CompensationForm(request.POST)
        if bound.is_valid():
            try:
                services.set_compensation(
                    request.user, bound.cleaned_data["mentor"], year, bound.cleaned_data["amount"]
                )
            except ValidationError as error:
                add_service_errors(bound, error)
            else:
                messages.success(
                    request,
                    _("The compensation of %(mentor)s is saved.")
                    % {"mentor": bound.cleaned_data["mentor"]},
                )
                return redirect(
                    f"{reverse('mentoring:compensation')}?year={year.pk}"
                    f"&page={request.GET.get('page', 1)}"
                )
    page = None
    if year is not None:
        page = paginate(request, _compensated_mentors(year))
        rows = _compensation_rows(year, page.object_list, bound)
    return render(
        request,
        "mentoring/compensation_list.html",
        {
            "years": years,
            "year": year,
            "rows": rows,
            "bound": bound,
            "page": page,
            "query": query_without_page(request),
        },
    )


def _compensated_mentors(year):
    """Each mentor organisation with a pairing in the scheme that year, or a compensation."""
    first, last = datetime.date(year.year, 1, 1), datetime.date(year.year, 12, 31)
    return (
        Organisation.objects.filter(kind=OrganisationKind.MENTOR)
        .filter(
            Q(
                mentor_pairings__scheme_id=year.scheme_id,
                mentor_pairings__starts_on__lte=last,
            )
            & (Q(mentor_pairings__ends_on__isnull=True) | Q(mentor_pairings__ends_on__gte=first))
            | Q(compensations__scheme_year=year)
        )
        .distinct()
        .order_by("name", "id")
    )


def _compensation_rows(year, mentors, bound):
    """A row per mentor: the compensation, what is paid and left, and the form to set it."""
    compensations = {
        c.mentor_id: c
        for c in Compensation.objects.filter(scheme_year=year, mentor__in=mentors).annotate(
            paid_total=Sum("payments__amount")
        )
    }
    rows = []
    for mentor in mentors:
        compensation = compensations.get(mentor.pk)
        paid = (compensation.paid_total or 0) if compensation else 0
        amount = compensation.amount if compensation else None
        bound_here = (
            bound is not None and bound.data.get("mentor") == str(mentor.pk) and bound.errors
        )
        form = bound if bound_here else CompensationForm(
            initial={"mentor": mentor.pk, "amount": amount if amount is not None else
                     year.mentor_compensation}, auto_id=f"id_c{mentor.pk}_%s",
        )  # fmt: skip
        if bound_here:
            form.auto_id = f"id_c{mentor.pk}_%s"
        rows.append(
            {
                "mentor": mentor,
                "compensation": compensation,
                "amount": amount,
                "paid": paid,
                "left": (amount - paid) if amount is not None else None,
                "form": form,
            }
        )
    return rows


def compensation_detail(request, pk):
    require_role(request.user, Role.CASEWORKER)
    compensation = get_visible_or_404(
        Compensation.objects.select_related("mentor", "scheme_year__scheme"), request.user, pk=pk
    )
    require_administers(request.user, compensation.scheme_year.scheme)
    form = PaymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_compensation_payment(
                request.user,
                compensation,
                form_token=form.pop_form_token(),
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The payment is recorded."))
            return redirect("mentoring:compensation_detail", pk=compensation.pk)
    payments = list(compensation.payments.select_related("recorded_by"))
    paid = sum((p.amount for p in payments), 0)
    return render(
        request,
        "mentoring/compensation_detail.html",
        {
            "compensation": compensation,
            "payments": payments,
            "paid": paid,
            "left": compensation.amount - paid,
            "form": form,
        },
    )
