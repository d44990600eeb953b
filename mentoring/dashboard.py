"""What the mentoring app puts on the dashboard, and the progress rows that the dashboard, the
home page and the caseworker's overview share.

For members and mentors: each pairing's progress and what is due from them (confirm a meeting,
overdue tasks, check-ins, the agreement, the next meeting when they are the ones to book it).
For caseworkers: pairings counted by health, open flags and poor-fit answers to follow up.
Everything is computed with a fixed number of queries and kept on the user object for the rest
of the request, so the panel and the due list do not compute it twice.
"""

import datetime
import functools
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import JSONObject
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mentoring.check_ins import CHECK_IN_ACTIONS, due_check_ins, planned_end
from mentoring.models import (
    LIVE_STATUSES,
    AgreementAcceptance,
    CheckIn,
    CheckInKind,
    Meeting,
    Pairing,
    PairingMember,
    Task,
)
from mentoring.progress import (
    HEALTH_BADGE,
    HEALTH_ORDER,
    RISKIEST_FIRST,
    Health,
    progress,
    with_health,
    with_progress_data,
)
from organisations.models import Organisation
from scheme.compiled import kept_per_access
from scheme.formatting import format_day
from scheme.queries import JSONRows
from scheme.registry import DueItem, Panel, register_due_items, register_panel
from scheme.roles import OrganisationKind, access_for

# --- shared by the pages ---------------------------------------------------------------------


def pairing_progress(pairing, today):
    """The progress of one pairing annotated by ``with_progress_data``."""
    return progress(pairing, today)


# --- the rows of a member or mentor ----------------------------------------------------------


@dataclass
class Row:
    """One of the user's pairings with its progress and what the user's side can do now."""

    pairing: Pairing
    progress: object
    side: object  # the user's organisation in the pairing
    to_confirm: list = field(default_factory=list)  # meetings the other side logged
    tasks: list = field(default_factory=list)  # open tasks of the user's organisation
    check_ins_due: list = field(default_factory=list)
    accepted: bool = False

    @property
    def others(self) -> list:
        return [o for o in self.pairing.organisations() if o.pk != getattr(self.side, "pk", None)]

    @property
    def check_in_buttons(self) -> list:
        """(kind, what its button says) for each check-in due."""
        return [(kind, CHECK_IN_ACTIONS[kind]) for kind in self.check_ins_due]

    @property
    def others_names(self) -> str:
        return ", ".join(o.name for o in self.others)

    @property
    def we_act_next(self) -> bool:
        return self.progress.next_to_act is not None and self.progress.next_to_act.pk == getattr(
            self.side, "pk", None
        )


def _side_facts(pairing, organisation, prefix="") -> dict:
    """Annotations: the check-in kinds the organisation (an OuterRef) has answered in the
    pairing (as JSON rows: one subquery, not one per kind), and whether it accepted the
    agreement."""
    answered = CheckIn.objects.filter(pairing=pairing, organisation=organisation).order_by()
    accepted = AgreementAcceptance.objects.filter(
        agreement__pairing=pairing, organisation=organisation
    )
    return {
        f"{prefix}answered": JSONRows(answered, kind="kind"),
        f"{prefix}accepted": Exists(accepted),
    }


def _facts_of(pairing, side) -> tuple[set, bool]:
    """(check-in kinds answered, agreement accepted) of the user's side, from ``_side_facts``."""
    if side is None:
        return set(), False
    if side.pk == pairing.mentor_id:
        holder, prefix = pairing, "mentor_"
    else:
        holder = next(m for m in pairing.members.all() if m.organisation_id == side.pk)
        prefix = ""
    answered = {row["kind"] for row in getattr(holder, f"{prefix}answered")}
    return answered, getattr(holder, f"{prefix}accepted")


def _unconfirmed_meetings():
    """The pairing's unconfirmed meetings (with who took part) as JSON rows, so the rows need
    no query of their own."""
    meetings = Meeting.objects.filter(pairing=OuterRef("pk"), confirmed_at__isnull=True)
    participants = Meeting.participants.through.objects.filter(meeting=OuterRef("pk"))
    return JSONRows(
        meetings.order_by("held_on", "id"),
        id="id", held_on="held_on", logged_for_id="logged_for_id",
        logged_for_name="logged_for__name",
        participants=JSONRows(participants, id="organisation_id"),
    )  # fmt: skip


def _open_tasks(ids):
    """The pairing's open tasks of the user's organisations ``ids`` as JSON rows."""
    tasks = Task.objects.filter(pairing=OuterRef("pk"), done_at__isnull=True, owner_id__in=ids)
    return JSONRows(
        tasks.order_by("due_on", "id"), id="id", title="title", due_on="due_on",
        owner_id="owner_id",
    )  # fmt: skip


