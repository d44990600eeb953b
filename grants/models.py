"""The life of a grant: call, application, assessment, decision, award, money out, report and
accounts in, clawback. Every change of state happens in ``grants/services.py``."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grants.account_numbers import (
    DIGITS,
    format_account_number,
    mask_account_number,
    validate_account_number,
)
from grants.workflows import (
    APPEAL_FLOW,
    APPLICATION_EDITABLE,
    APPLICATION_FLOW,
    CHANGE_NOTICE_FLOW,
    CLAWBACK_FLOW,
    PROPOSAL_FLOW,
    REPORT_EDITABLE,
    REPORT_FLOW,
    AppealStatus,
    ApplicationStatus,
    AttestationStatus,
    ChangeNoticeStatus,
    ClawbackStatus,
    ProposalStatus,
    ReportStatus,
)
from organisations.models import CompetenceArea, Organisation, TargetGroup
from scheme.formatting import format_day
from scheme.models import Goal, SchemeYear, free_text, money_field
from scheme.registry import organisation_among
from scheme.roles import OrganisationKind, access_for
from scheme.storage import PrivatePath, private_storage
from scheme.validators import LONG_TEXT, MESSAGE_TEXT, PAST_DATE, PLAUSIBLE_DATE, SHORT_TEXT

ZERO = Decimal("0")
APPEAL_PERIOD = datetime.timedelta(weeks=3)
MAX_ATTACHMENTS = 20  # documents on one application


def total_of(amounts) -> Decimal:
    """The sum of a budget's or accounts' lines (0 for none): the one way lines are added up."""
    return sum(amounts, ZERO)


class RoundKind(models.TextChoices):
    CLOSED = "closed", _("closed call (invited organisations only)")
    OPEN = "open", _("open call")


class RoundQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Caseworkers see the calls of the schemes their body runs (admins see all); the
        people of a participant organisation the calls it may apply to (``Round.accepts``):
        the open calls and those it is invited to."""
        access = access_for(user)
        if access.is_admin:
            return self
        condition = Q(scheme_year__scheme__administrator_id__in=access.administering_ids)
        own = access.organisation_ids(OrganisationKind.PARTICIPANT)
        if own:
            invited = Invitation.objects.filter(organisation_id__in=own).values("round_id")
            condition |= Q(kind=RoundKind.OPEN) | Q(pk__in=invited)
        return self.filter(condition)


