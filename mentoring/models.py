"""Mentoring: what mentor organisations offer, pairings (one-to-one or groups), the
collaboration agreement, meetings, tasks, check-ins, flags and compensation.

Every change of state happens in ``mentoring/services.py``, which enforces the workflows
written here (``PAIRING_WORKFLOW``, ``FLAG_WORKFLOW``: the states, the steps between them, who
may take each and why not) and the predicates on the models (who confirms a meeting, who ticks
off a task); the pages show the same. The health of a pairing is computed in
``mentoring/progress.py``, when check-ins are due in ``mentoring/check_ins.py``.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisations.models import CompetenceArea, Language, Organisation, TargetGroup
from scheme.compiled import KeptPrefetch
from scheme.models import Scheme, SchemeYear, free_text, money_field
from scheme.roles import OrganisationKind, access_for
from scheme.states import Transition, Workflow
from scheme.validators import LONG_TEXT, MESSAGE_TEXT, PAST_DATE, PLAUSIBLE_DATE, SHORT_TEXT


class MentorOffer(models.Model):
    """What a mentor organisation offers, and the participants it would like to help."""

    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="mentor_offer",
        limit_choices_to={"kind": OrganisationKind.MENTOR},
    )
    competence_areas = models.ManyToManyField(
        CompetenceArea, blank=True, related_name="+", verbose_name=_("what you can help with")
    )
    regions = models.JSONField(
        _("regions you can cover"),
        default=list,
        blank=True,
        help_text=_("Codes of organisations.geography.Region."),
    )
    languages = models.ManyToManyField(
        Language, blank=True, related_name="+", verbose_name=_("languages you can mentor in")
    )
    target_groups = models.ManyToManyField(
        TargetGroup, blank=True, related_name="+", verbose_name=_("target groups you know")
    )
    wished_target_groups = models.ManyToManyField(
        TargetGroup,
        blank=True,
        related_name="+",
        verbose_name=_("participants you would especially like to mentor"),
    )
    wishes = free_text(_("other wishes"), SHORT_TEXT, blank=True)
    capacity = models.PositiveSmallIntegerField(
        _("how many participant organisations you can take"), default=1
    )
    digital_ok = models.BooleanField(_("we can meet digitally"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("mentor offer")
        verbose_name_plural = _("mentor offers")

    def __str__(self):
        return str(self.organisation)


class PairingStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    PAUSED = "paused", _("paused")
    ENDED = "ended", _("ended")
    REPLACED = "replaced", _("replaced by another mentor")


LIVE_STATUSES = (PairingStatus.ACTIVE, PairingStatus.PAUSED)


def _administers(access, pairing) -> bool:
    return access.administers(pairing.scheme)


def _takes_part(access, pairing) -> bool:
    return any(access.is_member_of(pk) for pk in pairing.organisation_ids())


def _not_already(status, message):
    """A guard: the pairing is not already in ``status``."""
    return lambda pairing: message if pairing.status == status else None


HAS_ENDED = _("This pairing has ended.")
CALL_OFF_ENDED = _("This pairing has ended, so no more meetings can be recorded.")
STATUS_FINAL = _("This pairing has ended; its status cannot change.")

# A pairing is live while active or paused; ending and replacing are final. The caseworkers of
# the scheme change its status; its two sides meet, flag and accept while it is live.
PAIRING_WORKFLOW = Workflow(
    "status",
    [
        Transition(
            "pause",
            _("Pause"),
            frozenset(LIVE_STATUSES),
            PairingStatus.PAUSED,
            refusal=STATUS_FINAL,
            who=_administers,
            guard=_not_already(PairingStatus.PAUSED, _("The pairing is already paused.")),
        ),
        Transition(
            "resume",
            _("Resume"),
            frozenset(LIVE_STATUSES),
            PairingStatus.ACTIVE,
            refusal=STATUS_FINAL,
            who=_administers,
            guard=_not_already(PairingStatus.ACTIVE, _("The pairing is already active.")),
        ),
        Transition(
            "end",
            _("End"),
            frozenset(LIVE_STATUSES),
            PairingStatus.ENDED,
            refusal=STATUS_FINAL,
            who=_administers,
        ),
        Transition(
            "replace",
            _("Replace the mentor"),
            frozenset(LIVE_STATUSES),
            PairingStatus.REPLACED,
            refusal=_("This pairing has ended; make a new pairing instead."),
            who=_administers,
        ),
        Transition(
            "log_meeting",
            _("Log a meeting"),
            frozenset(LIVE_STATUSES),
            None,
            refusal=_("This pairing has ended, so no more meetings can be logged."),
            who=_takes_part,
        ),
        Transition(
            "raise_flag",
            _("The collaboration is not working"),
            frozenset(LIVE_STATUSES),
            None,
            refusal=HAS_ENDED,
            who=_takes_part,
        ),
        Transition(
            "accept_agreement",
            _("Accept the agreement"),
            frozenset(LIVE_STATUSES),
            None,
            refusal=HAS_ENDED,
            who=_takes_part,
        ),
    ],
)

# The status a caseworker chooses on the status page, and the step that leads there.
STATUS_STEPS = {
    PairingStatus.ACTIVE: "resume",
    PairingStatus.PAUSED: "pause",
    PairingStatus.ENDED: "end",
}


class PairingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Caseworkers see the pairings of the schemes their body runs (admins all); an
        organisation the pairings it takes part in."""
        access = access_for(user)
        if access.is_admin:
            return self
        ids = access.organisation_ids(OrganisationKind.MENTOR, OrganisationKind.PARTICIPANT)
        # Exists, not a join: no DISTINCT over the pages' many annotations.
        member = PairingMember.objects.filter(pairing=OuterRef("pk"), organisation_id__in=ids)
        return self.filter(
            Q(scheme__administrator_id__in=access.administering_ids)
            | Q(mentor_id__in=ids)
            | Q(Exists(member))
        )

    def live(self):
        return self.filter(status__in=LIVE_STATUSES)

    def with_members(self, **annotations):
        """The participants with their organisations and contact people (and
        ``annotations``), in one query."""
        return self.prefetch_related(members_with_people(**annotations))


