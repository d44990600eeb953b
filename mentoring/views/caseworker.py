"""The caseworker's pages: the overview of every pairing, riskiest first; matching and making
pairings; replacing the mentor, pausing, resuming and ending; following up flags and
"not a good fit" answers.

Each page answers 403 to anyone but a caseworker, and acting on a pairing needs the caseworker
to administer its scheme (the pairing's workflow says so, 403 otherwise). Which steps a pairing
can take now comes from its workflow; a refused step shows the workflow's reason.
"""

from functools import partial
from typing import NamedTuple

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, Window, prefetch_related_objects
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from mentoring import services
from mentoring.choices import newest_years, waiting_for_a_mentor
from mentoring.forms import (
    FlagOutcomeForm,
    MatchForm,
    PairingForm,
    ReplaceForm,
    StatusForm,
    mentor_organisations,
)
from mentoring.matching import suggest_mentors
from mentoring.models import (
    STATUS_STEPS,
    CheckIn,
    Flag,
    FlagStatus,
    Pairing,
    PairingMember,
    PairingStatus,
)
from mentoring.progress import (
    RISKIEST_FIRST,
    Health,
    health_filter,
    progress,
    progress_pairings,
)
from mentoring.templatetags.health import health_badge
from mentoring.views._common import (
    back,
    pairing_url,
    step_refusal,
    visible_pairing,
)
from organisations.models import Organisation
from scheme.compiled import KeptPrefetch, kept, kept_per_access
from scheme.formatting import format_day
from scheme.models import SchemeYear
from scheme.prefetch import prefetch_lists
from scheme.roles import Role, access_for, require_role
from scheme.web import (
    PAGE_SIZE,
    add_service_errors,
    count_alongside,
    get_visible_or_404,
    only_or_404,
    paginate_counted,
    query_without_page,
    url_for_pk,
)

# The match page shows the best suggestions; the caseworker can ask for all of them.
SUGGESTIONS_SHOWN = 10
# The overview links this many participants waiting for a mentor; the pairing page lists all.
WAITING_SHOWN = 25
# What the suggestions read of a participant, loaded in one query.
PARTICIPANT_LISTS = ("competence_needs", "target_groups", "languages")


def overview(request):
    """The caseworker's pairings riskiest first, filtered and paged in the database (health
    is an annotation), with the open flags and poor-fit answers to follow up."""
    require_role(request.user, Role.CASEWORKER)
    user, today = request.user, timezone.localdate()
    chosen = {
        "health": request.GET.get("health", ""),
        "mentor": request.GET.get("mentor", ""),
        "status": request.GET.get("status", ""),
    }
    filters = (
        int(chosen["mentor"]) if chosen["mentor"].isdigit() else None,
        chosen["status"] if chosen["status"] in PairingStatus.values else "",
        chosen["health"] if chosen["health"] in Health.values else "",
    )
    read = partial(_overview_page, user, today, *filters, PAGE_SIZE)
    page = paginate_counted(request, per_page=PAGE_SIZE, read=read)
    # The mentors to filter by, with their pairings counted: the total comes with them.
    counted = list(_pairings_per_mentor(user))
    total = sum(n for _pk, _name, n in counted)
    rows = list(page.object_list)
    flags, poor_fits = list(_open_flags(user)), list(_poor_fits(user))
    # The pairings listed and those followed up name their participants: one query for all,
    # of the participants' names alone.
    followed_up = [item.pairing for item in flags + poor_fits]
    prefetch_related_objects(rows + followed_up, MEMBER_NAMES)
    page.object_list = [(pairing, progress(pairing, today)) for pairing in rows]
    table_rows = _overview_rows(page.object_list, url_for_pk("mentoring:pairing"))
    years = tuple((year.pk, year.scheme_id, year.year) for year in _newest_years(user))
    unmatched = list(_waiting(user, years, WAITING_SHOWN))
    links = _OverviewLinks.per_request()
    return render(
        request,
        "mentoring/overview.html",
        {
            "page": page,
            "table_rows": table_rows,
            "query": query_without_page(request),
            "total": total,
            "chosen": chosen,
            "mentor_options": _mentor_options(counted, chosen["mentor"]),
            "health_choices": Health.choices,
            "status_choices": PairingStatus.choices,
            "flags": flags,
            "flag_rows": _flag_rows(flags, links),
            "poor_fits": poor_fits,
            "poor_fit_rows": _poor_fit_rows(poor_fits, links, get_token(request)),
            "unmatched": unmatched,
            "unmatched_items": _unmatched_items(unmatched, links),
            "unmatched_count": unmatched[0].waiting if unmatched else 0,
        },
    )