class Round(models.Model):
    """A call for applications in one scheme year."""

    scheme_year = models.ForeignKey(
        SchemeYear, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("scheme year")
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind of call"), max_length=10, choices=RoundKind.choices)
    opens_on = models.DateField(_("opens"), validators=PLAUSIBLE_DATE)
    closes_on = models.DateField(_("closes"), validators=PLAUSIBLE_DATE)
    guidance = free_text(
        _("guidance"),
        LONG_TEXT,
        help_text=_("What the call is for and how to apply, in plain language."),
    )
    continuation = models.BooleanField(
        _("continuation for organisations already in the scheme"),
        default=False,
        help_text=_(
            "The admission rules (age, registration, earlier applications) were checked when "
            "they were admitted and are not checked again."
        ),
    )
    invited = models.ManyToManyField(
        Organisation,
        through="Invitation",
        related_name="invited_to_rounds",
        blank=True,
        verbose_name=_("invited organisations"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        ordering = ["-opens_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")),
                name="round_closes_after_opening",
                violation_error_message=_("The call cannot close before it opens."),
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_invitation_only(self) -> bool:
        """A closed call: only the organisations invited may apply."""
        return self.kind == RoundKind.CLOSED

    def is_open(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.opens_on <= today <= self.closes_on

    def accepts(self, organisation, invited_ids=None) -> bool:
        """Whether ``organisation`` may apply in this round (ignoring the dates)."""
        if organisation.kind != OrganisationKind.PARTICIPANT:
            return False
        if self.kind == RoundKind.OPEN:
            return True
        if invited_ids is None:
            return self.invitations.filter(organisation=organisation).exists()
        return organisation.pk in invited_ids


class Invitation(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="invitations")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    invited_at = models.DateTimeField(_("invited"), default=timezone.now)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["round", "organisation"], name="invitation_unique")
        ]

    def __str__(self):
        return f"{self.organisation} – {self.round}"


class Eligibility(models.TextChoices):
    """The eligibility check's overall result, kept on the application so lists can filter."""

    PASS = "pass", _("met")
    FAIL = "fail", _("not met")
    UNKNOWN = "unknown", _("unknown")


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Caseworkers see the applications in the schemes their body runs (admins see all);
        an organisation only its own. The calls are a subquery, not joins: a list joins
        enough tables for the database's planner already."""
        access = access_for(user)
        if access.is_admin:
            return self
        return self.filter(
            Q(
                round__in=access.administered(
                    Round.objects.all(), "scheme_year__scheme__administrator_id"
                )
            )
            | Q(organisation_id__in=access.organisation_ids(OrganisationKind.PARTICIPANT))
        )

    def with_total_score(self):
        """Each application with ``total_score``, the sum of its assessment's scores (None
        before it is scored), as one subquery: the list orders by it without a GROUP BY. The
        same sum as ``Assessment.total_score``."""
        totals = (
            Score.objects.filter(assessment=OuterRef("assessment"))
            .order_by()
            .values("assessment")
            .annotate(total=Sum("score"))
            .values("total")[:1]
        )
        return self.annotate(total_score=Subquery(totals, output_field=models.IntegerField()))


class Application(models.Model):
    round = models.ForeignKey(
        Round, on_delete=models.PROTECT, related_name="applications", verbose_name=_("round")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("organisation"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
    )
    amount = money_field(_("amount applied for"), null=True, blank=True)
    planned_activities = free_text(_("planned activities"), MESSAGE_TEXT, blank=True)
    reach = free_text(_("who the activities reach"), SHORT_TEXT, blank=True)
    people_reached = models.PositiveIntegerField(
        _("people you expect to reach"), null=True, blank=True
    )
    target_groups = models.ManyToManyField(
        TargetGroup, blank=True, related_name="applications", verbose_name=_("target groups")
    )
    competence_needs = models.ManyToManyField(
        CompetenceArea,
        blank=True,
        related_name="applications",
        verbose_name=_("what you want to learn"),
    )
    wants_mentor = models.BooleanField(_("we want a mentor organisation"), default=True)
    planned_collaborations = free_text(_("planned collaborations"), MESSAGE_TEXT, blank=True)
    eligibility = models.CharField(
        _("eligibility"),
        max_length=10,
        choices=Eligibility.choices,
        default=Eligibility.UNKNOWN,
    )
    info_request = free_text(_("question from the caseworker"), MESSAGE_TEXT, blank=True)
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("caseworker"),
    )
    their_reference = models.CharField(
        _("your reference"),
        max_length=100,
        blank=True,
        help_text=_("Optional: your own reference, quoted on our letters as 'Deres ref.'"),
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ApplicationQuerySet.as_manager()
    workflow = APPLICATION_FLOW

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "organisation"], name="one_application_per_round"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="application_amount_positive",
                violation_error_message=_("The amount you apply for must be more than 0."),
            ),
        ]
        indexes = [
            models.Index(fields=["round", "status"]),
            models.Index(fields=["status", "-submitted_at"]),
        ]

    def __str__(self):
        return f"{self.organisation} – {self.round}"

    @property
    def is_editable(self) -> bool:
        return self.status in APPLICATION_EDITABLE

    # The states by name, for pages that say what happens next (the steps: APPLICATION_FLOW).
    @property
    def is_draft(self) -> bool:
        return self.status == ApplicationStatus.DRAFT

    @property
    def awaits_answer(self) -> bool:
        """The caseworker has asked a question; the application is back with the organisation."""
        return self.status == ApplicationStatus.INFO_REQUESTED

    @property
    def is_awarded(self) -> bool:
        return self.status == ApplicationStatus.AWARDED

    @property
    def is_rejected(self) -> bool:
        return self.status == ApplicationStatus.REJECTED

    @property
    def is_withdrawn(self) -> bool:
        return self.status == ApplicationStatus.WITHDRAWN

    @property
    def budget_total(self) -> Decimal:
        return total_of(line.amount for line in self.budget_lines.all())


