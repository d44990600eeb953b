"""What the pages of competence building share: fetching an event the user may see (or
administers), the event page itself (rendered again by the forms posted from it) and
choosing among several schemes' plans of one year.

Every object is fetched through its queryset's ``visible_to(user)`` (get_visible_or_404), so what
a user may not see answers 404, as a missing one does. Views validate a form, call one service
and show its errors; they change nothing themselves and decide no rule: what may be done now
comes from the service, a model predicate or the object's workflow (``courses.workflows``).
Create forms carry a one-time token that the service spends (scheme.once), so a double post
saves once.
"""

from functools import partial
from itertools import groupby

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.dates import MONTHS
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from courses import services
from courses.forms import MaterialForm, RegistrationForm
from courses.models import (
    PARTICIPATING_KINDS,
    Event,
    FeedbackForm,
    Material,
    PracticalTask,
    ProgrammeItem,
    Registration,
    Response,
    own_taking_part,
    own_years,
    taking_part_years,
)
from organisations.models import CompetenceArea, Organisation
from scheme.compiled import kept, kept_per_access
from scheme.once import AlreadySent
from scheme.queries import JSONRows, columns_of, instances_from
from scheme.roles import Role, access_for, require_administers, require_role
from scheme.web import (
    PAGE_SIZE,
    add_service_errors,
    count_alongside,
    only_or_404,
    paginate_counted,
)


def own_organisation_ids(user) -> set[int]:
    """The ids of the user's participant and mentor organisations, from the memberships the
    access check has read already: no query, where ``own_organisations`` reads all that the
    dashboard shows of them."""
    return access_for(user).organisation_ids(*PARTICIPATING_KINDS)


def organisations_for(user, obj) -> list:
    """The user's participant and mentor organisations that ``obj`` (a plan, an event or a
    feedback form) is for (``is_for``), by name, with their years: the years as the request
    has read them (``own_taking_part``) and one light query for the names of those it is for,
    instead of ``own_organisations`` with all that the dashboard reads."""
    own = {o.pk: o for o in own_taking_part(access_for(user)) if obj.is_for(o)}
    if not own:
        return []
    named = list(_named(organisation_ids=list(own)))
    for organisation in named:
        organisation._taking_part_years = taking_part_years(own[organisation.pk])
    return named


@kept(id_lists=["organisation_ids"])
def _named(organisation_ids):
    organisations = Organisation.objects.filter(pk__in=organisation_ids)
    return organisations.only("kind", "name").order_by("name", "pk")


def visible_event(request, pk, *, page=False):
    """The event, with its topics' names as JSON rows (``topics``) rather than a query; the
    user's organisations' years as the request reads them once (``own_years``). With ``page``,
    also what the event page shows of its programme and materials, as JSON rows
    (``programme``, ``materials``), instead of a query each."""
    years = tuple(sorted(own_years(access_for(request.user))))
    return only_or_404(_visible_event(request.user, years, page, pk=pk))


@kept_per_access(params=["pk"])
def _visible_event(user, years, page, pk):
    topics = Event.competence_areas.through.objects.filter(event=OuterRef("pk")).order_by(
        "competencearea__name_nb"
    )
    events = Event.objects.visible_to(user, years)
    events = events.select_related("provider", "scheme_year__scheme", "planned_item").annotate(
        topics_json=JSONRows(
            topics,
            id="competencearea_id",
            name_nb="competencearea__name_nb",
            name_en="competencearea__name_en",
        )
    )
    if page:
        items = ProgrammeItem.objects.filter(event=OuterRef("pk")).order_by("starts_at", "id")
        materials = Material.objects.filter(event=OuterRef("pk")).order_by("uploaded_at", "id")
        events = events.annotate(
            programme_json=JSONRows(
                items, **columns_of(ProgrammeItem), presenter_org_name="presenter__name"
            ),
            materials_json=JSONRows(materials, **columns_of(Material)),
        )
    return events.filter(pk=pk)


def topics(event) -> list:
    """The competence areas the event covers, from ``visible_event``'s JSON rows."""
    return [CompetenceArea(**row) for row in event.topics_json]


def programme(event) -> list:
    """The event's programme items with their presenters' names, from the JSON rows of
    ``visible_event(..., page=True)``."""
    items = instances_from(ProgrammeItem, event.programme_json)
    for item, row in zip(items, event.programme_json, strict=True):
        if item.presenter_id is not None:
            item.presenter = Organisation(pk=item.presenter_id, name=row["presenter_org_name"])
    return items


def administered_event(request, pk, *, page=False):
    require_role(request.user, Role.CASEWORKER)
    event = visible_event(request, pk, page=page)
    require_administers(request.user, event.scheme_year.scheme)
    return event