@kept_per_access
def _overview_page(user, today, mentor_id, status, health, per_page, number):
    """Page ``number`` of the caseworker's pairings riskiest first, of the mentor, status and
    health given, with their progress annotations (``progress_pairings``) and the count of
    all. Counted without those annotations unless the health filter needs them."""
    access = access_for(user)
    where = Q()
    if mentor_id:
        where &= Q(mentor_id=mentor_id)
    if status:
        where &= Q(status=status)
    filtered = access.administered(Pairing.objects.all()).filter(where)
    # The progress annotations are built once a day (``progress_pairings``), then filtered.
    shown = access.administered(progress_pairings(today)).filter(where)
    if health:
        shown = filtered = shown.filter(health_filter(health))
    bottom = (number - 1) * PAGE_SIZE
    return count_alongside(shown.order_by(*RISKIEST_FIRST), filtered)[bottom : bottom + PAGE_SIZE]


@kept_per_access
def _pairings_per_mentor(user):
    """The mentors of the caseworker's pairings, by name, with their pairings counted."""
    pairings = access_for(user).administered(Pairing.objects.all())
    return (
        pairings.order_by("mentor__name", "mentor_id")
        .values_list("mentor_id", "mentor__name")
        .annotate(n=Count("pk"))
    )


@kept_per_access
def _open_flags(user):
    """The open flags to follow up, with only what their table shows."""
    flags = Flag.objects.filter(status=FlagStatus.OPEN)
    return (
        access_for(user)
        .administered(flags, "pairing__scheme__administrator_id")
        .select_related("raised_for", "raised_by", "pairing__mentor")
        .only(
            "raised_at",
            "message",
            "raised_for__name",
            "raised_by__full_name",
            "raised_by__email",
            "pairing__mentor__name",
        )
    )


@kept_per_access
def _poor_fits(user):
    """The "poor fit" answers not yet followed up, with only what their table shows."""
    answers = CheckIn.objects.filter(good_fit=False, followed_up_at__isnull=True)
    return (
        access_for(user)
        .administered(answers, "pairing__scheme__administrator_id")
        .select_related("organisation", "pairing__mentor")
        .only("answered_at", "comment", "organisation__name", "pairing__mentor__name")
    )


@kept_per_access
def _newest_years(user):
    return newest_years(access_for(user))


@kept_per_access
def _waiting(user, years, shown):
    """The first ``shown`` participants waiting for a mentor in ``years`` (``_newest_years``
    as id, scheme and year: what the query is built from), each with how many wait in all (a
    count over the whole set on every row)."""
    years = [SchemeYear(pk=pk, scheme_id=scheme_id, year=year) for pk, scheme_id, year in years]
    waiting = waiting_for_a_mentor(access_for(user), years)
    return waiting.only("id", "name", "municipality", "county").annotate(
        waiting=Window(Count("pk"))
    )[:shown]


def _overview_rows(rows, pairing_link) -> str:
    """The overview's table rows, a pairing and its progress each, written here rather than by
    a template loop (a row's link, badge and plural texts cost the template language several
    times as much). As the template did: names and single texts escaped, the texts with
    numbers (``blocktranslate``'s) not."""
    words = {
        "health": _("Health"),
        "meetings": _("Meetings this year"),
        "last": _("Last meeting"),
        "tasks": _("Tasks open / overdue"),
        "next": _("Next step"),
        "status": _("Status"),
        "never": _("never"),
        "poor_fit": _("“Not a good fit”"),
    }
    words = {key: escape(text) for key, text in words.items()}
    words["link"] = pairing_link
    return mark_safe("".join(_overview_row(pairing, state, words) for pairing, state in rows))