class BudgetCategory(models.TextChoices):
    SALARY = "salary", _("salary and fees")
    RENT = "rent", _("rent")
    ACTIVITIES = "activities", _("activities")
    TRAVEL = "travel", _("travel")
    EQUIPMENT = "equipment", _("equipment")
    OTHER = "other", _("other")


class BudgetLine(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="budget_lines"
    )
    category = models.CharField(_("category"), max_length=20, choices=BudgetCategory.choices)
    description = models.CharField(_("what for"), max_length=200, blank=True)
    amount = money_field(_("amount"))

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["id"]

    def __str__(self):
        return f"{self.get_category_display()}: {self.amount}"


class AttachmentKind(models.TextChoices):
    STATUTES = "statutes", _("statutes")
    ANNUAL_REPORT = "annual_report", _("last annual report")
    ACCOUNTS = "accounts", _("last accounts")
    OTHER = "other", _("other")


class AttachmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(application__in=Application.objects.visible_to(user))


class Attachment(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(_("document"), max_length=20, choices=AttachmentKind.choices)
    file = models.FileField(
        _("file"), upload_to=PrivatePath("applications"), storage=private_storage
    )
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["kind", "id"]

    def __str__(self):
        return self.original_name


class Criterion(models.TextChoices):
    """The selection criteria a caseworker scores (Rundskriv 10-2022)."""

    ACTIVITY = "activity", _("existing activity level")
    NEED = "need", _("need for organisational knowledge or a mentor")
    RESOURCES = "resources", _("limited resources")
    GOALS = "goals", _("fit with the scheme's goals")


class ImpartialityDeclaration(models.Model):
    """A caseworker's declaration on impartiality (Public Administration Act § 6)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="declarations"
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    has_conflict = models.BooleanField(_("I am not impartial in this case"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    declared_at = models.DateTimeField(_("declared"), default=timezone.now)

    class Meta:
        verbose_name = _("impartiality declaration")
        verbose_name_plural = _("impartiality declarations")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "caseworker"], name="one_declaration_per_caseworker"
            )
        ]

    def __str__(self):
        return f"{self.caseworker} – {self.application}"


class Assessment(models.Model):
    """The caseworker's assessment of one application, and its place in the round's portfolio."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="assessment"
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    purpose_confirmed = models.BooleanField(
        _("works for the scheme's purpose"), null=True, blank=True
    )
    phoned_at = models.DateField(
        _("phoned to confirm motivation"), null=True, blank=True, validators=PAST_DATE
    )
    phone_note = models.CharField(_("what the phone call showed"), max_length=500, blank=True)
    summary = free_text(_("summary"), MESSAGE_TEXT, blank=True)
    proposed = models.BooleanField(_("proposed for award"), default=False)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    proposed_amount = money_field(_("proposed amount"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        indexes = [models.Index(fields=["proposed", "rank"])]

    def __str__(self):
        return str(self.application)

    @property
    def total_score(self) -> int:
        """The sum of the scores (``ApplicationQuerySet.with_total_score`` for a list)."""
        return sum(score.score for score in self.scores.all())


class Score(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.CharField(_("criterion"), max_length=20, choices=Criterion.choices)
    score = models.PositiveSmallIntegerField(_("score (1–5)"))
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["assessment", "criterion"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="one_score_each"),
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5), name="score_from_1_to_5"
            ),
        ]

    def __str__(self):
        return f"{self.get_criterion_display()}: {self.score}"


class DecisionKind(models.TextChoices):
    AWARD = "award", _("award")
    REJECTION = "rejection", _("rejection")
    CLAWBACK = "clawback", _("clawback")


class DecisionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(application__in=Application.objects.visible_to(user))


class Decision(models.Model):
    """An individual decision (*enkeltvedtak*): it gives its reasons and may be appealed within
    three weeks (Public Administration Act §§ 24–25 and 29)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(_("decision"), max_length=10, choices=DecisionKind.choices)
    reasons = free_text(_("reasons"), MESSAGE_TEXT)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
        help_text=_("The second person, where the scheme has decisions of this kind approved."),
    )
    appeal_deadline = models.DateField(_("appeal deadline"), validators=PLAUSIBLE_DATE)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-decided_at"]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.application}"

    def can_be_appealed(self, today=None) -> bool:
        return (today or timezone.localdate()) <= self.appeal_deadline

    def appeal_refusal(self, today=None) -> str:
        """Why the organisation cannot appeal this decision now, or "" when it can: one appeal
        per decision, lodged by the deadline (reads ``appeals`` as a page prefetched them)."""
        appeals = list(self.appeals.all())
        if any(appeal.is_pending for appeal in appeals):
            return _("An appeal of this decision is already being handled.")
        if appeals:
            return _("This decision has already been appealed and the appeal handled.")
        if not self.can_be_appealed(today):
            return _("The appeal deadline was %(date)s.") % {
                "date": format_day(self.appeal_deadline)
            }
        return ""


class DecisionProposalQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Proposals are internal to the administering body until approved."""
        access = access_for(user)
        return access.administered(
            self.all(), "application__round__scheme_year__scheme__administrator_id"
        )


class DecisionProposal(models.Model):
    """A decision as one caseworker proposes it; it is made when a second person with the
    approver role in the same body approves it (the scheme says which kinds need this)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="proposals")
    kind = models.CharField(_("decision"), max_length=10, choices=DecisionKind.choices)
    reasons = free_text(_("reasons"), MESSAGE_TEXT)
    amount = money_field(_("amount"), null=True, blank=True)
    # Awards: the payment plan as [[amount, "YYYY-MM-DD", after report approved], ...].
    instalments = models.JSONField(_("payment plan"), default=list, blank=True)
    # Clawbacks: the award and the repayment date.
    award = models.ForeignKey(
        "Award", on_delete=models.PROTECT, null=True, blank=True, related_name="proposals"
    )
    repay_by = models.DateField(_("repay by"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ProposalStatus.choices,
        default=ProposalStatus.PROPOSED,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed"), default=timezone.now)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    comment = free_text(_("comment"), MESSAGE_TEXT, blank=True)
    decision = models.OneToOneField(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="proposal"
    )

    objects = DecisionProposalQuerySet.as_manager()
    workflow = PROPOSAL_FLOW

    class Meta:
        verbose_name = _("proposed decision")
        verbose_name_plural = _("proposed decisions")
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "kind"],
                condition=Q(status="proposed"),
                name="one_open_proposal_per_application_and_kind",
            ),
            models.CheckConstraint(
                condition=~Q(handled_by=F("proposed_by")), name="proposer_never_approves"
            ),
        ]
        indexes = [models.Index(fields=["status", "proposed_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.application}"

    @property
    def is_open(self) -> bool:
        return self.status == ProposalStatus.PROPOSED

    @property
    def is_award(self) -> bool:
        return self.kind == DecisionKind.AWARD


class AwardQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(application__in=Application.objects.visible_to(user))

    def in_year(self, scheme_year):
        return self.filter(application__round__scheme_year=scheme_year)


class Award(models.Model):
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="award")
    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="award")
    amount = money_field(_("amount awarded"))
    conditions = models.JSONField(
        _("conditions"),
        default=list,
        help_text=_("The scheme's conditions as they stood when the award was made."),
    )
    accepted_at = models.DateTimeField(_("conditions accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = AwardQuerySet.as_manager()

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="award_amount_positive")
        ]

    def __str__(self):
        return str(self.application)

    @property
    def scheme_year(self):
        return self.application.round.scheme_year

    @property
    def needs_audit(self) -> bool:
        return self.scheme_year.needs_audit(self.amount)

    def disbursed(self) -> Decimal:
        """What has been paid out (reads ``disbursements`` as a page prefetched them)."""
        return total_of(d.amount for d in self.disbursements.all())

    def left_to_pay(self) -> Decimal:
        return self.amount - self.disbursed()

    def reserved(self, *, besides=None) -> Decimal:
        """What the open attested payments reserve, all but ``besides`` (reads
        ``attestations`` as a page prefetched them)."""
        return total_of(
            a.amount
            for a in self.attestations.all()
            if a.is_open and a.pk != getattr(besides, "pk", None)
        )

    def claimed(self) -> Decimal:
        """What the award's clawbacks claim back (a clawback cancelled on appeal claims
        nothing). Reads ``clawbacks`` as a page prefetched them."""
        clawbacks = self.clawbacks.all()
        return total_of(c.amount for c in clawbacks if c.status != ClawbackStatus.CANCELLED)

    def held_for_report(self) -> Decimal:
        """What the payment plan holds until the grant report is approved: the unpaid
        instalments marked so (nothing once the report is approved)."""
        if self.report.status == ReportStatus.APPROVED:
            return ZERO
        held = self.instalments.filter(after_report_approved=True, disbursement__isnull=True)
        return held.aggregate(total=Sum("amount"))["total"] or ZERO

    def reclaimable(self) -> Decimal:
        """The most a new clawback may claim: what has been paid out and not already claimed
        (from ``disbursements`` and ``clawbacks``, prefetched on a page)."""
        return max(self.disbursed() - self.claimed(), ZERO)


def organisations_awarded_in(scheme_year) -> Q:
    """A Q over Organisation: those with an award in the scheme year."""
    return Q(pk__in=Award.objects.in_year(scheme_year).values("application__organisation_id"))


def years_awarded(organisation_ids) -> Q:
    """A Q over SchemeYear: the years in which one of these organisations has an award
    (``organisation_ids`` as ``registry.TakingPart.years`` is given them)."""
    awards = Award.objects.filter(
        organisation_among("application__organisation_id", organisation_ids)
    )
    return Q(pk__in=awards.values("application__round__scheme_year_id"))


def paid_by_q(access, path: str) -> Q:
    """A Q over rows whose organisation (``path`` leads to its id) has an award in a scheme the
    user's body runs: the organisations the user's body pays."""
    awards = access.administered(
        Award.objects.all(), "application__round__scheme_year__scheme__administrator_id"
    )
    return Q(**{f"{path}__in": awards.values("application__organisation_id")})


class PayoutAccountQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The organisation's own people, and the caseworkers whose body pays it (it has an
        award in a scheme they run); admins see all."""
        access = access_for(user)
        if access.is_admin:
            return self
        condition = Q(organisation_id__in=access.organisation_ids(OrganisationKind.PARTICIPANT))
        if access.administering_ids:
            condition |= paid_by_q(access, "organisation_id")
        return self.filter(condition)

    def current(self):
        return self.filter(superseded_at__isnull=True)


