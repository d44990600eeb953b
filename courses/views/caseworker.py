"""The caseworkers' pages: events and their programme, postponing and cancelling, attendance,
materials, practical tasks, the annual plan, feedback forms and their results (results and the
plan against what was held are for evaluators too). Each needs the caseworker role (403
otherwise); changes to an event need a caseworker of the body administering its scheme."""

from collections import defaultdict
from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Min, Q
from django.db.models.functions import Now
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses import anonymise, plans, services
from courses.forms import (
    AttendanceForm,
    CancelEventForm,
    EventForm,
    FeedbackFormForm,
    MaterialForm,
    PlanIntroductionForm,
    PlannedItemForm,
    PostponeEventForm,
    ProgrammeFormSet,
    TaskForm,
    question_formset,
)
from courses.models import (
    Event,
    EventKind,
    FeedbackForm,
    Material,
    PlannedItem,
    ProgrammeItem,
    QuestionKind,
    Registration,
)
from courses.views._common import (
    administered_event,
    by_month,
    choose,
    file_error,
    plan_rows,
    render_event,
    scheme_query,
    topics,
)
from scheme.compiled import first_row, kept, kept_per_access
from scheme.formatting import format_day
from scheme.models import SchemeYear, administered_schemes
from scheme.roles import Role, access_for, require_administers, require_role
from scheme.states import Decision
from scheme.web import (
    add_formset_errors,
    add_service_errors,
    counted_page,
    get_visible_or_404,
    only_or_404,
    paginate_counted,
    url_for_pk,
)

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
    "at_administrator",
    "registration_deadline",
    "planned_item",
]


def _administered_years(user):
    """The scheme years of the schemes the caseworker's body runs, newest first."""
    years = SchemeYear.objects.current_first()
    return access_for(user).administered(years, "scheme__administrator_id")


@kept_per_access
def _event_years(user):
    return _administered_years(user)


@kept_per_access
def _planned_items(user):
    """The items of those years' plans, an event may fulfil one."""
    items = PlannedItem.objects.filter(plan__scheme_year__in=_administered_years(user))
    items = items.select_related("plan__scheme_year__scheme")
    newest_year_first = ("-plan__scheme_year__year", "plan__scheme_year__scheme__name")
    return items.order_by(*newest_year_first, "month", "id")


def event_edit(request, pk=None):
    require_role(request.user, Role.CASEWORKER)
    event = administered_event(request, pk) if pk is not None else None
    scheme_years = _event_years(request.user)
    planned_items = _planned_items(request.user)
    if event is None:
        years = [y for y in scheme_years if y.scheme.is_active]
        this_year = next(
            (y for y in years if y.year == timezone.localdate().year),
            years[0] if years else None,
        )
        initial = {"scheme_year": this_year, "kind": EventKind.COURSE, "audience": "participants"}
    else:
        initial = {name: getattr(event, name) for name in EVENT_FIELDS}
        initial["competence_areas"] = [area.pk for area in topics(event)]
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


@kept(params=["event_id"])
def _programme_of(event_id):
    return ProgrammeItem.objects.filter(event_id=event_id).select_related("presenter")