def _overview_row(pairing, state, words) -> str:
    mentor = escape(pairing.mentor.name)
    members = ", ".join(escape(member.organisation.name) for member in pairing.members.all())
    health = [health_badge(state)]
    if state.open_flags:
        n = state.open_flags
        health.append(ngettext("%(n)s open flag", "%(n)s open flags", n) % {"n": n})
    if state.poor_fit_open:
        health.append(words["poor_fit"])
    meetings = _("%(held)s (%(expected)s expected, %(minimum)s a year)") % {
        "held": state.meetings_this_year,
        "expected": state.expected_by_now,
        "minimum": state.minimum,
    }
    days = state.days_since_last
    if days is None:
        last = words["never"]
    else:
        last = ngettext("%(days)s day ago", "%(days)s days ago", days) % {"days": days}
    if state.next_to_act:
        next_step = f"{escape(state.next_to_act.name)}: {escape(str(state.next_action))}"
    else:
        next_step = escape(capfirst(str(state.next_action) or "–"))
    return (
        f'<tr><th scope="row"><a href="{words["link"](pairing.pk)}">{mentor}</a><br>'
        f'<span class="fw-normal">{members}</span></th>'
        f'<td data-label="{words["health"]}">{"<br>".join(health)}</td>'
        f'<td class="text-end" data-label="{words["meetings"]}">{meetings}</td>'
        f'<td data-label="{words["last"]}">{last}</td>'
        f'<td class="text-end" data-label="{words["tasks"]}">'
        f"{state.open_tasks} / {state.overdue_tasks}</td>"
        f'<td data-label="{words["next"]}">{next_step}</td>'
        f'<td data-label="{words["status"]}">{escape(capfirst(pairing.get_status_display()))}</td>'
        "</tr>"
    )


class _OverviewLinks(NamedTuple):
    """The links of the follow-up tables' rows, each worked out once per page."""

    pairing: object
    flag: object
    follow_up: object
    match: object
    overview: str

    @classmethod
    def per_request(cls):
        return cls(
            url_for_pk("mentoring:pairing"),
            url_for_pk("mentoring:flag_handle"),
            url_for_pk("mentoring:follow_up"),
            url_for_pk("mentoring:match"),
            reverse("mentoring:overview"),
        )


def _about_30_words(text) -> str:
    """``{{ text|truncatewords:30 }}``."""
    return Truncator(text).words(30, truncate=" …")


def _flag_rows(flags, links) -> str:
    """The open flags' rows, written here rather than by a template loop; every text escaped
    as the template would."""
    follow_up = escape(_("Follow up"))
    return mark_safe(
        "".join(
            f'<tr><th scope="row"><a href="{links.pairing(flag.pairing.pk)}">'
            f"{escape(flag.pairing)}</a></th>"
            f"<td>{escape(flag.raised_for.name)} ({escape(flag.raised_by)}), "
            f"{format_day(timezone.localdate(flag.raised_at))}</td>"
            f"<td>{escape(Truncator(flag.message).words(30, truncate=' …'))}</td>"
            f'<td><a class="btn btn-sm btn-primary" href="{links.flag(flag.pk)}">{follow_up}'
            f'<span class="visually-hidden"> {escape(flag.pairing)}</span></a></td></tr>'
            for flag in flags
        )
    )