class PayoutAccount(models.Model):
    """The bank account an organisation's grants are paid to, as a leader gave it.

    A change is a new row and the one before is marked replaced, so the history stays: who
    gave which account when, and who confirmed it. Payments go only to the current account, and
    only once a caseworker other than the person who gave it has confirmed it.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="payout_accounts",
        verbose_name=_("organisation"),
    )
    number = models.CharField(
        _("account number"), max_length=DIGITS, validators=[validate_account_number]
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("given by"),
    )
    entered_at = models.DateTimeField(_("given"), default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("replaced"), null=True, blank=True)

    objects = PayoutAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("bank account for payouts")
        verbose_name_plural = _("bank accounts for payouts")
        ordering = ["-entered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(superseded_at__isnull=True),
                name="one_current_payout_account",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=F("entered_by")),
                name="payout_account_confirmed_by_another",
                violation_error_message=_(
                    "The account must be confirmed by someone other than the person who gave it."
                ),
            ),
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True, confirmed_at__isnull=True)
                | Q(confirmed_by__isnull=False, confirmed_at__isnull=False),
                name="payout_account_confirmed_by_and_at",
            ),
        ]

    def __str__(self):
        return f"{self.organisation} – {self.masked}"

    @property
    def masked(self) -> str:
        return mask_account_number(self.number)

    @property
    def formatted(self) -> str:
        return format_account_number(self.number)

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class InstalmentState(models.TextChoices):
    TO_PAY = "to_pay", _("to pay")
    HELD = "held", _("held until the report is approved")
    PAID = "paid", _("paid")


class Instalment(models.Model):
    """One payment in an award's payment plan."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="instalments")
    number = models.PositiveSmallIntegerField(_("instalment"))
    amount = money_field(_("amount"))
    due_on = models.DateField(_("to be paid"), validators=PLAUSIBLE_DATE)
    after_report_approved = models.BooleanField(
        _("paid only when the grant report is approved"), default=False
    )

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["award", "number"]
        constraints = [
            models.UniqueConstraint(fields=["award", "number"], name="instalment_number_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_positive"),
        ]

    def __str__(self):
        return f"{self.number}: {self.amount}"

    @property
    def state(self) -> InstalmentState:
        """Paid, held (it waits for the grant report to be approved) or to pay."""
        if hasattr(self, "disbursement"):
            return InstalmentState.PAID
        if self.after_report_approved and self.award.report.status != ReportStatus.APPROVED:
            return InstalmentState.HELD
        return InstalmentState.TO_PAY

    @property
    def is_paid(self) -> bool:
        return self.state == InstalmentState.PAID

    @property
    def is_held(self) -> bool:
        return self.state == InstalmentState.HELD

    @property
    def is_payable(self) -> bool:
        return self.state == InstalmentState.TO_PAY


