"""The pairing page, read by both sides and the scheme's caseworkers: who takes part, its
progress, the agreement, meetings, tasks, check-ins, flags and the mentors before and after.

What each reader may do here comes from the pairing's workflow (``{% allowed %}`` in the
template) and the model predicates; the page decides nothing itself.
"""

import datetime

from django.db.models import Exists, JSONField, OuterRef, Prefetch, Subquery
from django.db.models.functions import JSONObject
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.defaultfilters import capfirst, linebreaksbr
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mentoring.check_ins import CHECK_IN_ACTIONS, due_check_ins, planned_end
from mentoring.dashboard import pairing_progress
from mentoring.models import (
    AgreementAcceptance,
    CalledOffMeeting,
    CheckIn,
    Flag,
    Meeting,
    Pairing,
    Task,
)
from mentoring.views._common import pairing_queryset
from organisations.models import Organisation
from scheme.compiled import kept_per_access
from scheme.models import User
from scheme.prefetch import prefetch_lists
from scheme.roles import access_for
from scheme.web import only_or_404


def _walk(start, step) -> list:
    """The pairings reached from ``start`` by ``step`` until it gives None (or loops)."""
    found, seen, current = [], {start.pk}, step(start)
    while current is not None and current.pk not in seen:
        found.append(current)
        seen.add(current.pk)
        current = step(current)
    return found


def _chain(request, pairing):
    """The pairings this one replaced and was replaced by, oldest first, as far as the user may
    see them.

    A replacement keeps the participants (``services.replace_mentor``), so the whole chain is
    among the scheme's pairings of any one of them: one query, however long the chain is, and
    none when the pairing replaced none and was not replaced (``has_successor``).
    """
    member = next(iter(pairing.members.all()), None)
    if member is None or not (pairing.replaces_id or pairing.has_successor):
        return [], []
    candidates = {
        candidate.pk: candidate
        for candidate in _chain_candidates(
            request.user, scheme_id=pairing.scheme_id, organisation_id=member.organisation_id
        )
    }
    successors = {c.replaces_id: c for c in candidates.values() if c.replaces_id}
    earlier = _walk(pairing, lambda p: candidates.get(p.replaces_id))[::-1]
    later = _walk(pairing, lambda p: successors.get(p.pk))
    return [p for p in earlier if p.visible], [p for p in later if p.visible]


@kept_per_access(params=["scheme_id", "organisation_id"])
def _chain_candidates(user, scheme_id, organisation_id):
    """The scheme's pairings of the organisation, with whether the user may see each."""
    visible = Pairing.objects.visible_to(user).filter(pk=OuterRef("pk"))
    return (
        Pairing.objects.filter(scheme_id=scheme_id, members__organisation_id=organisation_id)
        .select_related("mentor")
        .annotate(visible=Exists(visible))
    )


def _meeting_years(request, pairing, side) -> list:
    """(year, entries, meetings held, shown open), newest year first: the latest year is open,
    and any with a meeting the user's side can confirm. Each entry is (the meeting's article,
    None) for a meeting held (``_meeting_article``), or (None, called off) for a planned
    meeting that was postponed or cancelled, newest first by date. Whether a side confirms is
    the meeting's rule (``Meeting.confirmation_refusal``)."""
    dated = []
    meetings = list(pairing.meetings.all())
    # The topics and the organisations that took part, in one query; the organisations are
    # the pairing's own, already loaded.
    known = {member.organisation_id: member.organisation for member in pairing.members.all()}
    prefetch_lists(meetings, ("topics", "participants"), known={"participants": known})
    words = _meeting_words()
    for meeting in meetings:
        refusal = meeting.confirmation_refusal(side) if side is not None else None
        can_confirm = side is not None and refusal is None
        article = _meeting_article(
            meeting,
            pairing,
            show_notes=meeting.notes_visible_to(request.user),
            can_confirm=can_confirm,
            refusal=refusal,
            words=words,
            csrf_token=get_token(request) if can_confirm else "",
        )
        dated.append((meeting.held_on, meeting.pk, (article, None), can_confirm))
    if pairing.has_called_off:
        for called_off in pairing.called_off.select_related("recorded_by", "recorded_for"):
            dated.append((called_off.planned_on, -called_off.pk, (None, called_off), False))
    years = {}
    for day, _pk, entry, can_confirm in sorted(dated, key=lambda d: (d[0], d[1]), reverse=True):
        years.setdefault(day.year, []).append((entry, can_confirm))
    return [
        (
            year,
            [entry for entry, _can_confirm in entries],
            sum(1 for (article, _called_off), _can in entries if article is not None),
            index == 0 or any(can_confirm for _entry, can_confirm in entries),
        )
        for index, (year, entries) in enumerate(years.items())
    ]