def file_error(form, field, error: ValidationError):
    """An upload's error belongs under the file field, unless the service names a field or
    the form was sent before."""
    if hasattr(error, "error_dict") or isinstance(error, AlreadySent):
        add_service_errors(form, error)
    else:
        form.add_error(field, error.messages)


def choose(candidates, request, slug_of):
    """The candidate of the scheme in ``?scheme=<slug>``, else the first (or None)."""
    wanted = request.GET.get("scheme") or request.POST.get("scheme")
    for candidate in candidates:
        if slug_of(candidate) == wanted:
            return candidate
    return candidates[0] if candidates else None


def scheme_query(candidates, chosen_slug):
    """``?scheme=<slug>`` when several schemes have the year, else nothing."""
    return f"?scheme={chosen_slug}" if len(candidates) > 1 else ""


def by_month(items):
    months = {}
    for item in items:
        months.setdefault(item.month, []).append(item)
    return [(MONTHS[month], month_items) for month, month_items in sorted(months.items())]


def plan_rows(request, months, scheme_year=None) -> str:
    """The rows of the table of planned items (``by_month``'s months), written here rather than
    by template loops; every text escaped as the template would. With ``scheme_year`` (the
    edit page), each row has the links to change and remove the item."""
    change, remove = _("Change"), _("Remove")
    csrf = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(get_token(request))}">'
        if scheme_year
        else ""
    )
    rows = []
    for month, items in months:
        for n, item in enumerate(items):
            cells = ""
            if n == 0:
                month_name = escape(capfirst(month))
                cells += f'<th scope="rowgroup" rowspan="{len(items)}">{month_name}</th>'
            topic = escape(item.topic)
            areas = ", ".join(escape(area) for area in item.competence_areas.all())
            cells += (
                f"<td>{escape(capfirst(item.get_kind_display()))}</td><td>{topic}</td>"
                f"<td>{areas}</td>"
            )
            if scheme_year:
                slug = escape(scheme_year.scheme.slug)
                cells += (
                    f'<td class="text-nowrap"><a href="?item={item.pk}&amp;scheme={slug}'
                    f'#item-form">{escape(change)}<span class="visually-hidden"> {topic}</span>'
                    f'</a> <form method="post" class="d-inline">{csrf}'
                    '<input type="hidden" name="action" value="remove">'
                    f'<input type="hidden" name="item" value="{item.pk}">'
                    f'<input type="hidden" name="scheme" value="{slug}">'
                    '<button type="submit" class="btn btn-sm btn-link text-danger">'
                    f'{escape(remove)}<span class="visually-hidden"> {topic}</span></button>'
                    "</form></td>"
                )
            rows.append(f"<tr>{cells}</tr>")
    return mark_safe("\n".join(rows))  # every text is escaped; the ids are numbers


def _organisation_rows(event, organisations, listed):
    """Per organisation the event is for: its registered people, its waiting list and why it
    cannot register one more ("" while it can)."""
    rows = []
    for organisation in organisations:
        own = [r for r in listed if r.organisation_id == organisation.pk]
        registered = [r for r in own if not r.waiting]
        waiting = [r for r in own if r.waiting]
        full = services.places_taken(event, organisation, len(registered))
        rows.append((organisation, registered, waiting, full))
    return rows


# What the table of all registrations shows (``_registration_table``).
REGISTRATION_COLUMNS = (
    "event",  # read through ``event.registrations``, which sets the event on each row by it
    "organisation__name",
    "person_name",
    "waiting",
    "attended",
    "dietary_needs",
    "accessibility_needs",
)


def _registration_table(registrations, asks_about_needs: bool) -> str:
    """The rows of the table of all registrations, each organisation's people under its name,
    written here rather than by a template loop (a gathering has hundreds of people); every
    text escaped as the template would."""
    rows = []
    for _pk, group in groupby(registrations, key=lambda registration: registration.organisation_id):
        group = list(group)
        for n, registration in enumerate(group):
            cells = ""
            if n == 0:
                name = escape(registration.organisation.name)
                cells += f'<th scope="row" rowspan="{len(group)}">{name}</th>'
            cells += f"<td>{escape(registration.person_name)}{_attendance_mark(registration)}</td>"
            if asks_about_needs:
                cells += f"<td>{_needs(registration)}</td>"
            rows.append(f"<tr>{cells}</tr>")
    return mark_safe("\n".join(rows))  # every value is escaped


def _attendance_mark(registration) -> str:
    """After the name: on the waiting list, came, or did not come (nothing before the roll).
    The texts are translated outside the f-strings, where makemessages finds them."""
    if registration.waiting:
        waiting = _("waiting list")
        return f' <span class="badge text-bg-secondary">{escape(waiting)}</span>'
    if registration.attended:
        came = _("came")
        return f' ✓<span class="visually-hidden"> {escape(came)}</span>'
    if registration.attended is False:
        absent = _("did not come")
        return f' <span class="text-body-secondary">({escape(absent)})</span>'
    return ""