def members_with_people(**annotations):
    """The prefetch of a pairing's ``members`` with their organisations and contact people."""
    members = PairingMember.objects.select_related("organisation", "contact")
    return KeptPrefetch("members", members.annotate(**annotations))


class Pairing(models.Model):
    """One mentor organisation with one participant, or several (group mentoring)."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="pairings")
    mentor = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="mentor_pairings",
        limit_choices_to={"kind": OrganisationKind.MENTOR},
        verbose_name=_("mentor organisation"),
    )
    mentor_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("mentor's contact person"),
    )
    starts_on = models.DateField(_("start"), validators=PLAUSIBLE_DATE)
    ends_on = models.DateField(_("end"), null=True, blank=True, validators=PLAUSIBLE_DATE)
    status = models.CharField(
        _("status"), max_length=10, choices=PairingStatus.choices, default=PairingStatus.ACTIVE
    )
    end_reason = free_text(_("why it ended"), SHORT_TEXT, blank=True)
    replaces = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # What the health rule reads of the meetings, on every page that shows a pairing's health:
    # kept by the meeting service in its transaction (``progress.store_meeting_figures``).
    last_meeting_on = models.DateField(_("last meeting"), null=True, editable=False)
    meetings_that_year = models.PositiveIntegerField(
        _("meetings in the year of the last meeting"), default=0, editable=False
    )

    objects = PairingQuerySet.as_manager()
    workflow = PAIRING_WORKFLOW

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["-starts_on", "id"]
        indexes = [models.Index(fields=["status", "mentor"])]

    def __str__(self):
        names = ", ".join(m.organisation.name for m in self.members.all())
        return f"{self.mentor} – {names}"

    @property
    def is_group(self) -> bool:
        return len(self.members.all()) > 1

    @property
    def is_live(self) -> bool:
        """Active or paused: it holds its place with the mentor and its participants."""
        return self.status in LIVE_STATUSES

    @property
    def is_running(self) -> bool:
        """Active: its meetings are counted and its health measured."""
        return self.status == PairingStatus.ACTIVE

    def may_record_called_off(self, user) -> bool:
        """Whether ``user`` may ever record a postponed or cancelled meeting here: the people
        of the pairing's organisations, and the scheme's caseworkers (who often hear of it
        first). It can be recorded while the pairing is live (``call_off_refusal``)."""
        access = access_for(user)
        return _takes_part(access, self) or _administers(access, self)

    def call_off_refusal(self) -> str | None:
        """Why no postponed or cancelled meeting can be recorded now, or None."""
        return None if self.is_live else CALL_OFF_ENDED

    def organisation_ids(self) -> list[int]:
        """The mentor's and the participants' ids (reads the prefetched members)."""
        return [self.mentor_id, *(member.organisation_id for member in self.members.all())]

    def organisations(self) -> list:
        """The mentor organisation, then the participant organisations."""
        return [self.mentor, *(member.organisation for member in self.members.all())]

    def side_of(self, user):
        """The organisation through which ``user`` takes part in this pairing, if any."""
        access = access_for(user)
        if access.is_member_of(self.mentor_id):
            return self.mentor
        for member in self.members.all():
            if access.is_member_of(member.organisation_id):
                return member.organisation
        return None


class PairingMember(models.Model):
    """A participant organisation in a pairing, with its named contact person."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="members")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="mentee_pairings",
        limit_choices_to={"kind": OrganisationKind.PARTICIPANT},
    )
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("contact person"),
    )

    class Meta:
        verbose_name = _("participant in a pairing")
        verbose_name_plural = _("participants in pairings")
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["pairing", "organisation"], name="pairing_member_once")
        ]

    def __str__(self):
        return str(self.organisation)


