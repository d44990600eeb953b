"""What the organisations app puts on the dashboard: each user's organisations and what their
profiles still lack, the caseworker's overview, and the evaluator's aggregated figures."""

import functools

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    JSONField,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Now
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from organisations import followup
from organisations.geography import County
from organisations.models import (
    Activity,
    JoinRequest,
    JoinRequestStatus,
    MembershipInvitation,
    Organisation,
    PreviousApplication,
    RegistrationRequest,
    RegistrationStatus,
)
from scheme import registry
from scheme.compiled import kept, kept_per_access
from scheme.models import SchemeYear
from scheme.queries import JSONRows, columns_of, instances_from
from scheme.registry import DueItem, Panel, register_due_items, register_panel
from scheme.roles import OrganisationKind, Role, access_for

PROFILE_KINDS = (OrganisationKind.PARTICIPANT, OrganisationKind.MENTOR)
# The evaluator's panel counts the participants of the newest of these years that has any.
LATEST_YEARS_LOOKED_AT = 3


def own_organisations(user):
    """The participant and mentor organisations the user belongs to, with what their
    profile gap check needs; the other apps' panels use them too."""
    return _organisations_of(user)["own"]


def _invitations(user) -> list:
    """The invitations to the user's address that wait for their answer, on the organisations
    they are for (``invitation``)."""
    return _organisations_of(user)["invited"]


def _organisations_of(user) -> dict:
    """The user's participant and mentor organisations and the organisations that invite
    the user: one query, kept on the user object for the rest of the request."""
    cached = getattr(user, "_own_organisations", None)
    if cached is not None:
        return cached
    ids = access_for(user).organisation_ids(*PROFILE_KINDS)
    found = list(_own_and_inviting(user, user.email))
    own = [o for o in found if o.pk in ids]
    for organisation in own:  # what the eligibility rules read, as if prefetched
        organisation._prefetched_objects_cache = {
            "previous_applications": instances_from(PreviousApplication, organisation.previous_json)
        }
    cached = {
        "own": own,
        "invited": [
            MembershipInvitation(pk=o.invitation_id, organisation=o, sent_at=o.invitation_sent_at)
            for o in found
            if o.invitation_id is not None
        ],
    }
    user._own_organisations = cached
    return cached


@kept_per_access
def _own_and_inviting(user, email):
    """The user's participant and mentor organisations (with ``_own_facts`` and their
    follow-ups) and those whose invitation to ``email`` waits for an answer (with its id and
    when it was sent)."""
    access = access_for(user)
    ids = access.organisation_ids(*PROFILE_KINDS)
    waiting = MembershipInvitation.objects.filter(email=email).pending(Now())
    invitation = waiting.filter(organisation=OuterRef("pk")).order_by("-pk")
    # One id list (a union), neither an Exists per organisation nor an OR of two lists: the
    # database then reads the few rows by their ids instead of testing every organisation.
    wanted = (
        Organisation.objects.filter(pk__in=ids)
        .order_by()
        .values("pk")
        .union(waiting.order_by().values("organisation_id"), all=True)
    )
    # What the panels read of the user's own organisations; left out when the user has none
    # (an invitation needs only the organisation's name).
    facts = {"follow_ups_json": _follow_ups(_followed_up(access))} if ids else {}
    return (
        (_with_own_facts() if ids else Organisation.objects.all())
        .filter(pk__in=wanted)
        .annotate(
            invitation_id=Subquery(invitation.values("pk")[:1]),
            invitation_sent_at=Subquery(invitation.values("sent_at")[:1]),
            **facts,
        )
        .order_by("name", "pk")
    )


@functools.cache
def _with_own_facts():
    """Organisations with ``_own_facts``, annotated once: annotating resolves every subquery
    again, which cost more than narrowing a copy of this queryset (it is never run itself).
    Each request adds the user's own facts (invitations, follow-ups)."""
    return Organisation.objects.annotate(**_own_facts())


@functools.cache
def _own_facts() -> dict:
    """What the panels read of the user's own organisations (their profile's gaps, earlier
    applications, years taking part and join requests), the same for every user: built once,
    as building them cost more than running them."""
    return {
        "has_target_groups": Exists(
            Organisation.target_groups.through.objects.filter(organisation=OuterRef("pk"))
        ),
        "has_activities": Exists(Activity.objects.filter(organisation=OuterRef("pk"))),
        "has_previous": Exists(PreviousApplication.objects.filter(organisation=OuterRef("pk"))),
        "previous_json": _previous_applications(),
        "taking_part_json": _years_taking_part(),
        "join_requests_waiting": Coalesce(
            Subquery(
                JoinRequest.objects.pending()
                .filter(organisation=OuterRef("pk"))
                .order_by()
                .values("organisation")
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=IntegerField(),
            ),
            Value(0),
        ),
    }