class PaymentAttestation(models.Model):
    """A payment attested by one person (the conditions for it are met) and approved for
    payment by another (the state's financial regulations keep these apart); approval records
    the disbursement."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="attestations")
    instalment = models.ForeignKey(
        Instalment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attestations",
        verbose_name=_("instalment"),
    )
    amount = money_field(_("amount"))
    pay_on = models.DateField(_("to be paid"), validators=PLAUSIBLE_DATE)
    account = models.ForeignKey(
        PayoutAccount,
        on_delete=models.PROTECT,
        related_name="attestations",
        verbose_name=_("to account"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AttestationStatus.choices,
        default=AttestationStatus.ATTESTED,
    )
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("attested by"),
    )
    attested_at = models.DateTimeField(_("attested"), default=timezone.now)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved or refused by"),
    )
    handled_at = models.DateTimeField(_("approved or refused"), null=True, blank=True)
    comment = free_text(_("comment"), MESSAGE_TEXT, blank=True)

    class Meta:
        verbose_name = _("attested payment")
        verbose_name_plural = _("attested payments")
        ordering = ["-attested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="attestation_positive"),
            models.CheckConstraint(
                condition=~Q(handled_by=F("attested_by")), name="attester_never_approves"
            ),
            models.UniqueConstraint(
                fields=["instalment"],
                condition=Q(status="attested"),
                name="one_open_attestation_per_instalment",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "attested_at"]),
            models.Index(fields=["status", "handled_at"]),
        ]

    def __str__(self):
        return f"{self.award}: {self.amount}"

    @property
    def is_open(self) -> bool:
        return self.status == AttestationStatus.ATTESTED

    @property
    def is_refused(self) -> bool:
        return self.status == AttestationStatus.REFUSED


class Disbursement(models.Model):
    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="disbursements")
    instalment = models.OneToOneField(
        Instalment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disbursement",
        verbose_name=_("instalment"),
    )
    paid_on = models.DateField(_("paid"), validators=PAST_DATE)
    amount = money_field(_("amount"))
    account = models.ForeignKey(
        PayoutAccount,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disbursements",
        verbose_name=_("paid to account"),
        help_text=_("Empty for payments recorded before the portal kept account numbers."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    attestation = models.OneToOneField(
        PaymentAttestation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disbursement",
        help_text=_("Empty for payments recorded before payments were attested and approved."),
    )

    class Meta:
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        ordering = ["paid_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="disbursement_positive")
        ]

    def __str__(self):
        return f"{self.paid_on}: {self.amount}"


class GrantReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(award__in=Award.objects.visible_to(user))

    def outstanding(self):
        """Reports still to come from the organisation."""
        return self.filter(status__in=REPORT_EDITABLE)


class GrantReport(models.Model):
    """The grant report (*tilskuddsrapport*) and its accounts for one award."""

    award = models.OneToOneField(Award, on_delete=models.PROTECT, related_name="report")
    due_on = models.DateField(_("due"), validators=PLAUSIBLE_DATE)
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    activities_held = free_text(_("activities held"), LONG_TEXT, blank=True)
    people_reached = models.PositiveIntegerField(_("people reached"), null=True, blank=True)
    collaborations_started = free_text(_("collaborations started"), LONG_TEXT, blank=True)
    money_used_for = free_text(_("what the money went to"), LONG_TEXT, blank=True)
    auditor_name = models.CharField(_("auditor's name"), max_length=200, blank=True)
    auditor_number = models.CharField(_("auditor's registration number"), max_length=20, blank=True)
    auditor_statement = models.FileField(
        _("auditor's certification"),
        upload_to=PrivatePath("audits"),
        storage=private_storage,
        blank=True,
    )
    caseworker_comment = free_text(_("comments from the caseworker"), MESSAGE_TEXT, blank=True)
    submitted_at = models.DateTimeField(_("sent"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    objects = GrantReportQuerySet.as_manager()
    workflow = REPORT_FLOW

    class Meta:
        verbose_name = _("grant report")
        verbose_name_plural = _("grant reports")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self):
        return f"{self.award} – {self.due_on}"

    @property
    def is_editable(self) -> bool:
        return self.status in REPORT_EDITABLE

    @property
    def is_returned(self) -> bool:
        return self.status == ReportStatus.RETURNED

    @property
    def is_approved(self) -> bool:
        return self.status == ReportStatus.APPROVED

    def is_overdue(self, today=None) -> bool:
        return self.is_editable and (today or timezone.localdate()) > self.due_on

    def totals(self, lines=None) -> dict:
        """Income, expenses and the unspent part of what was paid out, from the account lines
        (``lines``: those typed on a page and not saved yet, each with a kind and an amount)."""
        lines = list(self.account_lines.all()) if lines is None else lines
        income = total_of(line.amount for line in lines if line.kind == LineKind.INCOME)
        expenses = total_of(line.amount for line in lines if line.kind == LineKind.EXPENSE)
        disbursed = self.award.disbursed()
        by_category = {
            category: total_of(
                line.amount
                for line in lines
                if line.kind == LineKind.INCOME and line.category == category
            )
            for category in IncomeCategory.values
        }
        return {
            "income": income,
            "expenses": expenses,
            "disbursed": disbursed,
            "unspent": max(disbursed - expenses, ZERO),
            # Income by where it came from: (category, label, amount), every category.
            "income_by_category": [
                (category, label, by_category[category])
                for category, label in IncomeCategory.choices
            ],
            # The grant as the accounts give it, against what was paid out.
            "scheme_grant": by_category[IncomeCategory.SCHEME_GRANT],
            "scheme_grant_difference": by_category[IncomeCategory.SCHEME_GRANT] - disbursed,
        }


class GoalResult(models.Model):
    """What the organisation achieved toward one of the scheme's goals, in its own words."""

    report = models.ForeignKey(GrantReport, on_delete=models.CASCADE, related_name="goal_results")
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="+")
    text = free_text(_("what you achieved"), LONG_TEXT, blank=True)

    class Meta:
        verbose_name = _("result for a goal")
        verbose_name_plural = _("results for goals")
        ordering = ["goal__number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "goal"], name="one_result_per_goal")
        ]

    def __str__(self):
        return str(self.goal)