def _poor_fit_rows(check_ins, links, csrf) -> str:
    """The "not a good fit" answers' rows, each with its form to mark it followed up."""
    followed_up, no_comment = escape(_("Mark as followed up")), _("No comment")
    back = escape(f"{links.overview}#follow-up")
    return mark_safe(
        "".join(
            f'<tr><th scope="row"><a href="{links.pairing(answer.pairing.pk)}#check-ins">'
            f"{escape(answer.pairing)}</a></th>"
            f"<td>{escape(answer.organisation.name)}, "
            f"{format_day(timezone.localdate(answer.answered_at))}</td>"
            f"<td>{escape(Truncator(answer.comment or no_comment).words(30, truncate=' …'))}</td>"
            f'<td><form method="post" action="{links.follow_up(answer.pk)}">'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
            f'<input type="hidden" name="next" value="{back}">'
            f'<button type="submit" class="btn btn-sm btn-outline-primary">{followed_up}'
            f'<span class="visually-hidden"> {escape(answer.pairing)}</span></button>'
            "</form></td></tr>"
            for answer in check_ins
        )
    )


def _unmatched_items(organisations, links) -> str:
    """The list of participants waiting for a mentor, each linking to its match page."""
    return mark_safe(
        "".join(
            f'<li><a href="{links.match(organisation.pk)}">'
            + escape(_("Find a mentor for %(name)s") % {"name": organisation.name})
            + "</a>"
            + (f" ({escape(organisation.municipality)})" if organisation.municipality else "")
            + "</li>"
            for organisation in organisations
        )
    )


# The prefetch of pairings' members as a list names them: their organisations' names.
MEMBER_NAMES = KeptPrefetch(
    "members",
    PairingMember.objects.select_related("organisation").only(
        "pairing", "organisation", "organisation__name"
    ),
)