def _previous_applications():
    """The outer organisation's earlier applications (in the model's order) as JSON rows."""
    rows = PreviousApplication.objects.filter(organisation=OuterRef("pk"))
    return JSONRows(rows, **columns_of(PreviousApplication))


def _years_taking_part():
    """The scheme years the outer organisation takes part in, by any app's measure, as JSON
    rows (id, scheme_id): one subquery for every organisation (each app's subquery matches
    the organisation through the alias)."""
    years = SchemeYear.objects.alias(taking_part_organisation=OuterRef("pk")).filter(
        registry.years_taken_part(OuterRef("taking_part_organisation"))
    )
    return JSONRows(years.order_by(), id="id", scheme_id="scheme_id")


def _followed_up(access) -> set[int]:
    """The organisations whose follow-up the user is asked for: the participants they lead."""
    participants = access.organisation_ids(OrganisationKind.PARTICIPANT)
    return {pk for pk in participants if access.is_leader_of(pk)}


def _follow_ups(ids):
    """The schemes that awarded each organisation of ``ids`` a grant, for its follow-up
    (``followup.schemes_json``), NULL for the others."""
    follow_ups = [When(pk__in=ids, then=_outer_follow_ups())] if ids else []
    return Case(*follow_ups, default=None, output_field=JSONField())


@functools.cache
def _outer_follow_ups():
    """``followup.schemes_json`` of the outer organisation, built once (as ``_own_facts``)."""
    return followup.schemes_json(OuterRef("pk"))


def taking_part_years(organisation) -> dict:
    """Year id -> scheme id of the years an organisation of ``own_organisations`` takes part
    in."""
    return {row["id"]: row["scheme_id"] for row in organisation.taking_part_json or []}


def profile_gaps(organisation) -> list[tuple[str, str]]:
    """What the profile still lacks, as (what to do, where to do it), most important first.

    Needs the ``has_*`` annotations of ``own_organisations``.
    """
    edit = reverse("organisations:edit", args=[organisation.pk])
    lists = reverse("organisations:parts", args=[organisation.pk, "activities"])
    previous = reverse("organisations:parts", args=[organisation.pk, "previous-applications"])
    gaps = []
    if not organisation.description.strip():
        gaps.append((_("Write a short description of what you do"), edit))
    if organisation.in_voluntary_register is None:
        gaps.append((_("Tell us whether you are in Frivillighetsregisteret"), edit))
    if organisation.founded is None:
        gaps.append((_("Add your founding date"), edit))
    if not organisation.has_target_groups:
        gaps.append((_("Choose your target groups"), edit))
    if not organisation.has_activities:
        gaps.append((_("Add the activities you run regularly"), lists))
    if organisation.kind == OrganisationKind.PARTICIPANT and not organisation.has_previous:
        gaps.append((_("Record grants you have applied for earlier"), previous))
    return gaps


def _join_requests_to_answer(user, organisation) -> int:
    """How many requests to join the organisation wait for this user, a leader, to answer.
    Needs the ``join_requests_waiting`` annotation of ``own_organisations``."""
    if not access_for(user).is_leader_of(organisation.pk):
        return 0
    return organisation.join_requests_waiting


def own_organisations_panel(request):
    organisations = own_organisations(request.user)
    if not organisations:
        return None
    rows = [
        (
            organisation,
            profile_gaps(organisation),
            _join_requests_to_answer(request.user, organisation),
        )
        for organisation in organisations
    ]
    return Panel("organisations/panels/own.html", {"rows": rows}, order=10)


def join_request_due_items(user):
    """Requests to join the organisations the user leads."""
    for organisation in own_organisations(user):
        waiting = _join_requests_to_answer(user, organisation)
        if waiting:
            text = ngettext(
                "%(n)d person asks to join %(name)s",
                "%(n)d people ask to join %(name)s",
                waiting,
            )
            url = reverse("organisations:people", args=[organisation.pk])
            yield DueItem(text % {"n": waiting, "name": organisation.name}, f"{url}#join-requests")


def _in_no_organisation(user) -> bool:
    access = access_for(user)
    return not access.memberships and not access.is_admin


def _own_requests(user) -> dict:
    """The registrations and requests to join a person in no organisation has sent (those
    approved made them a member): two queries, kept on the user object for the request."""
    cached = getattr(user, "_own_requests", None)
    if cached is None:
        cached = {
            "registrations": list(
                RegistrationRequest.objects.filter(requested_by=user)
                .exclude(status=RegistrationStatus.APPROVED)
                .order_by("-created_at")[:5]
            ),
            "join_requests": list(
                JoinRequest.objects.filter(user=user)
                .exclude(status=JoinRequestStatus.APPROVED)
                .select_related("organisation")
                .order_by("-created_at")[:5]
            ),
        }
        user._own_requests = cached
    return cached


def getting_started_panel(request):
    """For a person in no organisation: register theirs, or ask to join one; and what they
    have asked so far."""
    if not _in_no_organisation(request.user):
        return None
    return Panel("organisations/panels/getting_started.html", _own_requests(request.user), order=5)


