"""Competence building: the annual plan, courses, gatherings and joint meetings, registrations
and attendance, materials, practical tasks, and feedback forms.

Every change of state happens in ``courses/services.py``.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.workflows import (
    EVENT_FLOW,
    FORM_FLOW,
    PLAN_FLOW,
    REGISTRATION_FLOW,
    EventState,
    FormState,
    PlanState,
    RegistrationState,
)
from organisations.models import CompetenceArea, Organisation
from scheme import registry
from scheme.compiled import kept
from scheme.formatting import format_day
from scheme.models import Scheme, SchemeYear, free_text, money_field
from scheme.roles import OrganisationKind, Role, access_for
from scheme.storage import PrivatePath, private_storage
from scheme.validators import LONG_TEXT, MESSAGE_TEXT, PLAUSIBLE_DATE, SHORT_TEXT


class ItemKind(models.TextChoices):
    GATHERING = "gathering", _("gathering")
    COURSE = "course", _("course")
    PARTICIPANT_MEETING = "participant_meeting", _("joint meeting for participants")
    MENTOR_MEETING = "mentor_meeting", _("joint meeting for mentors")


class Audience(models.TextChoices):
    PARTICIPANTS = "participants", _("participant organisations")
    MENTORS = "mentors", _("mentor organisations")
    BOTH = "both", _("participants and mentors")


AUDIENCE_KINDS = {
    Audience.PARTICIPANTS: {OrganisationKind.PARTICIPANT},
    Audience.MENTORS: {OrganisationKind.MENTOR},
    Audience.BOTH: {OrganisationKind.PARTICIPANT, OrganisationKind.MENTOR},
}


PARTICIPATING_KINDS = (OrganisationKind.PARTICIPANT, OrganisationKind.MENTOR)


def audience_of(user_access) -> list:
    """The audiences whose events a user may see and join, from their organisations' kinds."""
    kinds = {kind for kind, _role in user_access.memberships.values()}
    return [audience for audience, wanted in AUDIENCE_KINDS.items() if kinds & wanted]


def years_taken_part_by(user_access, known=None):
    """The scheme years the user's participant and mentor organisations take part in.
    ``known``: their ids, when the caller has read them already (``taking_part_years`` of each
    of those organisations), so that the rule need not be worked out again in the query."""
    if known is not None:
        return SchemeYear.objects.filter(pk__in=known)
    ids = user_access.organisation_ids(*PARTICIPATING_KINDS)
    if not ids:  # a caseworker's or an evaluator's: no rule to work out
        return SchemeYear.objects.none()
    return SchemeYear.objects.filter(registry.years_taken_part(ids))


def taking_part_years(organisation) -> dict:
    """The scheme years the organisation takes part in (an award or a pairing during them),
    as year id -> scheme id; read once per organisation object."""
    cached = getattr(organisation, "_taking_part_years", None)
    if cached is None:
        remember_taking_part_years([organisation])
        cached = organisation._taking_part_years
    return cached


def remember_taking_part_years(organisations) -> None:
    """Read the years of several organisations in one query (a union of one select each),
    so that a page asking ``taking_part_years`` for each of them makes no query per one."""
    years = {o.pk: {} for o in organisations}
    if organisations:
        for organisation_id, year_id, scheme_id in _years_taken_part_by(tuple(years)):
            years[organisation_id][year_id] = scheme_id
    for organisation in organisations:
        organisation._taking_part_years = years[organisation.pk]


@kept
def _years_taken_part_by(ids):
    """(organisation id, year id, scheme id) of the years each of the organisations ``ids``
    takes part in: a union of one select each."""
    selects = [
        SchemeYear.objects.filter(registry.years_taken_part([pk]))
        .order_by()
        .annotate(organisation=Value(pk, output_field=models.IntegerField()))
        .values_list("organisation", "pk", "scheme_id")
        for pk in ids
    ]
    return selects[0].union(*selects[1:], all=True)


