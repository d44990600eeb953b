"""The pages of competence building: events and registration, attendance, materials, practical
tasks, the annual plan, feedback forms and "my calendar".

Every object is fetched through its queryset's ``visible_to(user)`` (get_visible_or_404; a
form's results through ``results_visible_to``), so what a user may not see answers 404, as a
missing one does: an event outside the user's audience, another organisation's registration or
hand-in. Caseworker pages need the caseworker role (403 otherwise) and changes to an event need
a caseworker of the body administering its scheme. Views validate a form, call one service and
show its errors; they change nothing themselves. Create forms carry a one-time token that the
service spends (scheme.once), so a double post saves once.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses import calendar, feedback, plans, services
from courses.anonymise import Scrubber
from courses.dashboard import own_organisations
from courses.forms import (
    AnswerForm,
    AttendanceForm,
    CancelEventForm,
    EventFilterForm,
    EventForm,
    FeedbackFormForm,
    HandInForm,
    MaterialForm,
    PlanCommentForm,
    PlanIntroductionForm,
    PlannedItemForm,
    ProgrammeFormSet,
    RegistrationForm,
    TaskForm,
    question_formset,
)
from courses.models import (
    AnnualPlan,
    CalendarFeed,
    Event,
    EventKind,
    FeedbackForm,
    HandIn,
    Material,
    PlanComment,
    PlannedItem,
    PracticalTask,
    QuestionKind,
    Registration,
    Response,
    taking_part_years,
)
from scheme.formatting import format_day
from scheme.models import Scheme, SchemeYear
from scheme.once import AlreadySent
from scheme.roles import Role, access_for, require_administers, require_role
from scheme.web import add_service_errors, get_visible_or_404, paginate, query_without_page

EVENT_FIELDS = [
    "scheme_year",
    "kind",
    "audience",
    "title",
    "description",
    "provider",
    "provider_name",
    "starts_at",
    "ends_at",
    "is_digital",
    "meeting_link",
    "place",
    "registration_deadline",
    "planned_item",
]


# --- access ------------------------------------------------------------------------------------


def _audience_organisations(user, event) -> list:
    """The user's organisations that the event is for (they may register)."""
    return [o for o in own_organisations(user) if event.is_for(o)]


def _event(request, pk):
    return get_visible_or_404(
        Event.objects.select_related("provider", "scheme_year__scheme", "planned_item"),
        request.user,
        pk=pk,
    )


def _administered_event(request, pk):
    require_role(request.user, Role.CASEWORKER)
    event = _event(request, pk)
    require_administers(request.user, event.scheme_year.scheme)
    return event


def _download(field_file, filename):
    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=filename)


def _file_error(form, field, error: ValidationError):
    """An upload's error belongs under the file field, unless the service names a field or
    the form was sent before."""
    if hasattr(error, "error_dict") or isinstance(error, AlreadySent):
        add_service_errors(form, error)
    else:
        form.add_error(field, error.messages)


def _choose(candidates, request, slug_of):
    """The candidate of the scheme in ``?scheme=<slug>``, else the first (or None)."""
    wanted = request.GET.get("scheme") or request.POST.get("scheme")
    for candidate in candidates:
        if slug_of(candidate) == wanted:
            return candidate
    return candidates[0] if candidates else None


# --- events ------------------------------------------------------------------------------------