class LineKind(models.TextChoices):
    INCOME = "income", _("income")
    EXPENSE = "expense", _("expense")


class IncomeCategory(models.TextChoices):
    """Where an organisation's income came from; expenses use the budget's categories."""

    SCHEME_GRANT = "scheme_grant", _("grant from the administering body")
    OWN_INCOME = "own_income", _("own income")
    OTHER_GRANTS = "other_grants", _("other grants")
    GIFTS = "gifts", _("gifts")


class AccountLine(models.Model):
    report = models.ForeignKey(GrantReport, on_delete=models.CASCADE, related_name="account_lines")
    kind = models.CharField(_("income or expense"), max_length=10, choices=LineKind.choices)
    # An income line's category is an IncomeCategory, an expense line's a BudgetCategory.
    category = models.CharField(
        _("category"), max_length=20, choices=IncomeCategory.choices + BudgetCategory.choices
    )
    description = models.CharField(_("what"), max_length=200, blank=True)
    amount = money_field(_("amount"))

    class Meta:
        verbose_name = _("account line")
        verbose_name_plural = _("account lines")
        ordering = ["kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="income", category__in=IncomeCategory.values)
                | Q(kind="expense", category__in=BudgetCategory.values),
                name="account_line_category_fits_kind",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.get_category_display()}: {self.amount}"

    @staticmethod
    def categories_for(kind) -> list[tuple[str, str]]:
        """The categories that fit a line of ``kind``: an income line's come from
        IncomeCategory, an expense line's from BudgetCategory (the check constraint)."""
        if kind == LineKind.INCOME:
            return list(IncomeCategory.choices)
        if kind == LineKind.EXPENSE:
            return list(BudgetCategory.choices)
        return []

    @classmethod
    def category_fits(cls, kind, category) -> bool:
        return category in {value for value, _label in cls.categories_for(kind)}


class ClawbackQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(award__in=Award.objects.visible_to(user))


class Clawback(models.Model):
    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="clawbacks")
    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="clawback")
    amount = money_field(_("amount to repay"))
    due_on = models.DateField(_("repay by"), validators=PLAUSIBLE_DATE)
    status = models.CharField(
        _("status"), max_length=10, choices=ClawbackStatus.choices, default=ClawbackStatus.OPEN
    )

    objects = ClawbackQuerySet.as_manager()
    workflow = CLAWBACK_FLOW

    class Meta:
        verbose_name = _("clawback")
        verbose_name_plural = _("clawbacks")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="clawback_positive")]

    def __str__(self):
        return f"{self.award}: {self.amount}"

    def repaid(self) -> Decimal:
        """What has been repaid (reads ``repayments`` as a page prefetched them)."""
        return total_of(r.amount for r in self.repayments.all())

    def left_to_repay(self) -> Decimal:
        return self.amount - self.repaid()


class Repayment(models.Model):
    clawback = models.ForeignKey(Clawback, on_delete=models.PROTECT, related_name="repayments")
    paid_on = models.DateField(_("repaid"), validators=PAST_DATE)
    amount = money_field(_("amount"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("repayment")
        verbose_name_plural = _("repayments")
        ordering = ["paid_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="repayment_positive")]

    def __str__(self):
        return f"{self.paid_on}: {self.amount}"


class AppealQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(decision__in=Decision.objects.visible_to(user))


class Appeal(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="appeals")
    grounds = free_text(_("why you appeal"), MESSAGE_TEXT)
    lodged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    lodged_at = models.DateTimeField(_("lodged"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.LODGED
    )
    outcome = free_text(_("outcome"), MESSAGE_TEXT, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)

    objects = AppealQuerySet.as_manager()
    workflow = APPEAL_FLOW

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-lodged_at"]
        constraints = [
            # A decision is appealed once: a second post of the appeal form saves nothing.
            models.UniqueConstraint(fields=["decision"], name="one_appeal_per_decision")
        ]

    def __str__(self):
        return f"{self.decision} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        """Lodged and not yet handled."""
        return self.status in APPEAL_FLOW["handle"].sources


class ChangeNoticeQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(award__in=Award.objects.visible_to(user))


class ChangeNotice(models.Model):
    """The organisation tells the caseworker that the basis for the grant has changed."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="change_notices")
    description = free_text(_("what has changed"), MESSAGE_TEXT)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ChangeNoticeStatus.choices,
        default=ChangeNoticeStatus.OPEN,
    )
    outcome = free_text(_("outcome"), SHORT_TEXT, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)

    objects = ChangeNoticeQuerySet.as_manager()
    workflow = CHANGE_NOTICE_FLOW

    class Meta:
        verbose_name = _("change notice")
        verbose_name_plural = _("change notices")
        ordering = ["-sent_at"]

    def __str__(self):
        return f"{self.award} – {self.sent_at:%Y-%m-%d}"


class ReminderKind(models.TextChoices):
    DAYS_14 = "due_14", _("due in 14 days")
    DAYS_3 = "due_3", _("due in 3 days")
    OVERDUE = "overdue", _("overdue")
    OVERDUE_CASEWORKER = "overdue_caseworker", _("overdue (to the caseworker)")


class ReportReminder(models.Model):
    """A reminder sent about a grant report; the unique key makes each one go out once."""

    report = models.ForeignKey(GrantReport, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("report reminder")
        verbose_name_plural = _("report reminders")
        constraints = [
            models.UniqueConstraint(fields=["report", "kind"], name="one_reminder_of_each_kind")
        ]

    def __str__(self):
        return f"{self.report} – {self.get_kind_display()}"