def own_taking_part(access) -> list:
    """The user's participant and mentor organisations as ``is_for`` reads them (their kind and
    ``taking_part_years``), built from the memberships the access has read: one query for their
    years, the first time a request asks; kept with the access for the rest of the request."""
    cached = access.memo.get("courses.own_taking_part")
    if cached is None:
        cached = [
            Organisation(pk=pk, kind=kind)
            for pk, (kind, _role) in access.memberships.items()
            if kind in PARTICIPATING_KINDS
        ]
        if not cached:
            return []
        remember_taking_part_years(cached)
        access.memo["courses.own_taking_part"] = cached
    return cached


def own_years(access) -> set[int]:
    """The ids of the scheme years the user's organisations take part in (``own_taking_part``),
    for ``visible_to(user, years)``."""
    return {
        year for organisation in own_taking_part(access) for year in taking_part_years(organisation)
    }


def _run_by(access, path: str) -> Q:
    """Rows of the schemes the user's administering body runs; ``path`` leads to the scheme."""
    return Q(**{f"{path}__administrator_id__in": access.administering_ids})


class AnnualPlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Caseworkers see their schemes' plans, drafts included; everyone else the shared ones."""
        access = access_for(user)
        if access.is_admin:
            return self
        return self.filter(_run_by(access, "scheme_year__scheme") | Q(shared_at__isnull=False))


