"""What competence building puts on the dashboard: for an organisation its upcoming events,
registration deadlines, feedback forms to answer and tasks to hand in; for a caseworker this
month's events and the attendance still to mark."""

import datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import (
    AnnualPlan,
    Event,
    FeedbackForm,
    HandIn,
    PracticalTask,
    Registration,
    Response,
)
from organisations import dashboard as organisations_dashboard
from scheme.compiled import first_row, kept_per_access
from scheme.queries import JSONRows, count_of
from scheme.registry import DueItem, Panel, register_due_items, register_panel
from scheme.roles import Role, access_for

UPCOMING_SHOWN = 5
EVALUATION_FORMS_SHOWN = 5


def own_organisations(user) -> list:
    """The participant and mentor organisations the user belongs to (one query per request,
    shared with the other panels: ``organisations.dashboard.own_organisations``)."""
    return organisations_dashboard.own_organisations(user)


def _with_prefix(organisations, organisation, text):
    """Name the organisation only when the user acts for several."""
    return f"{organisation.name}: {text}" if len(organisations) > 1 else text


def _own_registrations(ids):
    """The outer event's active registrations of the organisations ``ids``, as JSON rows."""
    registrations = Registration.objects.active().filter(
        event=OuterRef("pk"), organisation_id__in=ids
    )
    return JSONRows(
        registrations.order_by("person_name"),
        organisation_id="organisation_id",
        person_name="person_name",
    )


@kept_per_access
def _upcoming_events(user, ids, years):
    """The next events the user sees for the ``years`` their organisations ``ids`` take part
    in, with the organisations' registrations."""
    return (
        Event.objects.visible_to(user, years)
        .upcoming(Now())
        .select_related("scheme_year")
        .annotate(registrations_json=_own_registrations(ids))
        .order_by("starts_at", "id")[:20]
    )


@kept_per_access
def _open_forms(user, years):
    """The feedback forms open now that the user sees and has not answered."""
    return (
        FeedbackForm.objects.visible_to(user, years)
        .open_for_answers(Now())
        .exclude(Exists(Response.objects.filter(form=OuterRef("pk"), respondent=user)))
        .select_related("event")
        .order_by("closes_at", "id")
    )


@kept_per_access
def _tasks_to_hand_in(user, ids, today):
    """Each task due from ``today`` given to one of the organisations ``ids`` that has not
    handed it in."""
    handed_in = HandIn.objects.filter(
        task=OuterRef("practicaltask_id"), organisation=OuterRef("organisation_id")
    )
    return (
        PracticalTask.organisations.through.objects.filter(
            organisation_id__in=ids,
            practicaltask__in=PracticalTask.objects.visible_to(user).filter(due_on__gte=today),
        )
        .exclude(Exists(handed_in))
        .select_related("practicaltask__event")
        .order_by("practicaltask__due_on", "practicaltask_id", "organisation__name")
    )


def organisation_overview(user) -> dict:
    """Upcoming events with the user's organisations' registrations, open forms not answered
    and tasks still to hand in: three queries, kept on the user object for the request."""
    cached = getattr(user, "_courses_overview", None)
    if cached is not None:
        return cached
    organisations = own_organisations(user)
    overview = {"events": [], "forms": [], "tasks": []}
    if organisations:
        ids = [o.pk for o in organisations]
        for organisation in organisations:  # what ``is_for`` reads, selected with them
            organisation._taking_part_years = organisations_dashboard.taking_part_years(
                organisation
            )
        # The years the organisations take part in, as read with them: the queries below
        # need not work them out again.
        years = {year for o in organisations for year in o._taking_part_years}
        ids, years = tuple(ids), tuple(sorted(years))
        events = list(_upcoming_events(user, ids, years))
        for event in events:
            event.own_registrations = [
                Registration(event=event, **row) for row in event.registrations_json
            ]
            event.eligible = [o for o in organisations if event.is_for(o)]
            registered = {r.organisation_id for r in event.own_registrations}
            event.unregistered = [o for o in event.eligible if o.pk not in registered]
        forms = _open_forms(user, years)
        # Each task given to one of the organisations that has not handed it in, one query.
        by_id = {o.pk: o for o in organisations}
        assigned = _tasks_to_hand_in(user, ids, timezone.localdate())
        overview["events"] = events
        overview["forms"] = [form for form in forms if any(form.is_for(o) for o in organisations)]
        overview["tasks"] = [(row.practicaltask, by_id[row.organisation_id]) for row in assigned]
    user._courses_overview = overview
    return overview


def organisation_panel(request):
    overview = organisation_overview(request.user)
    if not own_organisations(request.user):
        return None
    return Panel(
        "courses/panels/upcoming.html",
        {"events": overview["events"][:UPCOMING_SHOWN], "more": len(overview["events"])},
        order=30,
    )


