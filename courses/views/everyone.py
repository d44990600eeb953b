"""The pages every signed-in user has, showing what their role allows: the events and one
event, materials, the feedback forms, "my calendar"; and the calendar feed, which needs no
login (its secret address is the key)."""

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
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import calendar, services
from courses.dashboard import own_organisations
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
from courses.views._common import render_event, visible_event
from scheme.queries import count_of
from scheme.roles import Role, access_for
from scheme.storage import download
from scheme.web import get_visible_or_404, paginate, query_without_page


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
        events = events.annotate(registered=count_of(Registration.objects.active(), "event"))
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


def event_detail(request, pk):
    return render_event(request, visible_event(request, pk))


def material_download(request, pk):
    material = get_visible_or_404(Material, request.user, pk=pk)
    return download(material.file, material.original_name)


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
        forms = (
            FeedbackForm.objects.visible_to(user)
            .open_for_answers()
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
