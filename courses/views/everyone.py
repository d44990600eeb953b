"""The pages every signed-in user has, showing what their role allows: the events and one
event, materials, the feedback forms, "my calendar"; and the calendar feed, which needs no
login (its secret address is the key)."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Value,
    When,
)
from django.db.models.functions import Now
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, localize
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from courses import calendar, services
from courses.forms import EventFilterForm
from courses.models import (
    AnnualPlan,
    CalendarFeed,
    Event,
    FeedbackForm,
    Material,
    Registration,
    Response,
)
from courses.views._common import own_organisation_ids, render_event, visible_event
from scheme.compiled import first_row, kept_per_access
from scheme.formatting import format_day
from scheme.queries import count_of
from scheme.roles import Role, access_for
from scheme.storage import download
from scheme.web import (
    counted_page,
    get_visible_or_404,
    paginate_counted,
    query_without_page,
    url_for_pk,
)


@kept_per_access
def _event_years(user):
    """The years of the events the user sees, latest first (the filter's choices)."""
    visible = Event.objects.visible_to(user).order_by("-scheme_year__year")
    return visible.values_list("scheme_year__year", flat=True).distinct()


@kept_per_access
def _plan_years(user):
    """The years of the annual plans the user sees, latest first."""
    plans = AnnualPlan.objects.visible_to(user).order_by("-scheme_year__year")
    return plans.values_list("scheme_year__year", flat=True).distinct()


@kept_per_access
def _event_page(user, year, kind, number):
    """Page ``number`` of the events the user sees, of ``year`` and ``kind`` if given, with
    the count of all (``ROWS_IN_ALL``): upcoming first, soonest first; then past, latest first.
    Caseworkers get the number registered, others their own organisations' registrations."""
    events = Event.objects.visible_to(user).select_related("provider", "scheme_year")
    if year:
        events = events.filter(scheme_year__year=year)
    if kind:
        events = events.filter(kind=kind)
    now = Now()
    events = events.annotate(
        is_past=Case(
            When(ends_at__lt=now, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        upcoming_start=Case(When(ends_at__gte=now, then=F("starts_at")), default=None),
    ).order_by("is_past", F("upcoming_start").asc(nulls_last=True), "-starts_at", "-id")
    if access_for(user).is_caseworker:
        events = events.annotate(registered=count_of(Registration.objects.active(), "event"))
    else:
        events = events.prefetch_related(
            Prefetch(
                "registrations",
                queryset=Registration.objects.active()
                .filter(organisation_id__in=own_organisation_ids(user))
                .select_related("organisation")
                .order_by("organisation__name", "person_name"),
                to_attr="own_registrations",
            )
        )
    return counted_page(events, number)


def event_list(request):
    access = access_for(request.user)
    filters = EventFilterForm(request.GET or None, years=list(_event_years(request.user)))
    year = kind = None
    if filters.is_valid():
        year, kind = filters.cleaned_data["year"], filters.cleaned_data["kind"]
    page = paginate_counted(request, read=partial(_event_page, request.user, year, kind))
    several = len(own_organisation_ids(request.user)) > 1
    upcoming = [e for e in page.object_list if not e.is_past]
    past = [e for e in page.object_list if e.is_past]
    return render(
        request,
        "courses/event_list.html",
        {
            "filters": filters,
            "page": page,
            "upcoming": upcoming,
            "past": past,
            "upcoming_rows": _event_rows(upcoming, several),
            "past_rows": _event_rows(past, several),
            "query": query_without_page(request),
            "can_create": access.is_caseworker,
            "plan_years": _plan_years(request.user),
        },
    )


def _event_rows(events, several_organisations: bool) -> str:
    """The event table's rows, written here rather than by a template loop (which takes many
    times as long per row); every text escaped as the template would. The last column is the
    number registered (``registered``, counted for caseworkers) or the own organisations'
    people (``own_registrations``), named after their organisation when the user acts for
    several."""
    labels = {name: dict(Event._meta.get_field(name).flatchoices) for name in ("kind", "audience")}
    link = url_for_pk("courses:event")
    return mark_safe(  # every value is escaped; the ids and dates are ours
        "\n".join(_event_row(event, labels, link, several_organisations) for event in events)
    )


def _event_row(event, labels, link, several_organisations: bool) -> str:
    starts, ends = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)
    kind, audience = labels["kind"][event.kind], labels["audience"][event.audience]
    badges = ""
    if event.cancelled_at:
        cancelled = _("cancelled")
        badges += f' <span class="badge text-bg-danger">{escape(cancelled)}</span>'
    if event.is_postponed:
        first = date_format(timezone.localtime(event.first_starts_at), "SHORT_DATE_FORMAT")
        postponed = _("postponed from %(date)s") % {"date": first}
        badges += f' <span class="badge text-bg-warning">{escape(postponed)}</span>'
    where = _("Digital") if event.is_digital else event.place
    if hasattr(event, "registered"):
        registered = localize(event.registered)
    elif event.own_registrations:
        registered = ", ".join(
            escape(r.person_name)
            + (f" ({escape(r.organisation.name)})" if several_organisations else "")
            for r in event.own_registrations
        )
    else:
        nobody = _("nobody")
        registered = f'<span class="text-body-secondary">{escape(nobody)}</span>'
    return (
        f'<tr><td><a href="{link(event.pk)}">{escape(event.title)}</a>'
        f"{badges}</td>"
        f"<td>{escape(capfirst(kind))}"
        f'<span class="d-block small text-body-secondary">{escape(audience)}</span></td>'
        f'<td class="text-nowrap"><time datetime="{starts.isoformat()}">'
        f"{format_day(starts.date())} {starts:%H:%M}</time>–{ends:%H:%M}</td>"
        f"<td>{escape(where)}</td><td>{escape(event.provider_display)}</td>"
        f'<td class="text-nowrap">{format_day(event.registration_deadline)}'
        f"</td><td>{registered}</td></tr>"
    )


def event_detail(request, pk):
    return render_event(request, visible_event(request, pk, page=True))


def material_download(request, pk):
    material = get_visible_or_404(Material, request.user, pk=pk)
    return download(material.file, material.original_name)


def form_list(request):
    access, user = access_for(request.user), request.user
    if access.is_caseworker:
        mode = "caseworker"
    elif access.has(Role.EVALUATOR):
        mode = "evaluator"  # evaluators read every form's aggregated results, never who answered
    elif own_organisation_ids(user):
        mode = "organisation"
    else:
        mode = "none"
    page = paginate_counted(request, read=partial(_form_page, user, mode))
    return render(request, "courses/form_list.html", {"page": page, "mode": mode})


@kept_per_access
def _form_page(user, mode, number):
    """Page ``number`` of the feedback forms as ``mode`` lists them, with the count of all:
    caseworkers' and evaluators' with their answers counted, an organisation's open ones with
    whether the user answered."""
    counted = FeedbackForm.objects.select_related("event", "scheme").annotate(
        answers=Count("responses")
    )
    if mode == "caseworker":
        forms = counted.filter(pk__in=FeedbackForm.objects.visible_to(user).values("pk"))
    elif mode == "evaluator":
        forms = counted
    elif mode == "organisation":
        answered = Response.objects.filter(form=OuterRef("pk"), respondent=user)
        forms = (
            FeedbackForm.objects.visible_to(user)
            .open_for_answers(Now())
            .select_related("event")
            .annotate(answered=Exists(answered))
        )
    else:
        forms = FeedbackForm.objects.none()
    return counted_page(forms.order_by("-id"), number)


@kept_per_access
def _feed_of(user):
    return CalendarFeed.objects.filter(user=user)


@kept_per_access
def _my_upcoming_events(user):
    return calendar.my_events(user, now=Now()).select_related("provider")


def my_calendar(request):
    if request.method == "POST":
        services.calendar_feed_for(request.user, renew=True)
        messages.success(
            request,
            _("Your calendar has a new address. Calendars that use the old one stop updating."),
        )
        return redirect("courses:calendar")
    # The address is made the first time it is asked for; after that it is only read.
    feed = first_row(_feed_of(request.user)) or services.calendar_feed_for(request.user)
    events = _my_upcoming_events(request.user)
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