class Agreement(models.Model):
    """The collaboration agreement (*samarbeidsavtale*), written from the scheme's rules when the
    pairing is made and accepted in the portal by every organisation in it."""

    pairing = models.OneToOneField(Pairing, on_delete=models.CASCADE, related_name="agreement")
    text = free_text(_("agreement"), LONG_TEXT)
    min_meetings = models.PositiveSmallIntegerField(_("minimum meetings a year"))
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        verbose_name = _("collaboration agreement")
        verbose_name_plural = _("collaboration agreements")

    def __str__(self):
        return str(self.pairing)

    def acceptance_list(self) -> list:
        return list(self.acceptances.select_related("organisation", "accepted_by"))

    def waiting_for(self, acceptances) -> list:
        """The pairing's organisations that have not accepted (of ``acceptances``)."""
        accepted = {acceptance.organisation_id for acceptance in acceptances}
        return [o for o in self.pairing.organisations() if o.pk not in accepted]


class AgreementAcceptance(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="acceptances")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted"), default=timezone.now)

    class Meta:
        verbose_name = _("acceptance of an agreement")
        verbose_name_plural = _("acceptances of agreements")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "organisation"], name="agreement_accepted_once"
            )
        ]

    def __str__(self):
        return f"{self.organisation} – {self.accepted_at:%Y-%m-%d}"


class MeetingMode(models.TextChoices):
    PHYSICAL = "physical", _("in person")
    DIGITAL = "digital", _("digital")


class Side(models.TextChoices):
    """A side of a pairing: the participant organisations, or the mentor organisation."""

    PARTICIPANT = "participant", _("the participant side")
    MENTOR = "mentor", _("the mentor side")


class Initiative(models.TextChoices):
    """Who took the initiative to a meeting. Meetings logged before it was asked: not
    recorded."""

    PARTICIPANT = "participant", _("the participant side")
    MENTOR = "mentor", _("the mentor side")
    BOTH = "both", _("both, or agreed in advance")
    UNKNOWN = "unknown", _("not recorded")


class NoteVisibility(models.TextChoices):
    PAIR = "pair", _("only the pair")
    PAIR_AND_CASEWORKER = "caseworker", _("the pair and the caseworker")


class MeetingQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(pairing__in=Pairing.objects.visible_to(user))


class Meeting(models.Model):
    """A meeting of the mentor with one or more of the pairing's participant organisations.

    The mentor takes part in every meeting; ``participants`` records which participant
    organisations did (in a one-to-one pairing, always its one participant). In a group the
    others see that the meeting was held, its summary and its tasks, never its notes.
    """

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField(_("date"), validators=PAST_DATE)
    mode = models.CharField(_("how"), max_length=10, choices=MeetingMode.choices)
    initiative = models.CharField(
        _("who took the initiative"),
        max_length=12,
        choices=Initiative.choices,
        default=Initiative.UNKNOWN,
    )
    duration_minutes = models.PositiveSmallIntegerField(_("length in minutes"))
    attendees = models.CharField(_("who took part"), max_length=300)
    participants = models.ManyToManyField(
        Organisation,
        related_name="+",
        verbose_name=_("participant organisations that took part"),
    )
    topics = models.ManyToManyField(
        CompetenceArea, blank=True, related_name="+", verbose_name=_("topics")
    )
    summary = free_text(_("short summary"), MESSAGE_TEXT)
    notes = free_text(_("notes"), MESSAGE_TEXT, blank=True)
    notes_visibility = models.CharField(
        _("who may read the notes"),
        max_length=12,
        choices=NoteVisibility.choices,
        default=NoteVisibility.PAIR,
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    logged_for = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("logged by organisation"),
    )
    logged_at = models.DateTimeField(_("logged"), default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["pairing", "-held_on"])]

    def __str__(self):
        return f"{self.pairing} – {self.held_on}"

    def _present(self) -> list[int]:
        """The organisations in the meeting: the mentor always, and the participant
        organisations recorded as taking part."""
        return [self.pairing.mentor_id, *(o.pk for o in self.participants.all())]

    def took_part(self, organisation_id) -> bool:
        return organisation_id in self._present()

    def confirmation_refusal(self, organisation) -> str | None:
        """Why ``organisation`` cannot confirm this meeting, or None when it can: another
        organisation that took part confirms it, once."""
        if organisation.pk == self.logged_for_id:
            return _("The other side confirms the meeting.")
        if not self.took_part(organisation.pk):
            return _(
                "%(organisation)s did not take part in this meeting, so it does not confirm it."
            ) % {"organisation": organisation}
        if self.confirmed_at:
            return _("The meeting is already confirmed.")
        return None

    def can_be_confirmed_by(self, organisation) -> bool:
        return organisation is not None and self.confirmation_refusal(organisation) is None

    def notes_visible_to(self, user) -> bool:
        """Notes are for those who were in the meeting: the mentor and the participant
        organisations that took part (in a group, not the others). The caseworkers of the
        scheme (and admins) read them only when the pair chose so."""
        access = access_for(user)
        if any(access.is_member_of(pk) for pk in self._present()):
            return True
        return self.notes_visibility == NoteVisibility.PAIR_AND_CASEWORKER and access.administers(
            self.pairing.scheme
        )


class CallOff(models.TextChoices):
    POSTPONED = "postponed", _("postponed")
    CANCELLED = "cancelled", _("cancelled")


class CalledOffQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(pairing__in=Pairing.objects.visible_to(user))