def getting_started_due_items(user):
    """A person in no organisation who has asked nothing yet: where to start."""
    if not _in_no_organisation(user):
        return
    requests = _own_requests(user)
    waiting = [r for r in requests["registrations"] + requests["join_requests"] if r.is_pending]
    if not waiting:
        yield DueItem(
            _("Register your organisation, or ask to join one that is registered"),
            reverse("organisations:register"),
        )


def profile_due_items(user):
    for organisation in own_organisations(user):
        for title, url in profile_gaps(organisation):
            yield DueItem(title=f"{organisation.name}: {title}", url=url)


def follow_up_due_items(user):
    """The follow-up a year after a scheme, for the leaders of the participants in it."""
    today, followed_up = timezone.localdate(), _followed_up(access_for(user))
    for organisation in own_organisations(user):
        if organisation.pk not in followed_up:
            continue
        for row in followup.opened(organisation.follow_ups_json, today):
            if row["answered_at"] is None:
                yield DueItem(
                    _("%(name)s: record the grants you applied for from others after the scheme")
                    % {"name": organisation.name},
                    reverse("organisations:follow_up", args=[organisation.pk, row["id"]]),
                    due=followup.due_on(row["last_year"]),
                )


def invitation_due_items(user):
    """Invitations to the user's own address that wait for their answer."""
    for invitation in _invitations(user):
        yield DueItem(
            title=_("Answer the invitation to %(name)s") % {"name": invitation.organisation.name},
            url=reverse("organisations:invitation", args=[invitation.pk]),
            due=invitation.expires_at.date(),
        )


WAITING = "registrations-waiting"  # not a kind: the row of the registrations in the counts


def _caseworker_counts(user) -> dict:
    """The organisations by kind and (under WAITING) the registrations waiting for this
    caseworker's decision: one query (a union), once per request."""
    cached = getattr(user, "_caseworker_counts", None)
    if cached is None:
        cached = user._caseworker_counts = dict(_counts_by_kind(user))
    return cached


@kept_per_access
def _counts_by_kind(user):
    kinds = Organisation.objects.order_by().values_list("kind").annotate(n=Count("pk"))
    waiting = (
        RegistrationRequest.objects.visible_to(user)
        .pending()
        .order_by()
        .annotate(label=Value(WAITING))
        .values_list("label")
        .annotate(n=Count("pk"))
    )
    return kinds.union(waiting, all=True)


def caseworker_panel(request):
    if not access_for(request.user).is_caseworker:
        return None
    counts = _caseworker_counts(request.user)
    rows = [(kind.label, kind.value, counts.get(kind.value, 0)) for kind in OrganisationKind]
    context = {"rows": rows, "registrations_waiting": counts.get(WAITING, 0)}
    return Panel("organisations/panels/caseworker.html", context, order=20)


def registration_due_items(user):
    if not access_for(user).is_caseworker:
        return
    waiting = _caseworker_counts(user).get(WAITING, 0)
    if waiting:
        text = ngettext(
            "%(n)d registration of an organisation to decide",
            "%(n)d registrations of organisations to decide",
            waiting,
        )
        yield DueItem(text % {"n": waiting}, reverse("organisations:registrations"))


@kept
def _participants_by_county(pk, scheme_id, year):
    """(county, how many) of the participants taking part in the scheme year."""
    scheme_year = SchemeYear(pk=pk, scheme_id=scheme_id, year=year)
    return (
        Organisation.objects.participants()
        .filter(registry.organisations_taking_part(scheme_year))
        .order_by()
        .values_list("county")
        .annotate(n=Count("id"))
    )


@kept
def _latest_years():
    return SchemeYear.objects.current_first()[:LATEST_YEARS_LOOKED_AT]


def evaluator_panel(request):
    """The participants of the latest scheme year anyone takes part in, counted by county:
    figures only, no names."""
    if not access_for(request.user).has(Role.EVALUATOR):
        return None
    for scheme_year in _latest_years():
        by_county = dict(
            _participants_by_county(scheme_year.pk, scheme_year.scheme_id, scheme_year.year)
        )
        if by_county:
            break
    else:
        return None
    rows = [
        (County(county).label if county else _("not recorded"), n)
        for county, n in sorted(by_county.items(), key=lambda item: (item[0] == "", item[0]))
    ]
    context = {"rows": rows, "total": sum(by_county.values()), "scheme_year": scheme_year}
    return Panel("organisations/panels/evaluator.html", context, order=20)


def register():
    register_panel(getting_started_panel)
    register_panel(own_organisations_panel)
    register_panel(caseworker_panel)
    register_panel(evaluator_panel)
    register_due_items(profile_due_items)
    register_due_items(invitation_due_items)
    register_due_items(follow_up_due_items)
    register_due_items(join_request_due_items)
    register_due_items(getting_started_due_items)
    register_due_items(registration_due_items)