def _members():
    """The outer pairing's participants (each with its organisation and its side's facts) as
    JSON rows, in place of ``Pairing.with_members``' query."""
    organisation = {f.attname: f"organisation__{f.attname}" for f in _ORGANISATION_FIELDS}
    members = PairingMember.objects.filter(pairing=OuterRef("pk")).order_by("organisation__name")
    return JSONRows(
        members,
        id="id", organisation_id="organisation_id", contact_id="contact_id",
        organisation=JSONObject(**organisation),
        **_side_facts(OuterRef("pairing_id"), OuterRef("organisation_id")),
    )  # fmt: skip


_ORGANISATION_FIELDS = Organisation._meta.concrete_fields


def _remember_members(pairing) -> None:
    """Put the members of ``_members`` where ``pairing.members.all()`` finds them."""
    members = []
    for row in pairing.members_json:
        fields = row.pop("organisation")
        organisation = Organisation(
            **{f.attname: f.to_python(fields[f.attname]) for f in _ORGANISATION_FIELDS}
        )
        member = PairingMember(
            pk=row.pop("id"),
            pairing=pairing,
            organisation=organisation,
            contact_id=row.pop("contact_id"),
        )
        del row["organisation_id"]
        for fact, value in row.items():  # the side's facts (``_side_facts``)
            setattr(member, fact, value)
        members.append(member)
    pairing._prefetched_objects_cache = {"members": members}


def _day(value):
    return datetime.date.fromisoformat(value)


def _meetings_to_confirm(pairing, side) -> list:
    """The meetings of ``_unconfirmed_meetings`` that ``side`` confirms (the model's rule)."""
    by_pk = {o.pk: o for o in pairing.organisations()}
    meetings = []
    for row in pairing.meetings_json:
        logged_for = by_pk.get(row["logged_for_id"]) or Organisation(
            pk=row["logged_for_id"], name=row["logged_for_name"]
        )
        meeting = Meeting(
            pk=row["id"], pairing=pairing, held_on=_day(row["held_on"]), logged_for=logged_for
        )
        present = [p["id"] for p in row["participants"] if p["id"] in by_pk]
        meeting._prefetched_objects_cache = {"participants": [by_pk[pk] for pk in present]}
        if meeting.can_be_confirmed_by(side):
            meetings.append(meeting)
    return meetings


def _side_tasks(pairing, side) -> list:
    """The open tasks of ``_open_tasks`` that belong to ``side``."""
    return [
        Task(pk=row["id"], pairing=pairing, title=row["title"], due_on=_day(row["due_on"]),
             owner=side)
        for row in pairing.tasks_json
        if side is not None and row["owner_id"] == side.pk
    ]  # fmt: skip


def _pairings_of(ids):
    """The ids of the pairings the organisations ``ids`` take part in, as mentor or member: one
    id list (a union), not an OR of the two, so that the database reads the few pairings and
    their mentors and contacts by id instead of joining whole tables."""
    mentored = Pairing.objects.filter(mentor_id__in=ids).order_by().values("pk")
    members = PairingMember.objects.filter(organisation_id__in=ids).order_by()
    return mentored.union(members.values("pairing_id"), all=True)


@functools.lru_cache(maxsize=1)
def _own_pairings(today):
    """Pairings with what a side's rows read of each (progress, the mentor's and the
    participants' facts), built once a day per process: the annotations are the same for
    every user, and building them cost more than running the query. Only ever filtered,
    never evaluated itself."""
    return (
        with_progress_data(Pairing.objects.all(), today)
        .select_related("mentor_contact")
        .annotate(**_side_facts(OuterRef("pk"), OuterRef("mentor_id"), prefix="mentor_"))
        .annotate(members_json=_members(), meetings_json=_unconfirmed_meetings())
    )


def _own_organisation_ids(user) -> set:
    return access_for(user).organisation_ids(OrganisationKind.MENTOR, OrganisationKind.PARTICIPANT)


@kept_per_access
def _own_pairings_of(user, today):
    """The pairings of the user's organisations (those the user may see), riskiest first."""
    ids = _own_organisation_ids(user)
    return (
        _own_pairings(today)
        .visible_to(user)
        .filter(pk__in=_pairings_of(ids))
        .annotate(tasks_json=_open_tasks(ids))
        .order_by(*RISKIEST_FIRST)
    )


def own_rows(user, today=None) -> list[Row]:
    """The pairings of the user's organisations (those the user may see), riskiest first, with
    what is due from them.

    One query whatever the number of pairings, participants, meetings and tasks; kept on the
    user object.
    """
    cached = getattr(user, "_mentoring_rows", None)
    if cached is not None:
        return cached
    today = today or timezone.localdate()
    rows = []
    if _own_organisation_ids(user):
        for pairing in _own_pairings_of(user, today):
            state = progress(pairing, today)
            _remember_members(pairing)
            side = pairing.side_of(user)
            answered, accepted = _facts_of(pairing, side)
            rows.append(
                Row(
                    pairing=pairing,
                    progress=state,
                    side=side,
                    to_confirm=_meetings_to_confirm(pairing, side),
                    tasks=_side_tasks(pairing, side),
                    check_ins_due=due_check_ins(
                        pairing, answered, planned_end(pairing),
                        today, has_met=pairing.last_meeting_on is not None,
                    ),
                    accepted=accepted,
                )
            )  # fmt: skip
    user._mentoring_rows = rows
    return rows