def _needs(registration) -> str:
    needs = ""
    for label, text in (
        (_("Diet:"), registration.dietary_needs),
        (_("Accessibility:"), registration.accessibility_needs),
    ):
        if text:
            needs += f'<p class="mb-1"><span class="fw-semibold">{escape(label)}</span> '
            needs += f"{escape(text)}</p>"
    return needs


@kept_per_access(params=["event"])
def _event_tasks(user, event):
    """The event's practical tasks the user sees, with the organisations they are given to
    (and for caseworkers how many have handed them in)."""
    task_organisations = Organisation.objects.filter(practical_tasks=OuterRef("pk"))
    tasks = (
        PracticalTask.objects.visible_to(user)
        .filter(event_id=event)
        .annotate(organisation_names=JSONRows(task_organisations, name="name"))
    )
    if access_for(user).is_caseworker:
        tasks = tasks.annotate(handed_in=Count("hand_ins", distinct=True))
    return tasks


@kept_per_access(params=["event"])
def _event_forms(user, years, event):
    """The event's feedback forms the user sees, with whether they answered each."""
    return (
        FeedbackForm.objects.visible_to(user, years)
        .filter(event_id=event)
        .annotate(
            answered=Exists(Response.objects.filter(form=OuterRef("pk"), respondent_id=user.pk))
        )
    )


@kept(params=["event_id"], id_lists=["organisation_ids"])
def _registered(event_id, organisation_ids):
    """The people the organisations have registered for the event (and on its waiting list)."""
    registrations = Registration.objects.not_cancelled().filter(
        event_id=event_id, organisation__in=organisation_ids
    )
    return registrations.order_by("organisation__name", "waiting", "registered_at", "pk")


@kept(params=["event_id"])
def _registrations_page(number, event_id):
    """Page ``number`` of all the event's registrations, with their count (a subquery, not a
    window over the rows: the page is then read by name until it is full)."""
    registrations = Registration.objects.not_cancelled().filter(event_id=event_id)
    shown = registrations.select_related("organisation").only(*REGISTRATION_COLUMNS)
    ordered = shown.order_by("organisation__name", "waiting", "registered_at", "pk")
    bottom = (number - 1) * PAGE_SIZE
    return count_alongside(ordered, registrations)[bottom : bottom + PAGE_SIZE]


def render_event(request, event, *, register_form=None, waiting_form=None, material_form=None):
    """The event page, for ``event`` from ``visible_event(..., page=True)``."""
    user = request.user
    access = access_for(user)
    can_administer = access.administers(event.scheme_year.scheme)
    organisations = organisations_for(user, event)
    may_register = event.workflow.decide(user, event, "register")
    ids = [organisation.pk for organisation in organisations]
    listed = list(_registered(event_id=event.pk, organisation_ids=ids)) if ids else []
    for registration in listed:  # what the steps' checks read, without a join
        registration.event = event
    registration_rows = _organisation_rows(event, organisations, listed)
    with_places = [o for o, _registered, _waiting, full in registration_rows if not full]
    places_taken = [o for o, _registered, _waiting, full in registration_rows if full]
    if register_form is None and with_places and may_register:
        register_form = RegistrationForm(
            organisations=with_places, asks_about_needs=event.asks_about_needs
        )
    if waiting_form is None and places_taken and may_register:
        waiting_form = RegistrationForm(
            organisations=places_taken, asks_about_needs=event.asks_about_needs, prefix="waiting"
        )
    tasks = _event_tasks(user, event=event.pk)
    feedback_forms = _event_forms(user, tuple(sorted(own_years(access))), event=event.pk)
    context = {
        "event": event,
        "topics": topics(event),
        "programme": programme(event),
        "materials": instances_from(Material, event.materials_json),
        "may_register": may_register,
        "registration_rows": registration_rows,
        "register_form": register_form,
        "waiting_form": waiting_form,
        "cap": services.cap_for(event),
        "tasks": tasks,
        "feedback_forms": feedback_forms,
        "can_administer": can_administer,
    }
    if can_administer:
        # Paged: a gathering has hundreds of people; each page costs the same.
        context["page"] = paginate_counted(
            request, read=partial(_registrations_page, event_id=event.pk)
        )
        context["registration_table"] = _registration_table(
            context["page"].object_list, event.asks_about_needs
        )
        context["list_url"] = reverse("courses:event", args=[event.pk])
        context["list_anchor"] = "#all-registrations"
        context["material_form"] = material_form or MaterialForm()
    return render(request, "courses/event_detail.html", context)