def _meeting_words() -> dict:
    """The single texts of the meetings' articles, translated once a page."""
    return {
        "took_part": _("Organisations that took part"),
        "who": _("Who took part"),
        "initiative": _("Initiative"),
        "topics": _("Topics"),
        "no_topics": _("none chosen"),
        "summary": _("Summary"),
        "notes": _("Notes"),
        "group_notes": _("The notes are for the mentor and the organisations that took part."),
        "pair_notes": _("The notes are for the pair only."),
        "logged_by": _("Logged by"),
        "confirmed": _("Confirmed"),
        "you_confirm": _("Not yet: you confirm it with the button below."),
        "not_yet": _("Not yet."),
        "confirm": _("Confirm the meeting"),
    }


def _day(value) -> str:
    """A date or moment as the templates' ``|date:"SHORT_DATE_FORMAT"`` writes it (a moment
    in the active time zone)."""
    return date_filter(timezone.template_localtime(value), "SHORT_DATE_FORMAT")


def _meeting_article(meeting, pairing, *, show_notes, can_confirm, refusal, words, csrf_token):
    """A meeting held, as the pairing page shows it: written here rather than by a template
    loop (a long page of meetings cost the template language most of the page's time). As the
    template did: names, free texts and values escaped, the translated texts not."""
    pk, held = meeting.pk, _day(meeting.held_on)
    minutes = meeting.duration_minutes
    length = ngettext("%(minutes)s minute", "%(minutes)s minutes", minutes) % {"minutes": minutes}
    lines = [
        f'<article id="meeting-{pk}" class="border rounded p-3 my-3" '
        f'aria-labelledby="meeting-{pk}-heading">',
        f'<h4 id="meeting-{pk}-heading" class="h6">{held} – '
        f"{escape(meeting.get_mode_display())}, {length}</h4>",
        '<dl class="row mb-2">',
    ]
    if pairing.is_group:
        others = "".join(f", {escape(o.name)}" for o in meeting.participants.all())
        lines.append(
            f'<dt class="col-sm-3">{words["took_part"]}</dt>'
            f'<dd class="col-sm-9">{escape(pairing.mentor.name)}{others}</dd>'
        )
    topics = ", ".join(escape(topic) for topic in meeting.topics.all()) or words["no_topics"]
    lines += [
        f'<dt class="col-sm-3">{words["who"]}</dt>'
        f'<dd class="col-sm-9">{escape(meeting.attendees)}</dd>',
        f'<dt class="col-sm-3">{words["initiative"]}</dt>'
        f'<dd class="col-sm-9">{escape(capfirst(meeting.get_initiative_display()))}</dd>',
        f'<dt class="col-sm-3">{words["topics"]}</dt><dd class="col-sm-9">{topics}</dd>',
        f'<dt class="col-sm-3">{words["summary"]}</dt>'
        f'<dd class="col-sm-9">{linebreaksbr(meeting.summary, autoescape=True)}</dd>',
    ]
    if meeting.notes:
        if show_notes:
            readable = _("Readable by %(who)s.") % {
                "who": escape(meeting.get_notes_visibility_display())
            }
            notes = (
                f"{linebreaksbr(meeting.notes, autoescape=True)}<br>"
                f'<span class="form-text">{readable}</span>'
            )
        else:
            notes = f"<em>{words['group_notes' if pairing.is_group else 'pair_notes']}</em>"
        lines += [
            f'<dt class="col-sm-3">{words["notes"]}</dt>',
            f'<dd class="col-sm-9">{notes}</dd>',
        ]
    if meeting.confirmed_at:
        confirmed = _("Yes, by %(person)s on %(date)s") % {
            "person": escape(meeting.confirmed_by),
            "date": _day(meeting.confirmed_at),
        }
    elif can_confirm:
        confirmed = words["you_confirm"]
    elif refusal:
        confirmed = _("Not yet. %(refusal)s") % {"refusal": escape(refusal)}
    else:
        confirmed = words["not_yet"]
    lines += [
        f'<dt class="col-sm-3">{words["logged_by"]}</dt><dd class="col-sm-9">'
        f"{escape(meeting.logged_by)} ({escape(meeting.logged_for.name)}), "
        f"{_day(meeting.logged_at)}</dd>",
        f'<dt class="col-sm-3">{words["confirmed"]}</dt>',
        f'<dd class="col-sm-9">{confirmed}</dd>',
        "</dl>",
    ]
    if can_confirm:
        action = reverse("mentoring:meeting_confirm", args=[pk])
        lines += [
            f'<form method="post" action="{action}">',
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{csrf_token}">',
            f'<button type="submit" class="btn btn-sm btn-success">{words["confirm"]}'
            f'<span class="visually-hidden"> {held}</span></button>',
            "</form>",
        ]
    lines.append("</article>")
    return mark_safe("\n".join(lines))


def _accepted(pairing_id, organisation_id, prefix="") -> dict:
    """Annotation ``accepted``: when and by whom the organisation accepted the pairing's
    agreement, as one subquery giving a JSON object (None when it has not)."""
    accepted = AgreementAcceptance.objects.filter(
        agreement__pairing_id=OuterRef(pairing_id), organisation_id=OuterRef(organisation_id)
    ).values(
        json=JSONObject(
            at="accepted_at", by="accepted_by_id",
            name="accepted_by__full_name", email="accepted_by__email",
        )
    )  # fmt: skip
    return {f"{prefix}accepted": Subquery(accepted[:1], output_field=JSONField())}