class CalledOffMeeting(models.Model):
    """A planned meeting that was postponed to a new date, or cancelled, and which side called
    it off. It is not a meeting: meetings (``Meeting``) are those held, and only they count
    toward the minimum, the health and every figure of meetings. A postponed meeting that is
    then held is logged as a meeting on the day it was held."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="called_off")
    planned_on = models.DateField(_("planned date"), validators=PLAUSIBLE_DATE)
    outcome = models.CharField(_("what happened"), max_length=10, choices=CallOff.choices)
    new_date = models.DateField(_("new date"), null=True, blank=True, validators=PLAUSIBLE_DATE)
    by_side = models.CharField(
        _("who postponed or cancelled it"), max_length=12, choices=Side.choices
    )
    reason = free_text(_("why"), SHORT_TEXT, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_for = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by organisation"),
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = CalledOffQuerySet.as_manager()

    class Meta:
        verbose_name = _("postponed or cancelled meeting")
        verbose_name_plural = _("postponed or cancelled meetings")
        ordering = ["-planned_on", "-id"]
        indexes = [models.Index(fields=["pairing", "-planned_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="cancelled", new_date__isnull=True)
                | Q(outcome="postponed", new_date__gt=F("planned_on")),
                name="called_off_new_date_fits",
            )
        ]

    def __str__(self):
        return f"{self.pairing} – {self.planned_on} ({self.get_outcome_display()})"


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(pairing__in=Pairing.objects.visible_to(user))

    def open(self):
        return self.filter(done_at__isnull=True)


class Task(models.Model):
    """Something one side agreed to do, with a due date."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="tasks")
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    title = models.CharField(_("task"), max_length=200)
    owner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("who does it")
    )
    due_on = models.DateField(_("due"), validators=PLAUSIBLE_DATE)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["done_at", "due_on", "id"]

    def __str__(self):
        return self.title

    def is_overdue(self, today=None) -> bool:
        return self.done_at is None and self.due_on < (today or timezone.localdate())

    def is_owned_by(self, user) -> bool:
        """A task is ticked off by the side it belongs to."""
        return access_for(user).is_member_of(self.owner_id)


class CheckInKind(models.TextChoices):
    FIRST = "first", _("after the first meeting")
    MIDPOINT = "midpoint", _("half-way")
    END = "end", _("at the end")


class CheckInQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An answer is for the caseworkers and the organisation that gave it."""
        access = access_for(user)
        if access.is_admin:
            return self
        return self.filter(
            Q(pairing__scheme__administrator_id__in=access.administering_ids)
            | Q(organisation_id__in=access.organisation_ids())
        )


class CheckIn(models.Model):
    """A short check on how the pairing works, answered by each side; the results reach the
    evaluation. After the first meeting it asks just: is this a good fit?"""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="check_ins")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("check-in"), max_length=10, choices=CheckInKind.choices)
    good_fit = models.BooleanField(_("this is a good fit"), null=True, blank=True)
    usefulness = models.PositiveSmallIntegerField(_("how useful (1–5)"), null=True, blank=True)
    cooperation = models.PositiveSmallIntegerField(
        _("how well we work together (1–5)"), null=True, blank=True
    )
    progress = models.PositiveSmallIntegerField(
        _("how much we have achieved (1–5)"), null=True, blank=True
    )
    # Asked half-way and at the end; answers from before it was asked have none.
    clarity = models.PositiveSmallIntegerField(
        _("how clear the expectations between us are (1–5)"), null=True, blank=True
    )
    comment = free_text(_("comment"), SHORT_TEXT, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), default=timezone.now)
    followed_up_at = models.DateTimeField(_("followed up by the caseworker"), null=True, blank=True)

    objects = CheckInQuerySet.as_manager()

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["pairing", "kind", "answered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing", "organisation", "kind"], name="one_check_in_each"
            ),
            models.CheckConstraint(
                condition=(Q(usefulness__isnull=True) | Q(usefulness__range=(1, 5)))
                & (Q(cooperation__isnull=True) | Q(cooperation__range=(1, 5)))
                & (Q(progress__isnull=True) | Q(progress__range=(1, 5)))
                & (Q(clarity__isnull=True) | Q(clarity__range=(1, 5))),
                name="check_in_ratings_1_to_5",
            ),
        ]

    def __str__(self):
        return f"{self.pairing} – {self.get_kind_display()} ({self.organisation})"

    @property
    def asks_fit(self) -> bool:
        """The check-in after the first meeting asks only whether it is a good fit."""
        return self.kind == CheckInKind.FIRST

    @property
    def is_poor_fit_open(self) -> bool:
        return self.good_fit is False and self.followed_up_at is None


class FlagStatus(models.TextChoices):
    OPEN = "open", _("open")
    RESOLVED = "resolved", _("resolved")


def _administers_flag(access, flag) -> bool:
    return access.administers(flag.pairing.scheme)


FLAG_WORKFLOW = Workflow(
    "status",
    [
        Transition(
            "resolve",
            _("Record the outcome"),
            frozenset({FlagStatus.OPEN}),
            FlagStatus.RESOLVED,
            refusal=_("This flag has already been followed up."),
            who=_administers_flag,
        )
    ],
)


class FlagQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A flag is for the caseworkers and the side that raised it: the other side may be
        what is not working."""
        access = access_for(user)
        if access.is_admin:
            return self
        return self.filter(
            Q(pairing__scheme__administrator_id__in=access.administering_ids)
            | Q(raised_for_id__in=access.organisation_ids())
        )