def pairings_panel(request):
    rows = own_rows(request.user)
    if not rows:
        return None
    return Panel("mentoring/panels/pairings.html", {"rows": rows}, order=14)


CHECK_IN_TITLES = {
    CheckInKind.FIRST: _("Tell us whether the pairing with %(others)s is a good fit"),
    CheckInKind.MIDPOINT: _("Answer the half-way check-in on the pairing with %(others)s"),
    CheckInKind.END: _("Answer the end-of-period check-in on the pairing with %(others)s"),
}


def own_due_items(user):
    today = timezone.localdate()
    for row in own_rows(user):
        pairing_url = reverse("mentoring:pairing", args=[row.pairing.pk])
        others = row.others_names
        for meeting in row.to_confirm:
            yield DueItem(
                _("Confirm the meeting of %(date)s that %(organisation)s logged")
                % {
                    "date": format_day(meeting.held_on),
                    "organisation": meeting.logged_for.name,
                },
                f"{pairing_url}#meetings",
            )
        for task in row.tasks:
            if task.is_overdue(today):
                yield DueItem(
                    _("Finish the task “%(task)s” (pairing with %(others)s)")
                    % {"task": task.title, "others": others},
                    f"{pairing_url}#tasks",
                    task.due_on,
                )
        for kind in row.check_ins_due:
            yield DueItem(
                CHECK_IN_TITLES[kind] % {"others": others},
                reverse("mentoring:check_in", args=[row.pairing.pk, kind]),
            )
        if not row.pairing.is_live:
            continue
        if not row.accepted:
            yield DueItem(
                _("Read and accept the collaboration agreement with %(others)s")
                % {"others": others},
                reverse("mentoring:agreement", args=[row.pairing.pk]),
            )
        if row.we_act_next and not row.to_confirm and not row.progress.overdue_tasks:
            yield DueItem(
                _("Book the next mentor meeting with %(others)s") % {"others": others},
                pairing_url,
            )


# --- the caseworker -----------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _pairings_with_health(today):
    """Every pairing with today's health (``with_health``), built once a day per process: the
    same for every caseworker, each of whom only filters it. Never evaluated itself."""
    return with_health(Pairing.objects.all(), today)


@kept_per_access
def _health_counts(user, today):
    """(health rank, live pairings, open flags, open poor-fit answers) of the pairings the
    caseworker's body runs."""
    return (
        access_for(user)
        .administered(_pairings_with_health(today))
        .order_by()
        .values("health_rank")
        .annotate(
            live=Count("pk", filter=Q(status__in=LIVE_STATUSES)),
            flags=Sum("open_flags"),
            poor=Sum("open_poor_fits"),
        )
        .values_list("health_rank", "live", "flags", "poor")
    )


def caseworker_summary(user) -> dict:
    """The caseworker's pairings counted by health, and the open flags and poor-fit answers to
    follow up: one query, counted in the database, whatever their number."""
    cached = getattr(user, "_mentoring_summary", None)
    if cached is not None:
        return cached
    counts = dict.fromkeys(HEALTH_ORDER, 0)
    open_flags = poor_fits = 0
    for rank, live, flags, poor in _health_counts(user, timezone.localdate()):
        counts[HEALTH_ORDER[rank]] = live
        open_flags += flags or 0
        poor_fits += poor or 0
    summary = {
        "health": [
            (health, health.label, counts[health], HEALTH_BADGE[health])
            for health in HEALTH_ORDER
            if health != Health.NOT_RUNNING
        ],
        "live": sum(counts.values()),
        "paused": counts[Health.NOT_RUNNING],
        "open_flags": open_flags,
        "poor_fits": poor_fits,
    }
    user._mentoring_summary = summary
    return summary


def caseworker_panel(request):
    if not access_for(request.user).is_caseworker:
        return None
    summary = caseworker_summary(request.user)
    if not (summary["live"] or summary["open_flags"] or summary["poor_fits"]):
        return None
    return Panel("mentoring/panels/overview.html", summary, order=13)


def caseworker_due_items(user):
    if not access_for(user).is_caseworker:
        return
    summary = caseworker_summary(user)
    overview = reverse("mentoring:overview")
    if summary["open_flags"]:
        n = summary["open_flags"]
        yield DueItem(
            ngettext(
                "%(n)d mentor pairing says the collaboration is not working",
                "%(n)d mentor pairings say the collaboration is not working",
                n,
            )
            % {"n": n},
            f"{overview}#follow-up",
        )
    if summary["poor_fits"]:
        n = summary["poor_fits"]
        yield DueItem(
            ngettext(
                "%(n)d “not a good fit” answer to follow up",
                "%(n)d “not a good fit” answers to follow up",
                n,
            )
            % {"n": n},
            f"{overview}#follow-up",
        )


def register():
    register_panel(pairings_panel)
    register_panel(caseworker_panel)
    register_due_items(own_due_items)
    register_due_items(caseworker_due_items)