def programme_edit(request, pk):
    event = administered_event(request, pk)
    initial = [
        {
            "starts_at": item.starts_at,
            "title": item.title,
            "presenter": item.presenter,
            "presenter_name": item.presenter_name,
        }
        for item in _programme_of(event_id=event.pk)
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
            add_formset_errors(formset, error)
        else:
            messages.success(request, _("The programme is saved."))
            return redirect("courses:event", pk=event.pk)
    return render(request, "courses/programme_form.html", {"event": event, "formset": formset})


def event_cancel(request, pk):
    event = administered_event(request, pk)
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


def event_postpone(request, pk):
    """A new, later time for the event; the same event keeps its registrations."""
    event = administered_event(request, pk)
    decision = Event.workflow.decide(request.user, event, "postpone")
    form = PostponeEventForm(
        request.POST if request.method == "POST" else None,
        initial={
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "registration_deadline": event.registration_deadline,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.postpone_event(request.user, event, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The event is postponed and the registered organisations are told.")
            )
            return redirect("courses:event", pk=event.pk)
    return render(
        request,
        "courses/event_postpone.html",
        {"event": event, "form": form, "decision": decision},
    )


@kept(params=["event_id"])
def _people_registered(event_id):
    """(id, name, organisation's name, came) of the event's registrations."""
    registrations = Registration.objects.active().filter(event_id=event_id)
    return registrations.order_by("organisation__name", "person_name").values_list(
        "pk", "person_name", "organisation__name", "attended"
    )


def attendance(request, pk):
    event = administered_event(request, pk)
    # Plain rows, not model instances: a gathering has hundreds of people.
    people = list(_people_registered(event_id=event.pk))
    form = AttendanceForm(request.POST if request.method == "POST" else None, people=people)
    if request.method == "POST" and form.is_valid():
        try:
            came = services.mark_attendance(request.user, event, form.cleaned_data["came"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Attendance is saved: %(came)d of %(total)d came.")
                % {"came": came, "total": len(people)},
            )
            return redirect("courses:event", pk=event.pk)
    if form.is_bound:
        ticked = set(form.data.getlist("came"))
        rows = [(pk, name, org, str(pk) in ticked) for pk, name, org, _came in people]
    else:
        rows = [(pk, name, org, bool(came)) for pk, name, org, came in people]
    return render(
        request,
        "courses/attendance.html",
        {
            "event": event,
            "form": form,
            "rows": _attendance_rows(rows),
        },
    )


def _attendance_rows(rows):
    """The table's rows, a box to tick per person, built here rather than in a template loop:
    a gathering has hundreds of people, and the template language takes some fifty times as
    long for each."""
    organisations = {}  # each organisation's name escaped once: it has several people
    for _pk, _name, organisation, _checked in rows:
        if organisation not in organisations:
            organisations[organisation] = escape(organisation)
    return mark_safe(  # the names are escaped; the ids are numbers
        "\n".join(
            f'<tr><td><input class="form-check-input" type="checkbox" name="came" value="{pk}" '
            f'id="came-{pk}"{" checked" if checked else ""}></td>'
            f'<td><label for="came-{pk}">{escape(name)}</label></td>'
            f"<td>{organisations[organisation]}</td></tr>"
            for pk, name, organisation, checked in rows
        )
    )


def attendance_overview(request):
    """Per organisation and year: the events it registered for and those it came to (events
    that have started and were not cancelled). A page of organisations is read, by name, and
    the figures of those alone."""
    require_role(request.user, Role.CASEWORKER)
    held = dict(_held_per_year(request.user))
    years = sorted(held)  # (every registration counted is for a held event of these years)
    page = paginate_counted(request, read=partial(_attending_organisations, request.user))
    shown = tuple(organisation["organisation_id"] for organisation in page.object_list)
    cells = defaultdict(dict)
    for row in _attendance_figures(request.user, shown):
        cells[row["organisation_id"]][row["event__scheme_year__year"]] = row
    rows = []
    for organisation in page.object_list:
        figures = cells[organisation["organisation_id"]]
        rows.append(
            {
                "name": organisation["name"],
                "cells": [figures.get(year) for year in years],
                "events": sum(row["n_events"] for row in figures.values()),
                "attended": sum(row["n_attended"] for row in figures.values()),
            }
        )
    page.object_list = rows
    return render(
        request,
        "courses/attendance_overview.html",
        {
            "years": years,
            "held": [held[year] for year in years],
            "page": page,
            "rows": _attendance_overview_rows(rows),
        },
    )


def _held_registrations(user):
    """The registrations, not cancelled, for the held events of the caseworker's schemes."""
    registrations = access_for(user).administered(
        Registration.objects.active(), "event__scheme_year__scheme__administrator_id"
    )
    return registrations.filter(event__in=Event.objects.held(Now()))


@kept_per_access
def _held_per_year(user):
    """The caseworker's schemes' held events per year."""
    held = access_for(user).administered(
        Event.objects.held(Now()), "scheme_year__scheme__administrator_id"
    )
    return (
        held.values_list("scheme_year__year")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("scheme_year__year", "n")
    )


@kept_per_access
def _attending_organisations(user, number):
    """Page ``number`` of the organisations registered for a held event, by name, with the
    count of all."""
    # From the registrations, grouped by organisation, the name an aggregate: sorted after
    # grouping, rather than walking every organisation by name to find those registered.
    organisations = (
        _held_registrations(user)
        .values("organisation_id")
        .annotate(name=Min("organisation__name"))
        .order_by("name", "organisation_id")
    )
    return counted_page(organisations, number)


@kept_per_access
def _attendance_figures(user, organisation_ids):
    """Per organisation of ``organisation_ids`` and year: the held events registered for and
    those attended."""
    registrations = _held_registrations(user).filter(organisation_id__in=organisation_ids)
    return registrations.values("organisation_id", "event__scheme_year__year").annotate(
        n_events=Count("event", distinct=True),
        n_attended=Count("event", filter=Q(attended=True), distinct=True),
    )


def _attendance_overview_rows(rows):
    """The table's rows, "n of m" per year and for the whole period, written here rather than
    by a template loop (a page has 25 organisations times the years); names escaped."""

    def came(attended, events):
        return _("%(attended)s of %(events)s") % {
            "attended": localize(attended),
            "events": localize(events),
        }

    return mark_safe(
        "\n".join(
            f'<tr><th scope="row">{escape(row["name"])}</th>'
            + "".join(
                '<td class="text-end">'
                + (came(cell["n_attended"], cell["n_events"]) if cell else "–")
                + "</td>"
                for cell in row["cells"]
            )
            + f'<td class="text-end">{came(row["attended"], row["events"])}</td></tr>'
            for row in rows
        )
    )


def material_add(request, pk):
    event = administered_event(request, pk, page=True)
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
            file_error(form, "file", error)
        else:
            messages.success(request, _("%(title)s is added.") % {"title": material.title})
            return redirect(reverse("courses:event", args=[event.pk]) + "#materials")
    return render_event(request, event, material_form=form)


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


def task_give(request, pk):
    event = administered_event(request, pk)
    form = TaskForm(request.POST if request.method == "POST" else None, event=event)
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


@kept_per_access
def _plan_years(user, year, administered_only: bool):
    """The scheme years of ``year``, the running schemes' first; ``administered_only``: of
    the schemes the caseworker's body runs."""
    scheme_years = SchemeYear.objects.filter(year=year).select_related("scheme")
    if administered_only:
        scheme_years = access_for(user).administered(scheme_years, "scheme__administrator_id")
    return scheme_years.order_by("-scheme__is_active", "scheme__name")


def plan_edit(request, year):
    require_role(request.user, Role.CASEWORKER)
    candidates = list(_plan_years(request.user, year, True))
    scheme_year = choose(candidates, request, lambda y: y.scheme.slug)
    if scheme_year is None:
        raise Http404
    here = reverse("courses:plan_edit", args=[year]) + scheme_query(
        candidates, scheme_year.scheme.slug
    )
    plan = first_row(plans.plan_of_year(scheme_year_id=scheme_year.pk))
    items = list(plans.items_of_plan(plan_id=plan.pk)) if plan else []
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
    months = by_month(items)
    return render(
        request,
        "courses/plan_edit.html",
        {
            "year": year,
            "scheme_year": scheme_year,
            "candidates": candidates if len(candidates) > 1 else [],
            "plan": plan,
            "months": months,
            "plan_rows": plan_rows(request, months, scheme_year),
            "editing": editing,
            "intro_form": intro_form,
            "item_form": item_form,
        },
    )


def plan_against_held(request, year):
    """The plan against what was held; no names of people, so evaluators may read it too."""
    access = require_role(request.user, Role.CASEWORKER, Role.EVALUATOR)
    # Evaluators read every scheme's; caseworkers their body's.
    administered_only = access.is_caseworker and not access.has(Role.EVALUATOR)
    candidates = list(_plan_years(request.user, year, administered_only))
    scheme_year = choose(candidates, request, lambda y: y.scheme.slug)
    if scheme_year is None:
        raise Http404
    table = plans.plan_against_held(scheme_year)
    words = _held_words(access.is_caseworker)
    for row in table["rows"]:
        row.item.month_name = MONTHS[row.item.month]
        for event in row.events:
            event.shown = _held_event(event, words)
    for event in table["unplanned"]:
        event.shown = _held_event(event, words)
    return render(
        request,
        "courses/plan_against_held.html",
        {
            "year": year,
            "scheme_year": scheme_year,
            "candidates": candidates if len(candidates) > 1 else [],
            "table": table,
        },
    )


def _held_words(link: bool) -> dict:
    """What every event of the plan against what was held is written with, read once: the
    kinds' names, the words, the link to an event (caseworkers only) and the time now."""
    return {
        "kinds": {kind: escape(label) for kind, label in EventKind.choices},
        "coming": escape(_("coming")),
        "link": url_for_pk("courses:event") if link else None,
        "now": timezone.now(),
    }


def _held_event(event, words) -> str:
    """An event in the plan against what was held: its title (a link for caseworkers), kind and
    date, whether it was postponed and whether it is still to come; written here rather than by
    a template included for each event, every text escaped as the template would."""
    title = escape(event.title)
    if words["link"]:
        title = f'<a href="{words["link"](event.pk)}">{title}</a>'
    starts = format_day(timezone.localdate(event.starts_at))
    facts = f"{words['kinds'].get(event.kind) or escape(event.kind)}, {starts}"
    if event.is_postponed:
        first = format_day(timezone.localdate(event.first_starts_at))
        facts += ", " + escape(_("postponed from %(date)s") % {"date": first})
    if event.starts_at > words["now"]:
        facts += ", " + words["coming"]
    return mark_safe(f"{title} ({facts})")  # every text is escaped; the id and dates are ours


@kept_per_access
def _administered_events(user):
    """The events of the schemes the caseworker's body runs, the latest first."""
    events = Event.objects.select_related("scheme_year__scheme").order_by("-starts_at")
    return access_for(user).administered(events, "scheme_year__scheme__administrator_id")


def form_edit(request, pk=None):
    require_role(request.user, Role.CASEWORKER)
    feedback_form = None
    if pk is not None:
        feedback_form = get_visible_or_404(
            FeedbackForm.objects.select_related("scheme", "event"), request.user, pk=pk
        )
        require_administers(request.user, feedback_form.scheme)
    schemes = list(administered_schemes(request.user))
    events = list(_administered_events(request.user))
    change = (
        feedback_form.workflow.decide(request.user, feedback_form, "edit")
        if feedback_form
        else Decision(True)
    )
    if feedback_form is None:
        initial = {"scheme": schemes[0] if schemes else None}
        asked = request.GET.get("event", "")
        initial["event"] = next((event for event in events if str(event.pk) == asked), None)
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
            "change": change,
            "kinds": QuestionKind,
        },
    )


def _bars(counts, scale=100):
    """(label, count, length) with the largest count drawn ``scale`` long."""
    largest = max((count for _label, count in counts), default=0) or 1
    return [(label, count, round(count * scale / largest)) for label, count in counts]


@kept_per_access(params=["pk"])
def _form_with_results(user, pk):
    """The feedback form ``pk`` if the user may read its results, with its questions."""
    forms = FeedbackForm.objects.results_visible_to(user).select_related("event", "scheme")
    return forms.prefetch_related("questions").filter(pk=pk)


def form_results(request, pk):
    """Aggregates per question and free text without names, for caseworkers and evaluators."""
    require_role(request.user, Role.CASEWORKER, Role.EVALUATOR)
    feedback_form = only_or_404(_form_with_results(request.user, pk=pk))
    summary = anonymise.results_for(request.user, feedback_form)
    rows = []
    for result in summary.questions:
        bars = []
        if summary.anonymised:
            bars = [{"label": label, "count": count} for label, count in result.counts]
        elif result.question.kind == QuestionKind.RATING:
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
            "summary": summary,
            "rows": rows,
            "responses": summary.responses,
            "smallest": feedback_form.scheme.smallest_group,
            "kinds": QuestionKind,
        },
    )