def _moment(text):
    """A moment read from JSON: an aware datetime (SQLite gives it without its zone, UTC)."""
    moment = parse_datetime(text)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, datetime.UTC)


def _acceptances(pairing) -> list:
    """The agreement's acceptances, from the page query's annotations (no query of its own),
    in the order they were given."""
    sides = [(pairing.mentor, pairing.mentor_accepted)]
    sides += [(member.organisation, member.accepted) for member in pairing.members.all()]
    found = [
        AgreementAcceptance(
            organisation=organisation,
            accepted_by=User(pk=data["by"], full_name=data["name"], email=data["email"]),
            accepted_at=_moment(data["at"]),
        )
        for organisation, data in sides
        if data is not None
    ]
    return sorted(found, key=lambda acceptance: acceptance.accepted_at)


@kept_per_access(params=["pk"])
def _page_pairing(user, today, pk):
    """The pairing ``pk`` if the user sees it, with whether the user may open each side's
    profile (the organisations' ``visible_to`` decides), who accepted its agreement and
    whether a later pairing replaced it."""
    openable = Organisation.objects.visible_to(user)
    return (
        pairing_queryset(
            today,
            openable=Exists(openable.filter(pk=OuterRef("organisation_id"))),
            **_accepted("pairing_id", "organisation_id"),
        )
        .annotate(
            **_accepted("pk", "mentor_id", prefix="mentor_"),
            mentor_openable=Exists(openable.filter(pk=OuterRef("mentor_id"))),
            has_successor=Exists(Pairing.objects.filter(replaces=OuterRef("pk"))),
            # No query for postponed or cancelled meetings when there are none (most pairings).
            has_called_off=Exists(CalledOffMeeting.objects.filter(pairing=OuterRef("pk"))),
        )
        .prefetch_related(
            # Read with the pairing's kept query (``scheme.compiled.kept_lookups``).
            Prefetch("tasks", Task.objects.select_related("owner", "done_by")),
            Prefetch("check_ins", CheckIn.objects.select_related("organisation", "answered_by")),
            Prefetch("flags", Flag.objects.select_related("raised_for", "raised_by", "handled_by")),
            Prefetch(
                "meetings",
                Meeting.objects.select_related("logged_by", "logged_for", "confirmed_by"),
            ),
        )
        .visible_to(user)
        .filter(pk=pk)
    )


def _openable(pairing) -> set[int]:
    """The ids of the pairing's organisations whose profile the user may open."""
    openable = {m.organisation_id for m in pairing.members.all() if m.openable}
    if pairing.mentor_openable:
        openable.add(pairing.mentor_id)
    return openable


def pairing_detail(request, pk):
    today = timezone.localdate()
    pairing = only_or_404(_page_pairing(request.user, today, pk=pk))
    access = access_for(request.user)
    state = pairing_progress(pairing, today)
    side = pairing.side_of(request.user)
    is_caseworker = side is None and access.is_caseworker

    tasks = list(pairing.tasks.all())
    open_tasks = [(task, task.is_owned_by(request.user)) for task in tasks if task.done_at is None]
    done_tasks = sorted((t for t in tasks if t.done_at), key=lambda t: t.done_at, reverse=True)

    check_ins, flags = list(pairing.check_ins.all()), list(pairing.flags.all())
    check_ins_due = []
    if side is not None:
        # Each side reads its own answers and flags; the caseworker reads them all.
        check_ins = [c for c in check_ins if c.organisation_id == side.pk]
        flags = [f for f in flags if f.raised_for_id == side.pk]
        check_ins_due = due_check_ins(
            pairing,
            {c.kind for c in check_ins},
            planned_end(pairing),
            today,
            has_met=pairing.last_meeting_on is not None,
        )

    agreement = getattr(pairing, "agreement", None)
    acceptances = _acceptances(pairing) if agreement is not None else []
    waiting_for = agreement.waiting_for(acceptances) if agreement is not None else []
    earlier, later = _chain(request, pairing)
    return render(
        request,
        "mentoring/pairing_detail.html",
        {
            "pairing": pairing,
            "state": state,
            "health_sentence": state.sentence(for_caseworker=is_caseworker),
            "side": side,
            "is_caseworker": is_caseworker,
            "can_administer": access.administers(pairing.scheme),
            "openable": _openable(pairing),
            "meeting_years": _meeting_years(request, pairing, side),
            "may_call_off": pairing.may_record_called_off(request.user)
            and pairing.call_off_refusal() is None,
            "open_tasks": open_tasks,
            "done_tasks": done_tasks,
            "check_ins": check_ins,
            "check_ins_due": [(kind, CHECK_IN_ACTIONS[kind]) for kind in check_ins_due],
            "flags": flags,
            "agreement": agreement,
            "acceptances": acceptances,
            "waiting_for": waiting_for,
            "we_accepted": side is not None and side not in waiting_for,
            "earlier": earlier,
            "later": later,
        },
    )