class AnnualPlan(models.Model):
    """The year's plan of gatherings, courses and joint meetings, shared for comments."""

    scheme_year = models.OneToOneField(
        SchemeYear, on_delete=models.PROTECT, related_name="annual_plan"
    )
    introduction = free_text(_("introduction"), MESSAGE_TEXT, blank=True)
    shared_at = models.DateTimeField(_("shared with the organisations"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = AnnualPlanQuerySet.as_manager()
    workflow = PLAN_FLOW

    class Meta:
        verbose_name = _("annual plan")
        verbose_name_plural = _("annual plans")
        ordering = ["-scheme_year__year"]

    def __str__(self):
        return str(self.scheme_year)

    @property
    def state(self) -> str:
        return PlanState.SHARED if self.shared_at else PlanState.DRAFT

    @state.setter
    def state(self, value):
        """Sharing (``PLAN_FLOW.move``) stamps the moment; the service saves it."""
        self.shared_at = timezone.now() if value == PlanState.SHARED else None

    def is_for(self, organisation) -> bool:
        """Who is asked for comments: participants and mentors taking part in the plan's year."""
        return organisation.kind in PARTICIPATING_KINDS and (
            self.scheme_year_id in taking_part_years(organisation)
        )


class PlannedItem(models.Model):
    plan = models.ForeignKey(AnnualPlan, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind.choices)
    month = models.PositiveSmallIntegerField(
        _("planned month"), choices=[(m, m) for m in range(1, 13)]
    )
    topic = models.CharField(_("topic"), max_length=200)
    competence_areas = models.ManyToManyField(
        CompetenceArea, blank=True, related_name="+", verbose_name=_("competence areas")
    )

    class Meta:
        verbose_name = _("planned item")
        verbose_name_plural = _("planned items")
        ordering = ["plan", "month", "id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.topic}"


class PlanCommentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Comments go to the caseworkers; an organisation reads its own."""
        access = access_for(user)
        if access.is_admin:
            return self
        return self.filter(
            _run_by(access, "plan__scheme_year__scheme")
            | Q(organisation_id__in=access.organisation_ids())
        )


class PlanComment(models.Model):
    """An organisation's input to the plan, read by caseworkers and the author's organisation."""

    plan = models.ForeignKey(AnnualPlan, on_delete=models.CASCADE, related_name="comments")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = free_text(_("comment"), MESSAGE_TEXT)
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    objects = PlanCommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("comment on the plan")
        verbose_name_plural = _("comments on the plan")
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.organisation}: {self.text[:40]}"


class EventKind(models.TextChoices):
    COURSE = "course", _("course")
    GATHERING = "gathering", _("gathering")
    JOINT_MEETING = "joint_meeting", _("joint meeting")


class EventQuerySet(models.QuerySet):
    def visible_to(self, user, years=None):
        """Caseworkers see the events of the schemes their body runs (admins all);
        organisations the events for their audience in the years they take part in (``years``:
        those years' ids, when known; see ``years_taken_part_by``)."""
        access = access_for(user)
        if access.is_admin:
            return self
        taken_part = years_taken_part_by(access, years)
        return self.filter(
            _run_by(access, "scheme_year__scheme")
            | Q(audience__in=audience_of(access), scheme_year__in=taken_part)
        )

    def upcoming(self, now=None):
        now = timezone.now() if now is None else now
        return self.filter(ends_at__gte=now, cancelled_at__isnull=True)

    def held(self, now=None):
        """``Event.is_held``, as a query."""
        return self.filter(cancelled_at__isnull=True, starts_at__lte=now or timezone.now())


def late_deadline(starts_at, deadline) -> str:
    """Why a registration deadline does not fit the start ("" when it does): it must be on or
    before the day the event starts. Asked by the event form and by postponing."""
    if starts_at and deadline and deadline > timezone.localtime(starts_at).date():
        return _("The registration deadline must be on or before the day the event starts.")
    return ""


class Event(models.Model):
    scheme_year = models.ForeignKey(SchemeYear, on_delete=models.PROTECT, related_name="events")
    planned_item = models.ForeignKey(
        PlannedItem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        verbose_name=_("fulfils the planned item"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    audience = models.CharField(_("for"), max_length=20, choices=Audience.choices)
    title = models.CharField(_("title"), max_length=200)
    description = free_text(_("description"), MESSAGE_TEXT, blank=True)
    provider = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("provider organisation"),
    )
    provider_name = models.CharField(
        _("provider (when not in the portal)"), max_length=200, blank=True
    )
    starts_at = models.DateTimeField(_("starts"), validators=PLAUSIBLE_DATE)
    ends_at = models.DateTimeField(_("ends"), validators=PLAUSIBLE_DATE)
    is_digital = models.BooleanField(_("digital"), default=False)
    place = models.CharField(_("place"), max_length=300, blank=True)
    at_administrator = models.BooleanField(_("in the administering body's premises"), default=False)
    meeting_link = models.URLField(_("meeting link"), blank=True)
    registration_deadline = models.DateField(_("register by"), validators=PLAUSIBLE_DATE)
    competence_areas = models.ManyToManyField(
        CompetenceArea, blank=True, related_name="+", verbose_name=_("competence areas covered")
    )
    cost = money_field(
        _("cost"), null=True, blank=True, help_text=_("What the event cost the scheme, in NOK.")
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    # Set by ``services.postpone_event``: the start first planned (kept however often the event
    # is postponed), so a postponed event shows as postponed, never as a second event.
    first_starts_at = models.DateTimeField(_("first planned start"), null=True, blank=True)
    postponed_at = models.DateTimeField(_("postponed"), null=True, blank=True)
    postponement_reason = free_text(_("why it was postponed"), SHORT_TEXT, blank=True)

    objects = EventQuerySet.as_manager()
    workflow = EVENT_FLOW

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["audience", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")), name="event_ends_after_start"
            )
        ]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": _("The event must end after it starts.")})
        if self.is_digital and self.at_administrator:
            raise ValidationError(
                {"at_administrator": _("A digital event is not held in anyone's premises.")}
            )

    @property
    def provider_display(self):
        return self.provider.name if self.provider else self.provider_name

    def is_for(self, organisation) -> bool:
        """In the audience: the right kind, and taking part in the event's scheme year."""
        kinds = AUDIENCE_KINDS[self.audience]
        return organisation.kind in kinds and self.scheme_year_id in taking_part_years(organisation)

    def audience_organisations(self):
        return Organisation.objects.filter(kind__in=AUDIENCE_KINDS[self.audience]).filter(
            registry.organisations_taking_part(self.scheme_year)
        )

    @property
    def state(self) -> str:
        return EventState.CANCELLED if self.cancelled_at else EventState.PLANNED

    @state.setter
    def state(self, value):
        """Cancelling (``EVENT_FLOW.move``) stamps the moment; the service saves it."""
        self.cancelled_at = timezone.now() if value == EventState.CANCELLED else None

    def registration_open(self, today=None) -> bool:
        return self.cancelled_at is None and (today or timezone.localdate()) <= (
            self.registration_deadline
        )

    @property
    def asks_about_needs(self) -> bool:
        """Gatherings ask each person's dietary and accessibility needs."""
        return self.kind == EventKind.GATHERING

    @property
    def is_postponed(self) -> bool:
        return self.first_starts_at is not None

    @property
    def planned_starts_at(self):
        """The start first planned: before any postponement."""
        return self.first_starts_at or self.starts_at

    def has_started(self, now=None) -> bool:
        return self.starts_at <= (now or timezone.now())

    def is_held(self, now=None) -> bool:
        """Held: started and not cancelled (what plans, attendance and evaluations count)."""
        return self.cancelled_at is None and self.has_started(now)


class ProgrammeItem(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="programme")
    starts_at = models.TimeField(_("time"))
    title = models.CharField(_("item"), max_length=200)
    presenter = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("presenter organisation"),
    )
    presenter_name = models.CharField(
        _("presenter (when not in the portal)"), max_length=200, blank=True
    )

    class Meta:
        verbose_name = _("programme item")
        verbose_name_plural = _("programme items")
        ordering = ["event", "starts_at", "id"]

    def __str__(self):
        return f"{self.starts_at:%H:%M} {self.title}"


NEEDS_FIELDS = ("dietary_needs", "accessibility_needs")  # blanked after the event


class RegistrationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Caseworkers see the registrations for their schemes' events; an organisation only
        its own."""
        access = access_for(user)
        if access.is_admin:
            return self
        return self.filter(
            _run_by(access, "event__scheme_year__scheme")
            | Q(organisation_id__in=access.organisation_ids())
        )

    def active(self):
        """The registered people: not cancelled, not on the waiting list."""
        return self.filter(cancelled_at__isnull=True, waiting=False)

    def waiting(self):
        """The waiting list, first in line first."""
        return self.filter(cancelled_at__isnull=True, waiting=True).order_by("registered_at", "pk")

    def not_cancelled(self):
        """Registered or waiting: everyone who expects to hear about the event."""
        return self.filter(cancelled_at__isnull=True)


class Registration(models.Model):
    """A named person from an organisation registered for an event, or on its waiting list
    (a gathering whose places for the organisation are taken). The needs are blanked after the
    event by the retention rule ``event_needs`` (courses/personal_data.py)."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="registrations")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="event_registrations"
    )
    person_name = models.CharField(_("name"), max_length=150)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="event_registrations",
        verbose_name=_("person with a login"),
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(_("registered"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    waiting = models.BooleanField(_("on the waiting list"), default=False)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    dietary_needs = free_text(_("dietary needs"), SHORT_TEXT, blank=True)
    accessibility_needs = free_text(_("accessibility needs"), SHORT_TEXT, blank=True)

    objects = RegistrationQuerySet.as_manager()
    workflow = REGISTRATION_FLOW

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["event", "organisation__name", "person_name"]
        indexes = [models.Index(fields=["event", "organisation", "cancelled_at"])]

    def __str__(self):
        return f"{self.person_name} ({self.organisation}) – {self.event}"

    @property
    def state(self) -> str:
        if self.cancelled_at:
            return RegistrationState.CANCELLED
        return RegistrationState.WAITING if self.waiting else RegistrationState.REGISTERED

    @state.setter
    def state(self, value):
        """Cancelling (``REGISTRATION_FLOW.move``) stamps the moment, moving up leaves the
        waiting list; the service saves it."""
        self.cancelled_at = timezone.now() if value == RegistrationState.CANCELLED else None
        if value == RegistrationState.REGISTERED:
            self.waiting = False


class MaterialQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(event__in=Event.objects.visible_to(user))


class Material(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=PrivatePath("materials"), storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    objects = MaterialQuerySet.as_manager()

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["event", "uploaded_at"]

    def __str__(self):
        return self.title


class PracticalTaskQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Caseworkers see their schemes' tasks; an organisation the tasks given to it."""
        access = access_for(user)
        if access.is_admin:
            return self
        return self.filter(
            _run_by(access, "event__scheme_year__scheme")
            | Q(organisations__in=access.organisation_ids())
        ).distinct()


class PracticalTask(models.Model):
    """An exercise given at an event to one organisation, or to two working together."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="practical_tasks")
    title = models.CharField(_("task"), max_length=200)
    description = free_text(_("what to do"), MESSAGE_TEXT)
    organisations = models.ManyToManyField(
        Organisation, related_name="practical_tasks", verbose_name=_("organisations")
    )
    due_on = models.DateField(_("hand in by"), validators=PLAUSIBLE_DATE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = PracticalTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("practical task")
        verbose_name_plural = _("practical tasks")
        ordering = ["due_on", "id"]

    def __str__(self):
        return self.title

    def why_no_hand_in(self, today=None) -> str:
        """Why hand-ins are refused now; "" while they are taken (to the end of the due day)."""
        if (today or timezone.localdate()) <= self.due_on:
            return ""
        return _("The task was due %(date)s.") % {"date": format_day(self.due_on)}


class HandInQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A hand-in is for the caseworkers and its own organisation, never its partner's."""
        access = access_for(user)
        if access.is_admin:
            return self
        return self.filter(
            _run_by(access, "task__event__scheme_year__scheme")
            | Q(organisation_id__in=access.organisation_ids())
        )


class HandIn(models.Model):
    task = models.ForeignKey(PracticalTask, on_delete=models.CASCADE, related_name="hand_ins")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    text = free_text(_("your answer"), LONG_TEXT, blank=True)
    file = models.FileField(
        _("file"), upload_to=PrivatePath("hand-ins"), storage=private_storage, blank=True
    )
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("handed in"), default=timezone.now)

    objects = HandInQuerySet.as_manager()

    class Meta:
        verbose_name = _("hand-in")
        verbose_name_plural = _("hand-ins")
        ordering = ["task", "submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["task", "organisation"], name="one_hand_in_each")
        ]

    def __str__(self):
        return f"{self.task} – {self.organisation}"


class FeedbackFormQuerySet(models.QuerySet):
    def visible_to(self, user, years=None):
        """The forms a user may open: their schemes' forms for caseworkers; for organisations
        the scheme-wide forms of schemes they take part in and those of events for them
        (``years``: as ``EventQuerySet.visible_to``)."""
        access = access_for(user)
        if access.is_admin:
            return self
        schemes = years_taken_part_by(access, years).values("scheme_id")
        return self.filter(
            _run_by(access, "scheme")
            | Q(event__isnull=True, scheme__in=schemes)
            | Q(event__in=Event.objects.visible_to(user, years))
        )

    def open_for_answers(self, now=None):
        """The forms in ``FormState.OPEN`` at ``now`` (a moment, or the database's ``Now()``;
        the present by default) (``FeedbackForm.state``, as a query)."""
        now = timezone.now() if now is None else now
        return self.filter(Q(opens_at__isnull=True) | Q(opens_at__lte=now)).filter(
            Q(closes_at__isnull=True) | Q(closes_at__gte=now)
        )

    def results_visible_to(self, user):
        """Whose aggregated results a user may read: caseworkers their schemes', evaluators
        every form's (results carry no names)."""
        access = access_for(user)
        if access.is_admin or access.has(Role.EVALUATOR):
            return self
        return self.filter(_run_by(access, "scheme"))


class FeedbackForm(models.Model):
    """A short form for an event, or for the scheme as a whole (the closing evaluation)."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="feedback_forms")
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.PROTECT, related_name="feedback_forms"
    )
    title = models.CharField(_("title"), max_length=200)
    introduction = free_text(_("introduction"), SHORT_TEXT, blank=True)
    opens_at = models.DateTimeField(
        _("open for answers from"), null=True, blank=True, validators=PLAUSIBLE_DATE
    )
    closes_at = models.DateTimeField(
        _("open for answers until"), null=True, blank=True, validators=PLAUSIBLE_DATE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = FeedbackFormQuerySet.as_manager()
    workflow = FORM_FLOW

    class Meta:
        verbose_name = _("feedback form")
        verbose_name_plural = _("feedback forms")
        ordering = ["-id"]

    def __str__(self):
        return self.title

    @property
    def state(self) -> str:
        now = timezone.now()
        if self.opens_at is not None and now < self.opens_at:
            return FormState.NOT_YET_OPEN
        if self.closes_at is not None and self.closes_at < now:
            return FormState.CLOSED
        return FormState.OPEN

    def answered_by(self, user) -> bool:
        """Each person answers a form once."""
        return self.responses.filter(respondent_id=user.pk).exists()

    def is_for(self, organisation) -> bool:
        """Who may answer: the event's audience, or for a scheme-wide form the participants
        and mentors taking part in one of the scheme's years."""
        if self.event_id:
            return self.event.is_for(organisation)
        return organisation.kind in PARTICIPATING_KINDS and (
            self.scheme_id in taking_part_years(organisation).values()
        )


class QuestionKind(models.TextChoices):
    RATING = "rating", _("rating from 1 to 5")
    SINGLE = "single", _("one choice")
    MULTIPLE = "multiple", _("several choices")
    TEXT = "text", _("free text")


def choices_fit_their_text_area(value) -> None:
    """A question's choices, one per line as they are typed, are at most ``SHORT_TEXT`` long."""
    MaxLengthValidator(SHORT_TEXT)("\n".join(str(choice) for choice in value))


class Question(models.Model):
    form = models.ForeignKey(FeedbackForm, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=300)
    choices = models.JSONField(
        _("choices"), default=list, blank=True, validators=[choices_fit_their_text_area]
    )
    required = models.BooleanField(_("must be answered"), default=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["form", "position"]
        constraints = [
            models.UniqueConstraint(fields=["form", "position"], name="question_position_unique")
        ]

    def __str__(self):
        return self.text

    @property
    def is_rating(self) -> bool:
        return self.kind == QuestionKind.RATING

    @property
    def is_text(self) -> bool:
        return self.kind == QuestionKind.TEXT


class Response(models.Model):
    """One person's answers to a form; each person answers once."""

    form = models.ForeignKey(FeedbackForm, on_delete=models.CASCADE, related_name="responses")
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("answered"), default=timezone.now)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        constraints = [
            models.UniqueConstraint(fields=["form", "respondent"], name="one_response_each")
        ]

    def __str__(self):
        return f"{self.form} – {self.submitted_at:%Y-%m-%d}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    choices = models.JSONField(default=list, blank=True)
    text = free_text(_("answer"), MESSAGE_TEXT, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="one_answer_each"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__range=(1, 5)),
                name="answer_rating_1_to_5",
            ),
        ]

    def __str__(self):
        return f"{self.question}: {self.rating or self.choices or self.text[:30]}"


class CalendarFeed(models.Model):
    """A secret address for a person's calendar feed, for calendar apps that cannot log in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return str(self.user)


class EventReminder(models.Model):
    """The reminder sent the day before an event to one registration (sent once)."""

    registration = models.OneToOneField(
        Registration, on_delete=models.CASCADE, related_name="reminder"
    )
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("event reminder")
        verbose_name_plural = _("event reminders")

    def __str__(self):
        return str(self.registration)
