"""Organisations, the people in them, and what a caseworker and a mentor need to know."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisations.geography import County
from organisations.orgnr import format_orgnr, validate_orgnr
from scheme.models import free_text, in_language, money_field
from scheme.roles import MemberRole, OrganisationKind, access_for
from scheme.validators import MESSAGE_TEXT, PAST_DATE


class NamedChoice(models.Model):
    """A short list a caseworker maintains (target groups, languages), named in both languages."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_nb = models.CharField(_("name (Norwegian)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)

    class Meta:
        abstract = True
        ordering = ["name_nb"]

    def __str__(self):
        return self.name

    @property
    def name(self):
        return in_language(self.name_nb, self.name_en)


class TargetGroup(NamedChoice):
    class Meta(NamedChoice.Meta):
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")


class Language(NamedChoice):
    class Meta(NamedChoice.Meta):
        verbose_name = _("language")
        verbose_name_plural = _("languages")


class CompetenceArea(NamedChoice):
    """What an organisation can learn (accounts, board work, ...): asked for in applications,
    offered by mentors, covered by courses and meeting topics."""

    class Meta(NamedChoice.Meta):
        verbose_name = _("competence area")
        verbose_name_plural = _("competence areas")


# Apps built on this one may let a user see more organisations than their own (a mentor sees
# the participants it is paired with). Each entry takes (user, access) and returns a Q.
visibility_extensions = []


class OrganisationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Caseworkers see every organisation; everyone else their own, and what the apps above
        grant through ``visibility_extensions``."""
        access = access_for(user)
        if access.is_caseworker:
            return self
        condition = Q(pk__in=access.organisation_ids())
        for extension in visibility_extensions:
            condition |= extension(user, access)
        return self.filter(condition)

    def participants(self):
        return self.filter(kind=OrganisationKind.PARTICIPANT)


class Organisation(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    name = models.CharField(_("name"), max_length=200)
    org_number = models.CharField(
        _("organisation number"),
        max_length=9,
        unique=True,
        validators=[validate_orgnr],
        help_text=_("Nine digits, from the Brønnøysund Register Centre."),
    )
    is_demo = models.BooleanField(
        _("demo data"), default=False, help_text=_("Fictional organisation made for the demo.")
    )
    in_voluntary_register = models.BooleanField(
        _("registered in Frivillighetsregisteret"), null=True, blank=True
    )
    voluntary_register_since = models.DateField(
        _("in Frivillighetsregisteret since"), null=True, blank=True, validators=PAST_DATE
    )
    founded = models.DateField(_("founded"), null=True, blank=True, validators=PAST_DATE)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    municipality_number = models.CharField(_("municipality number"), max_length=4, blank=True)
    county = models.CharField(_("county"), max_length=2, choices=County.choices, blank=True)
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=4, blank=True)
    postal_place = models.CharField(_("postal place"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    website = models.URLField(_("website"), blank=True)
    social_media = free_text(
        _("social media"), MESSAGE_TEXT, blank=True, help_text=_("One link per line.")
    )
    languages = models.ManyToManyField(
        Language, blank=True, related_name="organisations", verbose_name=_("languages used")
    )
    target_groups = models.ManyToManyField(
        TargetGroup, blank=True, related_name="organisations", verbose_name=_("target groups")
    )
    competence_needs = models.ManyToManyField(
        CompetenceArea,
        blank=True,
        related_name="organisations",
        verbose_name=_("what you would like to learn"),
    )
    member_based = models.BooleanField(_("member-based"), null=True, blank=True)
    members_count = models.PositiveIntegerField(_("number of members"), null=True, blank=True)
    paying_members_count = models.PositiveIntegerField(
        _("number of paying members"), null=True, blank=True
    )
    description = free_text(
        _("short description"),
        2000,
        blank=True,
        help_text=_("What the organisation does and for whom, in a few sentences."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name", "id"]  # a total order, so pages never repeat or skip a row
        constraints = [
            models.CheckConstraint(
                condition=Q(paying_members_count__isnull=True)
                | Q(members_count__isnull=True)
                | Q(paying_members_count__lte=F("members_count")),
                name="organisation_paying_within_members",
            ),
        ]
        # The list sorts by name, founding date or county, and filters by kind and county.
        # PostgreSQL also gets a newest-first and a name-search index (migration 0003).
        indexes = [
            models.Index(fields=["name", "id"]),
            models.Index(fields=["kind", "name", "id"]),
            models.Index(fields=["county", "name", "id"]),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if (
            self.paying_members_count is not None
            and self.members_count is not None
            and self.paying_members_count > self.members_count
        ):
            raise ValidationError(
                {"paying_members_count": _("There cannot be more paying members than members.")}
            )
        if self.voluntary_register_since and self.in_voluntary_register is False:
            raise ValidationError(
                {
                    "voluntary_register_since": _(
                        "Leave the date empty when the organisation is not registered."
                    )
                }
            )

    @property
    def org_number_display(self):
        return format_orgnr(self.org_number)

    @property
    def social_media_links(self):
        return [line.strip() for line in self.social_media.splitlines() if line.strip()]


class OrganisationPartQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(organisation__in=Organisation.objects.visible_to(user))


class OrganisationPart(models.Model):
    """Something an organisation lists on its profile; visible exactly as the organisation is."""

    objects = OrganisationPartQuerySet.as_manager()

    class Meta:
        abstract = True


class Membership(OrganisationPart):
    """A person's place in an organisation; the organisation's kind gives the person's role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("person"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(
        _("role"), max_length=20, choices=MemberRole.choices, default=MemberRole.MEMBER
    )
    title = models.CharField(_("title"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation__name", "user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique")
        ]

    def __str__(self):
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"


class Branch(OrganisationPart):
    """A local branch (*lokallag*)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="branches"
    )
    name = models.CharField(_("name"), max_length=200)
    municipality = models.CharField(_("municipality"), max_length=100)
    county = models.CharField(_("county"), max_length=2, choices=County.choices, blank=True)
    founded = models.DateField(_("started"), null=True, blank=True, validators=PAST_DATE)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("every week")
    FORTNIGHTLY = "fortnightly", _("every other week")
    MONTHLY = "monthly", _("every month")
    QUARTERLY = "quarterly", _("a few times a year")
    YEARLY = "yearly", _("once a year")
    IRREGULAR = "irregular", _("now and then")


class Activity(OrganisationPart):
    """A recurring activity the organisation runs."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="activities"
    )
    name = models.CharField(_("activity"), max_length=200)
    frequency = models.CharField(_("how often"), max_length=20, choices=Frequency.choices)
    typical_participants = models.PositiveIntegerField(
        _("typical number of participants"), null=True, blank=True
    )
    description = models.CharField(_("description"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["name"]

    def __str__(self):
        return self.name


class PartnerKind(models.TextChoices):
    MUNICIPALITY = "municipality", _("municipality")
    COUNTY = "county", _("county authority")
    IMMIGRANT_COUNCIL = "immigrant_council", _("immigrant council")
    ORGANISATION = "organisation", _("other organisation")
    PUBLIC_SERVICE = "public_service", _("public service")


class CollaborationStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    ACTIVE = "active", _("active")
    ENDED = "ended", _("ended")


class Collaboration(OrganisationPart):
    """A partner the organisation works with; the scheme's second and third goals track these."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="collaborations"
    )
    partner_kind = models.CharField(
        _("kind of partner"), max_length=20, choices=PartnerKind.choices
    )
    partner_name = models.CharField(_("partner"), max_length=200)
    since = models.DateField(_("since"), null=True, blank=True, validators=PAST_DATE)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CollaborationStatus.choices,
        default=CollaborationStatus.ACTIVE,
    )
    description = models.CharField(_("what you do together"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("collaboration")
        verbose_name_plural = _("collaborations")
        ordering = ["partner_name"]

    def __str__(self):
        return self.partner_name


class Grantor(models.TextChoices):
    IMDI = "imdi", _("IMDi")
    MUNICIPALITY = "municipality", _("a municipality")
    OTHER = "other", _("other grantor")


class ApplicationOutcome(models.TextChoices):
    PENDING = "pending", _("not decided yet")
    GRANTED = "granted", _("granted")
    REJECTED = "rejected", _("rejected")


class PreviousApplication(OrganisationPart):
    """A grant applied for elsewhere; eligibility asks for one to IMDi or a municipality."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="previous_applications"
    )
    year = models.PositiveSmallIntegerField(
        _("year applied"), validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    grantor = models.CharField(_("applied to"), max_length=20, choices=Grantor.choices)
    grantor_name = models.CharField(_("name of the grantor or scheme"), max_length=200, blank=True)
    amount = money_field(_("amount applied for"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"),
        max_length=10,
        choices=ApplicationOutcome.choices,
        default=ApplicationOutcome.PENDING,
    )

    class Meta:
        verbose_name = _("previous grant application")
        verbose_name_plural = _("previous grant applications")
        ordering = ["-year", "grantor"]
        indexes = [models.Index(fields=["organisation", "year"])]

    def __str__(self):
        return f"{self.year} {self.get_grantor_display()} {self.grantor_name}".strip()


# How long an invitation's link works.
INVITATION_VALID = datetime.timedelta(days=14)


class MembershipInvitationStatus(models.TextChoices):
    PENDING = "pending", _("waiting for an answer")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    WITHDRAWN = "withdrawn", _("withdrawn")


class MembershipInvitationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Those who manage the organisation's people see its invitations; the invitee their
        own."""
        access = access_for(user)
        return self.filter(access.manages_members_q("organisation") | Q(email=user.email))

    def pending(self):
        return self.filter(
            status=MembershipInvitationStatus.PENDING,
            sent_at__gte=timezone.now() - INVITATION_VALID,
        )


class MembershipInvitation(models.Model):
    """An offer of access to an organisation. Nothing is granted until the person accepts:
    nobody is attached to an organisation without their consent, and the one who invites
    cannot tell whether the address already has an account."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="membership_invitations",
        verbose_name=_("organisation"),
    )
    email = models.EmailField(_("e-mail address"))
    full_name = models.CharField(_("full name"), max_length=150)
    role = models.CharField(
        _("role"), max_length=20, choices=MemberRole.choices, default=MemberRole.MEMBER
    )
    title = models.CharField(_("title"), max_length=100, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("invited by"),
    )
    language = models.CharField(
        _("language of the e-mail"), max_length=8, choices=settings.LANGUAGES, default="nb"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MembershipInvitationStatus.choices,
        default=MembershipInvitationStatus.PENDING,
    )
    created_at = models.DateTimeField(_("invited"), default=timezone.now)
    sent_at = models.DateTimeField(_("last sent"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    objects = MembershipInvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=Q(status="pending"),
                name="invitation_one_pending_per_address",
            )
        ]
        indexes = [models.Index(fields=["email", "status"])]

    def __str__(self):
        return f"{self.email} – {self.organisation}"

    @property
    def expires_at(self):
        return self.sent_at + INVITATION_VALID

    @property
    def is_open(self) -> bool:
        """Waiting for an answer, and its link still works."""
        return (
            self.status == MembershipInvitationStatus.PENDING and timezone.now() < self.expires_at
        )