def organisation_due_items(user):
    organisations = own_organisations(user)
    if not organisations:
        return
    overview = organisation_overview(user)
    today = timezone.localdate()
    for event in overview["events"]:
        if not event.registration_open(today):
            continue
        for organisation in event.unregistered:
            yield DueItem(
                _with_prefix(
                    event.eligible,
                    organisation,
                    _("Register for %(event)s") % {"event": event.title},
                ),
                reverse("courses:event", args=[event.pk]),
                event.registration_deadline,
            )
    for form in overview["forms"]:
        yield DueItem(
            _("Answer the feedback form “%(title)s”") % {"title": form.title},
            reverse("courses:form", args=[form.pk]),
            timezone.localtime(form.closes_at).date() if form.closes_at else None,
        )
    for task, organisation in overview["tasks"]:
        yield DueItem(
            _with_prefix(
                organisations,
                organisation,
                _("Hand in the task “%(title)s”") % {"title": task.title},
            ),
            reverse("courses:task", args=[task.pk]),
            task.due_on,
        )


def _administered_events(access):
    return access.administered(Event.objects.all(), "scheme_year__scheme__administrator_id")


@kept_per_access
def _this_month_or_unmarked(user, first, next_month):
    """The events of the schemes the caseworker's body runs that start from ``first`` and
    before ``next_month``, or that were held with registrations none of which is marked; with
    their registration counts."""
    active = Registration.objects.active().filter(event=OuterRef("pk"))
    this_month = Q(starts_at__gte=first, starts_at__lt=next_month)
    unmarked = Q(pk__in=Event.objects.held(Now()), has_active=True, has_marked=False)
    return (
        _administered_events(access_for(user))
        .annotate(
            registered=count_of(Registration.objects.active(), "event"),
            has_active=Exists(active),
            has_marked=Exists(active.filter(attended__isnull=False)),
        )
        .filter(this_month | unmarked)
        .order_by("starts_at", "id")
    )


def caseworker_overview(user) -> dict:
    """This month's events with their registration counts, and past events whose attendance
    is not marked: one query, kept on the user object for the request."""
    cached = getattr(user, "_courses_caseworker", None)
    if cached is not None:
        return cached
    now = timezone.localtime()
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    next_month = (first + datetime.timedelta(days=32)).replace(day=1)
    events = list(_this_month_or_unmarked(user, first, next_month))
    overview = {
        "this_month": [e for e in events if first <= e.starts_at < next_month],
        "to_mark": [
            e for e in reversed(events) if e.is_held(now) and e.has_active and not e.has_marked
        ][:20],
        "month": first,
    }
    user._courses_caseworker = overview
    return overview


@kept_per_access
def _latest_plan_year(user):
    return (
        AnnualPlan.objects.visible_to(user)
        .order_by("-scheme_year__year")
        .values_list("scheme_year__year", flat=True)[:1]
    )


def caseworker_panel(request):
    if not access_for(request.user).is_caseworker:
        return None
    overview = caseworker_overview(request.user)
    latest_plan = first_row(_latest_plan_year(request.user))
    return Panel("courses/panels/this_month.html", {**overview, "year": latest_plan}, order=35)


def evaluator_panel(request):
    """For evaluators: the feedback forms with their answers, and each year's plan against
    what was held; figures and links only."""
    if not access_for(request.user).has(Role.EVALUATOR):
        return None
    forms, years = _latest_results(request.user), _plan_years(request.user)
    return Panel(
        "courses/panels/evaluation.html", {"forms": list(forms), "years": list(years)}, order=25
    )


@kept_per_access
def _latest_results(user):
    """The newest feedback forms whose results the user sees, with how many answered."""
    return (
        FeedbackForm.objects.results_visible_to(user)
        .select_related("scheme", "event")
        .annotate(answers=Count("responses"))
        .order_by("-pk")[:EVALUATION_FORMS_SHOWN]
    )


@kept_per_access
def _plan_years(user):
    """The years of the annual plans the user sees, newest first."""
    return (
        AnnualPlan.objects.visible_to(user)
        .order_by("-scheme_year__year")
        .values_list("scheme_year__year", flat=True)
        .distinct()
    )


def caseworker_due_items(user):
    if not access_for(user).is_caseworker:
        return
    for event in caseworker_overview(user)["to_mark"]:
        yield DueItem(
            _("Mark who came to %(event)s") % {"event": event.title},
            reverse("courses:attendance", args=[event.pk]),
        )


def register():
    register_panel(organisation_panel)
    register_panel(caseworker_panel)
    register_panel(evaluator_panel)
    register_due_items(organisation_due_items)
    register_due_items(caseworker_due_items)