def _mentor_options(counted, chosen: str) -> str:
    """The mentor filter's options (a caseworker's hundreds of mentors), written here in one
    pass rather than by a template loop; names escaped as Django's ``escape`` does."""
    return mark_safe(
        "".join(
            f'<option value="{pk}"{" selected" if str(pk) == chosen else ""}>{escape(name)}'
            "</option>"
            for pk, name, _n in counted
        )
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


def _mentor_choices(request, mentors):
    """The mentors a form offers: the suggested ones, plus the one named in the link or chosen
    in the posted form (never every mentor organisation in the register)."""
    chosen = request.POST.get("mentor") or request.GET.get("mentor", "")
    if not chosen.isdigit():
        return mentors, None
    # Usually one of the mentors suggested ("Choose"): no query then.
    chosen = next((m for m in mentors if m.pk == int(chosen)), None) or (
        mentor_organisations().filter(pk=chosen).first()
    )
    if chosen and chosen not in mentors:
        mentors = [*mentors, chosen]
    return mentors, chosen


def _suggestions(request, participant):
    """The match page's suggestions and their page: the best few, or with ``?all=1`` every
    suggestion a page at a time, each ranked and cut in the database (None: no pages). A page
    past the last is not found: the one query that ranks also counts."""
    if request.GET.get("all") != "1":
        return suggest_mentors(participant, SUGGESTIONS_SHOWN), None
    number = request.GET.get("page", "1")
    # At most six digits: a longer number would overflow the database's OFFSET.
    number = int(number) if number.isdigit() and len(number) <= 6 and int(number) > 0 else 1
    ranking = suggest_mentors(participant, PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    if number > 1 and not ranking.shown:
        raise Http404
    return ranking, Paginator(range(ranking.total), PAGE_SIZE).page(number)


@kept_per_access(params=["pk"])
def _visible_participant(user, pk):
    return Organisation.objects.participants().visible_to(user).filter(pk=pk)


@kept(params=["organisation_id"])
def _pairings_of(organisation_id):
    """The participant's pairings, newest first."""
    pairings = Pairing.objects.filter(members__organisation_id=organisation_id)
    return pairings.select_related("mentor").order_by("-starts_on", "-id")


def match(request, organisation_pk):
    access = require_role(request.user, Role.CASEWORKER)
    participant = only_or_404(_visible_participant(request.user, pk=organisation_pk))
    prefetch_lists([participant], PARTICIPANT_LISTS)
    ranking, page = _suggestions(request, participant)
    mentors, chosen = _mentor_choices(request, [s.mentor for s in ranking.shown])
    # The best suggestion is chosen to begin with; a later page of them starts with none.
    best = mentors[0] if mentors and (page is None or page.number == 1) else None
    initial = {"mentor": (chosen or best).pk} if chosen or best else {}
    form = MatchForm(request.POST or None, access=access, mentors=mentors, initial=initial)
    if request.method == "POST" and form.is_valid():
        made = _make_pairing(request, form, [participant])
        if made:
            return made
    return render(
        request,
        "mentoring/match.html",
        {
            "participant": participant,
            "suggestions": ranking.shown,
            "hidden": 0 if page else ranking.total - len(ranking.shown),
            "suggestion_count": ranking.total,
            "page": page,
            "query": query_without_page(request),
            "form": form,
            "pairings": list(_pairings_of(organisation_id=participant.pk)),
        },
    )


def pairing_create(request):
    access = require_role(request.user, Role.CASEWORKER)
    initial = {}
    if request.GET.get("mentor", "").isdigit():
        initial["mentor"] = int(request.GET["mentor"])
    if request.GET.get("participant", "").isdigit():
        initial["participants"] = [int(request.GET["participant"])]
    form = PairingForm(request.POST or None, access=access, initial=initial)
    if request.method == "POST" and form.is_valid():
        made = _make_pairing(request, form, form.cleaned_data["participants"])
        if made:
            return made
    return render(request, "mentoring/pairing_form.html", {"form": form})


# --- the caseworker's actions on a pairing ------------------------------------------------------


def _pairing_for_step(request, pk, name):
    """The pairing (``step_pairings``) and why its step ``name`` cannot be taken now ("" when
    it can); 403 to anyone but a caseworker of its scheme."""
    require_role(request.user, Role.CASEWORKER)
    pairing = visible_pairing(request, pk)
    return pairing, step_refusal(request, pairing, name)


def pairing_replace(request, pk):
    pairing, refusal = _pairing_for_step(request, pk, "replace")
    if refusal and request.method == "GET":
        # A post goes to the service, which says the form was saved or why it is refused.
        messages.error(request, refusal)
        return redirect("mentoring:pairing", pk=pairing.pk)
    # The best suggestions for the pairing's (first) participant, as on the match page.
    participant = min((member.organisation for member in pairing.members.all()), key=lambda o: o.pk)
    prefetch_lists([participant], PARTICIPANT_LISTS)
    suggested = suggest_mentors(participant, SUGGESTIONS_SHOWN).shown
    mentors, _chosen = _mentor_choices(request, [s.mentor for s in suggested])
    form = ReplaceForm(request.POST or None, current_mentor=pairing.mentor, mentors=mentors)
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
    pairing, refusal = _pairing_for_step(request, pk, "end")
    if refusal:
        messages.error(request, refusal)
        return redirect("mentoring:pairing", pk=pairing.pk)
    steps = [
        step
        for step in pairing.workflow.available(request.user, pairing)
        if step.name in STATUS_STEPS.values()
    ]
    form = StatusForm(request.POST or None, steps=steps)
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
    return back(request, pairing_url(check_in.pairing_id, "check-ins"))


@kept_per_access(params=["pk"])
def _visible_flag(user, pk):
    flags = Flag.objects.select_related(
        "pairing__scheme", "pairing__mentor", "raised_for", "raised_by", "handled_by"
    ).prefetch_related(  # the pairing's name names them
        Prefetch("pairing__members", PairingMember.objects.select_related("organisation"))
    )
    return flags.visible_to(user).filter(pk=pk)


def flag_handle(request, pk):
    require_role(request.user, Role.CASEWORKER)
    flag = only_or_404(_visible_flag(request.user, pk=pk))
    refusal = step_refusal(request, flag, "resolve")
    form = FlagOutcomeForm(request.POST or None)
    if request.method == "POST":
        if refusal:
            messages.error(request, refusal)
            return redirect("mentoring:flag_handle", pk=flag.pk)
        if form.is_valid():
            try:
                services.resolve_flag(request.user, flag, form.cleaned_data["outcome"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The outcome is recorded and both sides are told."))
                return redirect(pairing_url(flag.pairing, "flags"))
    return render(request, "mentoring/flag_handle.html", {"flag": flag, "form": form})