def event_list(request):
    access = access_for(request.user)
    visible = Event.objects.visible_to(request.user)
    years = (
        visible.order_by("-scheme_year__year")
        .values_list("scheme_year__year", flat=True)
        .distinct()
    )
    filters = EventFilterForm(request.GET or None, years=list(years))
    events = visible.select_related("provider", "scheme_year")
    if filters.is_valid():
        if filters.cleaned_data["year"]:
            events = events.filter(scheme_year__year=filters.cleaned_data["year"])
        if filters.cleaned_data["kind"]:
            events = events.filter(kind=filters.cleaned_data["kind"])
    now = timezone.now()
    # Upcoming first, soonest first; then past, latest first.
    events = events.annotate(
        is_past=Case(
            When(ends_at__lt=now, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        upcoming_start=Case(When(ends_at__gte=now, then=F("starts_at")), default=None),
    ).order_by("is_past", F("upcoming_start").asc(nulls_last=True), "-starts_at", "-id")
    if access.is_caseworker:
        registered = (
            Registration.objects.active()
            .filter(event=OuterRef("pk"))
            .order_by()
            .values("event")
            .annotate(n=Count("pk"))
            .values("n")
        )
        events = events.annotate(
            registered=Coalesce(Subquery(registered, output_field=IntegerField()), 0)
        )
    else:
        own_ids = [o.pk for o in own_organisations(request.user)]
        events = events.prefetch_related(
            Prefetch(
                "registrations",
                queryset=Registration.objects.active()
                .filter(organisation_id__in=own_ids)
                .select_related("organisation")
                .order_by("organisation__name", "person_name"),
                to_attr="own_registrations",
            )
        )
    page = paginate(request, events)
    plan_years = AnnualPlan.objects.visible_to(request.user).order_by("-scheme_year__year")
    return render(
        request,
        "courses/event_list.html",
        {
            "filters": filters,
            "page": page,
            "upcoming": [e for e in page.object_list if not e.is_past],
            "past": [e for e in page.object_list if e.is_past],
            "query": query_without_page(request),
            "can_create": access.is_caseworker,
            "several_organisations": len(own_organisations(request.user)) > 1,
            "plan_years": plan_years.values_list("scheme_year__year", flat=True).distinct(),
        },
    )


def _render_event(request, event, *, register_form=None, material_form=None):
    user = request.user
    access = access_for(user)
    can_administer = access.administers(event.scheme_year.scheme)
    organisations = _audience_organisations(user, event)
    own_ids = [o.pk for o in own_organisations(user)]
    registration_open = event.registration_open()
    if register_form is None and organisations and registration_open:
        register_form = RegistrationForm(organisations=organisations)
    own_registrations = list(
        Registration.objects.active()
        .filter(event=event, organisation_id__in=own_ids)
        .select_related("organisation", "person")
        .order_by("organisation__name", "person_name")
    )
    registration_rows = [
        (o, [r for r in own_registrations if r.organisation_id == o.pk]) for o in organisations
    ]
    tasks = (
        PracticalTask.objects.visible_to(user).filter(event=event).prefetch_related("organisations")
    )
    if access.is_caseworker:
        tasks = tasks.annotate(handed_in=Count("hand_ins", distinct=True))
    feedback_forms = (
        FeedbackForm.objects.visible_to(user)
        .filter(event=event)
        .annotate(
            answered=Exists(Response.objects.filter(form=OuterRef("pk"), respondent_id=user.pk))
        )
    )
    context = {
        "event": event,
        "programme": event.programme.select_related("presenter"),
        "materials": event.materials.all(),
        "registration_open": registration_open,
        "registration_rows": registration_rows,
        "register_form": register_form,
        "cap": services.cap_for(event),
        "tasks": tasks,
        "feedback_forms": feedback_forms,
        "can_administer": can_administer,
        "today": timezone.localdate(),
        "has_started": event.starts_at <= timezone.now(),
    }
    if can_administer:
        context["all_registrations"] = (
            event.registrations.active()
            .select_related("organisation", "person")
            .order_by("organisation__name", "person_name")
        )
        context["material_form"] = material_form or MaterialForm()
    return render(request, "courses/event_detail.html", context)


def event_detail(request, pk):
    return _render_event(request, _event(request, pk))


def event_edit(request, pk=None):
    access = require_role(request.user, Role.CASEWORKER)
    event = _administered_event(request, pk) if pk is not None else None
    scheme_years = access.administered(
        SchemeYear.objects.select_related("scheme"), "scheme__administrator_id"
    ).order_by("-year", "scheme__name")
    planned_items = (
        PlannedItem.objects.filter(plan__scheme_year__in=scheme_years)
        .select_related("plan__scheme_year__scheme")
        .order_by("-plan__scheme_year__year", "plan__scheme_year__scheme__name", "month", "id")
    )
    if event is None:
        years = [y for y in scheme_years if y.scheme.is_active]
        this_year = next(
            (y for y in years if y.year == timezone.localdate().year),
            years[0] if years else None,
        )
        initial = {"scheme_year": this_year, "kind": EventKind.COURSE, "audience": "participants"}
    else:
        initial = {name: getattr(event, name) for name in EVENT_FIELDS}
        initial["competence_areas"] = [area.pk for area in event.competence_areas.all()]
    form = EventForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        scheme_years=scheme_years,
        planned_items=planned_items,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        areas = data.pop("competence_areas")
        token = form.pop_form_token(data)
        try:
            saved = services.save_event(
                request.user, event, competence_areas=areas, form_token=token, **data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The event is saved."))
            return redirect("courses:event", pk=saved.pk)
    return render(request, "courses/event_form.html", {"form": form, "event": event})


def programme_edit(request, pk):
    event = _administered_event(request, pk)
    initial = [
        {
            "starts_at": item.starts_at,
            "title": item.title,
            "presenter": item.presenter_id,
            "presenter_name": item.presenter_name,
        }
        for item in event.programme.all()
    ]
    formset = ProgrammeFormSet(
        request.POST if request.method == "POST" else None, initial=initial, prefix="programme"
    )
    if request.method == "POST" and formset.is_valid():
        items = [
            (
                form.cleaned_data["starts_at"],
                form.cleaned_data["title"],
                form.cleaned_data.get("presenter"),
                form.cleaned_data.get("presenter_name", ""),
            )
            for form in formset.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        try:
            services.save_programme(request.user, event, items)
        except ValidationError as error:
            formset._non_form_errors = formset.error_class(error.messages)
        else:
            messages.success(request, _("The programme is saved."))
            return redirect("courses:event", pk=event.pk)
    return render(request, "courses/programme_form.html", {"event": event, "formset": formset})


def event_cancel(request, pk):
    event = _administered_event(request, pk)
    form = CancelEventForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_event(request.user, event, form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The event is cancelled and the registered organisations are told.")
            )
            return redirect("courses:event", pk=event.pk)
    return render(request, "courses/event_cancel.html", {"event": event, "form": form})


# --- registration ------------------------------------------------------------------------------


def register(request, pk):
    event = _event(request, pk)
    if request.method != "POST":
        return redirect("courses:event", pk=event.pk)
    organisations = _audience_organisations(request.user, event)
    if not organisations:
        raise PermissionDenied
    form = RegistrationForm(request.POST, organisations=organisations)
    if form.is_valid():
        try:
            registration = services.register(
                request.user,
                event,
                form.cleaned_data["organisation"],
                person_name=form.cleaned_data["person_name"],
                person=form.cleaned_data["person"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is registered for %(event)s.")
                % {"name": registration.person_name, "event": event.title},
            )
            return redirect("courses:event", pk=event.pk)
    return _render_event(request, event, register_form=form)


@require_POST
def registration_cancel(request, pk):
    registration = get_visible_or_404(
        Registration.objects.filter(
            event__in=Event.objects.visible_to(request.user)
        ).select_related("event"),
        request.user,
        pk=pk,
    )
    try:
        services.cancel_registration(request.user, registration)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(name)s is no longer registered.") % {"name": registration.person_name},
        )
    return redirect("courses:event", pk=registration.event_id)


# --- attendance --------------------------------------------------------------------------------


def attendance(request, pk):
    event = _administered_event(request, pk)
    registrations = list(
        event.registrations.active()
        .select_related("organisation", "person")
        .order_by("organisation__name", "person_name")
    )
    form = AttendanceForm(
        request.POST if request.method == "POST" else None, registrations=registrations
    )
    if request.method == "POST" and form.is_valid():
        try:
            came = services.mark_attendance(request.user, event, form.cleaned_data["came"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Attendance is saved: %(came)d of %(total)d came.")
                % {"came": came, "total": len(registrations)},
            )
            return redirect("courses:event", pk=event.pk)
    if form.is_bound:
        ticked = set(form.data.getlist("came"))
        rows = [(r, str(r.pk) in ticked) for r in registrations]
    else:
        rows = [(r, bool(r.attended)) for r in registrations]
    return render(
        request,
        "courses/attendance.html",
        {
            "event": event,
            "form": form,
            "rows": rows,
            "has_started": event.starts_at <= timezone.now(),
        },
    )


def attendance_overview(request):
    """Per organisation and year: the events it registered for and those it came to (events
    that have started and were not cancelled)."""
    access = require_role(request.user, Role.CASEWORKER)
    now = timezone.now()
    registrations = access.administered(
        Registration.objects.active(), "event__scheme_year__scheme__administrator_id"
    ).filter(event__cancelled_at__isnull=True, event__starts_at__lte=now)
    figures = (
        registrations.values("organisation_id", "organisation__name", "event__scheme_year__year")
        .annotate(
            n_events=Count("event", distinct=True),
            n_attended=Count("event", filter=Q(attended=True), distinct=True),
        )
        .order_by("organisation__name", "event__scheme_year__year")
    )
    held = dict(
        access.administered(
            Event.objects.filter(cancelled_at__isnull=True, starts_at__lte=now),
            "scheme_year__scheme__administrator_id",
        )
        .values_list("scheme_year__year")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("scheme_year__year", "n")
    )
    years = sorted(held.keys() | {row["event__scheme_year__year"] for row in figures})
    by_organisation = {}
    for row in figures:
        entry = by_organisation.setdefault(
            row["organisation_id"],
            {"name": row["organisation__name"], "cells": {}, "events": 0, "attended": 0},
        )
        entry["cells"][row["event__scheme_year__year"]] = row
        entry["events"] += row["n_events"]
        entry["attended"] += row["n_attended"]
    rows = [
        {
            "name": entry["name"],
            "cells": [entry["cells"].get(year) for year in years],
            "events": entry["events"],
            "attended": entry["attended"],
        }
        for entry in by_organisation.values()
    ]
    return render(
        request,
        "courses/attendance_overview.html",
        {
            "years": years,
            "held": [held.get(year, 0) for year in years],
            "page": paginate(request, rows),
        },
    )


# --- materials ---------------------------------------------------------------------------------


def material_add(request, pk):
    event = _administered_event(request, pk)
    if request.method != "POST":
        return redirect("courses:event", pk=event.pk)
    form = MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            material = services.add_material(
                request.user,
                event,
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
                form_token=form.pop_form_token(),
            )
        except ValidationError as error:
            _file_error(form, "file", error)
        else:
            messages.success(request, _("%(title)s is added.") % {"title": material.title})
            return redirect(reverse("courses:event", args=[event.pk]) + "#materials")
    return _render_event(request, event, material_form=form)


def material_download(request, pk):
    material = get_visible_or_404(Material, request.user, pk=pk)
    return _download(material.file, material.original_name)


@require_POST
def material_remove(request, pk):
    require_role(request.user, Role.CASEWORKER)
    material = get_visible_or_404(
        Material.objects.select_related("event__scheme_year__scheme"), request.user, pk=pk
    )
    require_administers(request.user, material.event.scheme_year.scheme)
    services.remove_material(request.user, material)
    messages.success(request, _("%(title)s is removed.") % {"title": material.title})
    return redirect(reverse("courses:event", args=[material.event_id]) + "#materials")


# --- practical tasks ---------------------------------------------------------------------------


def task_give(request, pk):
    event = _administered_event(request, pk)
    organisations = (
        event.audience_organisations()
        .annotate(
            registered=Exists(
                Registration.objects.active().filter(event=event, organisation=OuterRef("pk"))
            )
        )
        .order_by("-registered", "name")
    )
    form = TaskForm(request.POST if request.method == "POST" else None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            token = form.pop_form_token()
            task = services.give_task(request.user, event, form_token=token, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The task is given. The organisations are told."))
            return redirect("courses:task", pk=task.pk)
    return render(request, "courses/task_form.html", {"event": event, "form": form})


def task_detail(request, pk):
    task = get_visible_or_404(
        PracticalTask.objects.select_related("event", "created_by").prefetch_related(
            "organisations"
        ),
        request.user,
        pk=pk,
    )
    access = access_for(request.user)
    own = [o for o in task.organisations.all() if access.is_member_of(o.pk)]
    hand_ins = list(
        HandIn.objects.visible_to(request.user)
        .filter(task=task)
        .select_related("organisation", "submitted_by")
        .order_by("organisation__name")
    )
    if not access.is_caseworker:
        hand_ins = [h for h in hand_ins if h.organisation_id in {o.pk for o in own}]
    open_for_hand_in = timezone.localdate() <= task.due_on
    form = None
    if own and open_for_hand_in:
        initial = {"text": hand_ins[0].text} if len(own) == 1 and hand_ins else {}
        form = HandInForm(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
            organisations=own,
            initial=initial,
        )
    if request.method == "POST":
        if not own:
            raise PermissionDenied
        if form is None:
            messages.error(
                request, _("The task was due %(date)s.") % {"date": format_day(task.due_on)}
            )
            return redirect("courses:task", pk=task.pk)
        if form.is_valid():
            try:
                services.hand_in(
                    request.user,
                    task,
                    form.cleaned_data["organisation"],
                    text=form.cleaned_data["text"],
                    upload=form.cleaned_data["file"] or None,
                    form_token=form.pop_form_token(),
                )
            except ValidationError as error:
                _file_error(form, "file", error)
            else:
                messages.success(request, _("Your answer is handed in. Thank you!"))
                return redirect("courses:task", pk=task.pk)
    return render(
        request,
        "courses/task_detail.html",
        {
            "task": task,
            "hand_ins": hand_ins,
            "form": form,
            "own": own,
            "open_for_hand_in": open_for_hand_in,
            "is_caseworker": access.is_caseworker,
        },
    )


def hand_in_download(request, pk):
    hand_in = get_visible_or_404(HandIn, request.user, pk=pk)
    return _download(hand_in.file, hand_in.original_name)


# --- the annual plan ---------------------------------------------------------------------------


def _by_month(items):
    months = {}
    for item in items:
        months.setdefault(item.month, []).append(item)
    return [(MONTHS[month], month_items) for month, month_items in sorted(months.items())]


def _scheme_query(candidates, chosen_slug):
    """``?scheme=<slug>`` when several schemes have the year, else nothing."""
    return f"?scheme={chosen_slug}" if len(candidates) > 1 else ""


def plan(request, year):
    access = access_for(request.user)
    if not (access.is_caseworker or access.has(Role.MEMBER, Role.MENTOR, Role.EVALUATOR)):
        raise Http404
    plans_qs = (
        AnnualPlan.objects.visible_to(request.user)
        .filter(scheme_year__year=year)
        .select_related("scheme_year__scheme")
        .order_by("-scheme_year__scheme__is_active", "scheme_year__scheme__name")
    )
    candidates = list(plans_qs)
    chosen = _choose(candidates, request, lambda p: p.scheme_year.scheme.slug)
    if chosen is None:
        if not access.is_caseworker:
            raise Http404
        scheme_years = list(
            access.administered(
                SchemeYear.objects.filter(year=year).select_related("scheme"),
                "scheme__administrator_id",
            )
        )
        if not scheme_years:
            raise Http404
        return render(request, "courses/plan.html", {"plan": None, "year": year, "candidates": []})
    organisations = [
        o for o in own_organisations(request.user) if chosen.scheme_year_id in taking_part_years(o)
    ]
    form = None
    if organisations and chosen.shared_at:
        form = PlanCommentForm(
            request.POST if request.method == "POST" else None, organisations=organisations
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.comment_on_plan(
                    request.user,
                    chosen,
                    form.cleaned_data["organisation"],
                    form.cleaned_data["text"],
                    form_token=form.pop_form_token(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Thank you! Your comment is sent to the caseworker."))
                return redirect(
                    reverse("courses:plan", args=[year])
                    + _scheme_query(candidates, chosen.scheme_year.scheme.slug)
                )
    comments = PlanComment.objects.visible_to(request.user).filter(plan=chosen)
    comments = comments.select_related("organisation", "author")
    return render(
        request,
        "courses/plan.html",
        {
            "plan": chosen,
            "year": year,
            "candidates": candidates if len(candidates) > 1 else [],
            "months": _by_month(chosen.items.prefetch_related("competence_areas")),
            "comments": comments if (access.is_caseworker or organisations) else [],
            "form": form,
            "can_edit": access.administers(chosen.scheme_year.scheme),
        },
    )


def plan_edit(request, year):
    access = require_role(request.user, Role.CASEWORKER)
    candidates = list(
        access.administered(
            SchemeYear.objects.filter(year=year).select_related("scheme"),
            "scheme__administrator_id",
        ).order_by("-scheme__is_active", "scheme__name")
    )
    scheme_year = _choose(candidates, request, lambda y: y.scheme.slug)
    if scheme_year is None:
        raise Http404
    here = reverse("courses:plan_edit", args=[year]) + _scheme_query(
        candidates, scheme_year.scheme.slug
    )
    plan = AnnualPlan.objects.filter(scheme_year=scheme_year).first()
    items = list(plan.items.prefetch_related("competence_areas")) if plan else []
    wanted = request.POST.get("item") or request.GET.get("item")
    editing = next((item for item in items if str(item.pk) == wanted), None)
    if wanted and editing is None:
        raise Http404
    action = request.POST.get("action") if request.method == "POST" else None
    intro_form = PlanIntroductionForm(
        request.POST if action == "introduction" else None,
        initial={"introduction": plan.introduction if plan else ""},
    )
    item_form = PlannedItemForm(
        request.POST if action == "item" else None,
        initial=PlannedItemForm.initial_for(editing) if editing else None,
    )
    if action == "introduction" and intro_form.is_valid():
        try:
            services.save_plan(request.user, scheme_year, **intro_form.cleaned_data)
        except ValidationError as error:
            add_service_errors(intro_form, error)
        else:
            messages.success(request, _("The introduction is saved."))
            return redirect(here)
    elif action == "item" and plan is not None and item_form.is_valid():
        data = dict(item_form.cleaned_data)
        areas = data.pop("competence_areas")
        token = item_form.pop_form_token(data)
        try:
            services.save_planned_item(
                request.user, plan, editing, competence_areas=areas, form_token=token, **data
            )
        except ValidationError as error:
            add_service_errors(item_form, error)
        else:
            messages.success(request, _("The planned item is saved."))
            return redirect(here)
    elif action == "remove" and editing is not None:
        services.remove_planned_item(request.user, editing)
        messages.success(request, _("%(topic)s is removed from the plan.") % {"topic": editing})
        return redirect(here)
    elif action == "share" and plan is not None:
        try:
            services.share_plan(request.user, plan)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("The plan is shared. Participants and mentors are asked for comments.")
            )
        return redirect(here)
    elif action not in (None, "introduction", "item"):
        raise Http404
    return render(
        request,
        "courses/plan_edit.html",
        {
            "year": year,
            "scheme_year": scheme_year,
            "candidates": candidates if len(candidates) > 1 else [],
            "plan": plan,
            "months": _by_month(items),
            "editing": editing,
            "intro_form": intro_form,
            "item_form": item_form,
        },
    )


def plan_against_held(request, year):
    """The plan against what was held; no names of people, so evaluators may read it too."""
    access = require_role(request.user, Role.CASEWORKER, Role.EVALUATOR)
    scheme_years = SchemeYear.objects.filter(year=year).select_related("scheme")
    if access.is_caseworker and not access.has(Role.EVALUATOR):
        scheme_years = access.administered(scheme_years, "scheme__administrator_id")
    candidates = list(scheme_years.order_by("-scheme__is_active", "scheme__name"))
    scheme_year = _choose(candidates, request, lambda y: y.scheme.slug)
    if scheme_year is None:
        raise Http404
    table = plans.plan_against_held(scheme_year)
    for row in table["rows"]:
        row.item.month_name = MONTHS[row.item.month]
    return render(
        request,
        "courses/plan_against_held.html",
        {
            "year": year,
            "scheme_year": scheme_year,
            "candidates": candidates if len(candidates) > 1 else [],
            "table": table,
            "link_events": access.is_caseworker,
            "now": timezone.now(),
        },
    )


# --- feedback forms ----------------------------------------------------------------------------


def form_list(request):
    access = access_for(request.user)
    user = request.user
    counted = FeedbackForm.objects.select_related("event", "scheme").annotate(
        answers=Count("responses")
    )
    if access.is_caseworker:
        forms = counted.filter(pk__in=FeedbackForm.objects.visible_to(user).values("pk"))
        mode = "caseworker"
    elif access.has(Role.EVALUATOR):
        forms = counted  # evaluators read every form's aggregated results, never who answered
        mode = "evaluator"
    elif own_organisations(user):
        now = timezone.now()
        forms = (
            FeedbackForm.objects.visible_to(user)
            .filter(Q(opens_at__isnull=True) | Q(opens_at__lte=now))
            .filter(Q(closes_at__isnull=True) | Q(closes_at__gte=now))
            .select_related("event")
            .annotate(
                answered=Exists(Response.objects.filter(form=OuterRef("pk"), respondent=user))
            )
        )
        mode = "organisation"
    else:
        forms = FeedbackForm.objects.none()
        mode = "none"
    page = paginate(request, forms.order_by("-id"))
    return render(request, "courses/form_list.html", {"page": page, "mode": mode})


def form_edit(request, pk=None):
    access = require_role(request.user, Role.CASEWORKER)
    feedback_form = None
    if pk is not None:
        feedback_form = get_visible_or_404(
            FeedbackForm.objects.select_related("scheme", "event"), request.user, pk=pk
        )
        require_administers(request.user, feedback_form.scheme)
    schemes = access.administered(Scheme.objects.all(), "administrator_id").order_by("name")
    events = access.administered(
        Event.objects.select_related("scheme_year__scheme"), "scheme_year__scheme__administrator_id"
    ).order_by("-starts_at")
    answered = feedback_form is not None and feedback_form.responses.exists()
    if feedback_form is None:
        initial = {"scheme": schemes.first()}
        if request.GET.get("event", "").isdigit():
            initial["event"] = events.filter(pk=request.GET["event"]).first()
        questions_initial = []
    else:
        initial = {
            name: getattr(feedback_form, name)
            for name in ("scheme", "title", "introduction", "event", "opens_at", "closes_at")
        }
        questions_initial = [
            {
                "kind": q.kind,
                "text": q.text,
                "choices": "\n".join(q.choices),
                "required": q.required,
            }
            for q in feedback_form.questions.all()
        ]
    post = request.POST if request.method == "POST" else None
    form = FeedbackFormForm(
        post,
        initial=initial,
        schemes=schemes,
        events=events,
        lock_scheme=feedback_form is not None,
    )
    formset = question_formset(extra=5 if feedback_form is None else 2)(
        post, initial=questions_initial, prefix="questions"
    )
    if post is not None and form.is_valid() and formset.is_valid():
        data = dict(form.cleaned_data)
        scheme = data.pop("scheme")
        token = form.pop_form_token(data)
        try:
            saved = services.save_form(
                request.user,
                scheme,
                questions=formset.questions(),
                form=feedback_form,
                form_token=token,
                **data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The form is saved."))
            return redirect("courses:form", pk=saved.pk)
    return render(
        request,
        "courses/form_edit.html",
        {
            "form": form,
            "formset": formset,
            "feedback_form": feedback_form,
            "answered": answered,
            "kinds": QuestionKind,
        },
    )


def form_answer(request, pk):
    feedback_form = get_visible_or_404(
        FeedbackForm.objects.select_related("event", "scheme"), request.user, pk=pk
    )
    access = access_for(request.user)
    organisations = [o for o in own_organisations(request.user) if feedback_form.is_for(o)]
    questions = list(feedback_form.questions.all())
    already = Response.objects.filter(form=feedback_form, respondent=request.user).exists()
    is_open = feedback_form.is_open()
    post = request.POST if request.method == "POST" else None
    if post is not None and not organisations:
        raise PermissionDenied
    form = AnswerForm(post, questions=questions, organisations=organisations)
    if post is not None and form.is_valid():
        try:
            services.answer_form(
                request.user, feedback_form, form.cleaned_data["organisation"], form.answers()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you for your answers!"))
            return redirect("courses:form", pk=feedback_form.pk)
    can_answer = bool(organisations) and is_open and not already
    if not can_answer and not form.is_bound:
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "courses/form_answer.html",
        {
            "feedback_form": feedback_form,
            "form": form,
            "can_answer": can_answer or (form.is_bound and bool(organisations)),
            "already": already,
            "is_open": is_open,
            "can_answer_at_all": bool(organisations),
            "can_see_results": access.is_caseworker or access.has(Role.EVALUATOR),
            "can_edit": access.administers(feedback_form.scheme),
        },
    )


def _bars(counts, scale=100):
    """(label, count, length) with the largest count drawn ``scale`` long."""
    largest = max((count for _label, count in counts), default=0) or 1
    return [(label, count, round(count * scale / largest)) for label, count in counts]


def form_results(request, pk):
    """Aggregates per question and free text without names, for caseworkers and evaluators."""
    access = require_role(request.user, Role.CASEWORKER, Role.EVALUATOR)
    forms = FeedbackForm.objects.results_visible_to(request.user)
    feedback_form = get_object_or_404(forms.select_related("event", "scheme"), pk=pk)
    results = feedback.results(feedback_form)
    if not access.administers(feedback_form.scheme):
        # Evaluators read free text with the names of people and organisations blanked out.
        scrub = Scrubber.for_portal()
        for result in results:
            result.texts = [scrub(text) for text in result.texts]
    rows = []
    for result in results:
        bars = []
        if result.question.kind == QuestionKind.RATING:
            # A column chart 250 wide: columns 30 wide at 50 apart, at most 80 high.
            bars = [
                {"label": label, "count": count, "x": 10 + 50 * i, "height": height}
                for i, (label, count, height) in enumerate(_bars(result.counts, 80))
            ]
            for bar in bars:
                bar["y"] = 95 - bar["height"]
                bar["text_x"] = bar["x"] + 15
                bar["count_y"] = bar["y"] - 4
        elif result.counts:
            bars = [
                {"label": label, "count": count, "width": width}
                for label, count, width in _bars(result.counts, 100)
            ]
        rows.append({"result": result, "bars": bars})
    return render(
        request,
        "courses/form_results.html",
        {
            "feedback_form": feedback_form,
            "rows": rows,
            "responses": feedback_form.responses.count(),
            "kinds": QuestionKind,
        },
    )


# --- my calendar -------------------------------------------------------------------------------


def my_calendar(request):
    if request.method == "POST":
        services.calendar_feed_for(request.user, renew=True)
        messages.success(
            request,
            _("Your calendar has a new address. Calendars that use the old one stop updating."),
        )
        return redirect("courses:calendar")
    feed = services.calendar_feed_for(request.user)
    events = calendar.my_events(request.user).select_related("provider")
    return render(
        request,
        "courses/calendar.html",
        {
            "events": events,
            "feed_url": request.build_absolute_uri(
                reverse("courses:calendar_feed", args=[feed.token])
            ),
        },
    )


@login_not_required
def calendar_feed(request, token):
    """The .ics feed for calendar apps, which cannot log in: the secret address is the key."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token=token, user__is_active=True)
        .first()
    )
    if feed is None:
        raise Http404
    response = HttpResponse(calendar.ics(feed.user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response