class Flag(models.Model):
    """ "The collaboration is not working": either side tells the caseworker."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="flags")
    raised_for = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    message = free_text(_("what is not working"), MESSAGE_TEXT)
    status = models.CharField(
        _("status"), max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )
    outcome = free_text(_("outcome"), SHORT_TEXT, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)

    objects = FlagQuerySet.as_manager()
    workflow = FLAG_WORKFLOW

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        ordering = ["-raised_at"]

    def __str__(self):
        return f"{self.pairing} – {self.raised_at:%Y-%m-%d}"


def _money():
    return models.DecimalField(max_digits=12, decimal_places=2)


class CompensationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Caseworkers see their schemes' compensations; a mentor organisation its own."""
        access = access_for(user)
        if access.is_admin:
            return self
        return self.filter(
            Q(scheme_year__scheme__administrator_id__in=access.administering_ids)
            | Q(mentor_id__in=access.organisation_ids(OrganisationKind.MENTOR))
        )

    def with_paid(self):
        """Each with ``paid_total``, what has been paid of it, in the same query."""
        return self.annotate(
            paid_total=Coalesce(Sum("payments__amount"), Value(Decimal(0)), output_field=_money())
        )


class Compensation(models.Model):
    """What a mentor organisation is paid for a year of mentoring (scheme default 40 000)."""

    mentor = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="compensations",
        limit_choices_to={"kind": OrganisationKind.MENTOR},
    )
    scheme_year = models.ForeignKey(SchemeYear, on_delete=models.PROTECT, related_name="+")
    amount = money_field(_("compensation"))

    objects = CompensationQuerySet.as_manager()

    class Meta:
        verbose_name = _("mentor compensation")
        verbose_name_plural = _("mentor compensations")
        ordering = ["-scheme_year__year", "mentor__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentor", "scheme_year"], name="one_compensation_a_year"
            )
        ]

    def __str__(self):
        return f"{self.mentor} {self.scheme_year.year}"

    def paid(self):
        """What has been paid of it (the ``paid_total`` of ``with_paid()`` when it has one)."""
        if hasattr(self, "paid_total"):
            return self.paid_total
        return self.payments.aggregate(total=Sum("amount"))["total"] or 0

    def left_to_pay(self):
        """What may still be paid: a payment never takes the total above the compensation."""
        return self.amount - self.paid()


class CompensationPayment(models.Model):
    compensation = models.ForeignKey(
        Compensation, on_delete=models.PROTECT, related_name="payments"
    )
    paid_on = models.DateField(_("paid"), validators=PAST_DATE)
    amount = money_field(_("amount"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("compensation payment")
        verbose_name_plural = _("compensation payments")
        ordering = ["paid_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="compensation_payment_positive")
        ]

    def __str__(self):
        return f"{self.compensation}: {self.amount}"


class BehindReminder(models.Model):
    """The weekly reminder to a pairing that is behind on meetings (one per pairing a week)."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="+")
    week = models.CharField(max_length=8)  # ISO year and week, e.g. "2024-W07"
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pairing", "week"], name="one_behind_reminder_a_week")
        ]

    def __str__(self):
        return f"{self.pairing} – {self.week}"
