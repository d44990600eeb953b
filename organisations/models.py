"""Organisations, the people in them, and what a caseworker and a mentor need to know."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisations.geography import County, county_of_municipality
from organisations.orgnr import format_orgnr, validate_orgnr
from scheme.models import free_text, in_language, money_field
from scheme.roles import STAFF_KINDS, MemberRole, OrganisationKind, access_for
from scheme.validators import MESSAGE_TEXT, PAST_DATE, SHORT_TEXT

# The kinds whose people register them and ask to join them on their own. Administering bodies
# and evaluators hold the keys to every case or to the evaluation data: only admins add those.
SELF_SERVICE_KINDS = tuple(kind for kind in OrganisationKind if kind not in STAFF_KINDS)


APPROVER_ONLY_IN_BODIES = _(
    "Only people in an administering body can have the approver role. Choose another role."
)


def role_fits(kind, role) -> bool:
    """Whether an organisation of ``kind`` has ``role``: the approver role, the second person
    on decisions and payments, only administering bodies have."""
    return role != MemberRole.APPROVER or kind == OrganisationKind.ADMINISTRATOR


def roles_for(kind) -> list:
    """The roles (value, label) a person may have in an organisation of ``kind``."""
    return [(value, label) for value, label in MemberRole.choices if role_fits(kind, value)]


def check_role(organisation, role) -> None:
    """Refuse a role the organisation's kind does not have (a plain message on ``role``)."""
    if not role_fits(organisation.kind, role):
        raise ValidationError({"role": APPROVER_ONLY_IN_BODIES}, code="invalid_role")


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

    def findable(self):
        """Organisations any signed-in person may find by number or name, to ask to join them.
        Only what Enhetsregisteret publishes anyway (name, municipality, number) is shown of
        them, a few at a time; never their people."""
        return self.filter(kind__in=SELF_SERVICE_KINDS)

    def matching(self, text: str):
        """Those whose number is ``text`` (spaces allowed) or whose name contains it."""
        digits = text.replace(" ", "")
        if digits.isdigit() and len(digits) == 9:
            return self.filter(org_number=digits)
        return self.filter(name__icontains=text.strip())


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
        # PostgreSQL also gets a newest-first and a name-search index (migration 0003) and
        # one by name that holds the list's columns (0011).
        indexes = [
            models.Index(fields=["name", "id"]),
            models.Index(fields=["kind", "name", "id"]),
            models.Index(fields=["county", "name", "id"]),
            # The register's municipalities (``forms.register_municipalities``), read in order
            # from the index alone, not by sorting every organisation.
            models.Index(
                fields=["municipality", "municipality_number"],
                condition=~Q(municipality_number="") & ~Q(municipality=""),
                name="organisation_municipalities",
            ),
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
    def is_mentor(self) -> bool:
        return self.kind == OrganisationKind.MENTOR

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

    def clean(self):
        super().clean()
        if self.organisation_id is not None:
            check_role(self.organisation, self.role)


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
    PARTICIPANT = "participant", _("fellow participant")
    MENTOR = "mentor", _("mentor organisation")
    MUNICIPALITY = "municipality", _("municipality")
    COUNTY = "county", _("county authority")
    IMMIGRANT_COUNCIL = "immigrant_council", _("immigrant council")
    ORGANISATION = "organisation", _("other organisation")
    PUBLIC_SERVICE = "public_service", _("public service")


class CollaborationStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    ACTIVE = "active", _("active")
    ENDED = "ended", _("ended")


# The kinds of partner that are organisations in the register, by the kind they have there.
REGISTERED_PARTNERS = {
    PartnerKind.PARTICIPANT: OrganisationKind.PARTICIPANT,
    PartnerKind.MENTOR: OrganisationKind.MENTOR,
}


class Collaboration(OrganisationPart):
    """A partner the organisation works with; the scheme's second and third goals track these.

    The partner is named from the register where it is there: a fellow participant or a mentor
    organisation (``partner``), a municipality by its number, a county authority by its county.
    Anyone else (an immigrant council, a library, ...) is named in free text; ``partner_name``
    always holds the name shown."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="collaborations"
    )
    partner_kind = models.CharField(
        _("kind of partner"), max_length=20, choices=PartnerKind.choices
    )
    partner_name = models.CharField(_("partner"), max_length=200)
    partner = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="named_as_partner",
        verbose_name=_("partner in the register"),
    )
    partner_municipality_number = models.CharField(
        _("municipality number of the partner"), max_length=4, blank=True
    )
    partner_county = models.CharField(
        _("county of the partner"), max_length=2, choices=County.choices, blank=True
    )
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

    def clean(self):
        super().clean()
        errors = partner_problems(self)
        if errors:
            raise ValidationError(errors)


def partner_problems(collaboration) -> dict:
    """What does not fit between the kind of partner and how it is named (field -> message):
    a fellow participant or mentor is chosen from the register, and only such a partner is;
    a municipality number only for a municipality, a county only for a county authority."""
    kind, partner = collaboration.partner_kind, collaboration.partner
    errors = {}
    if kind in REGISTERED_PARTNERS:
        if partner is None:
            errors["partner"] = _("Choose the organisation from the register.")
        elif partner.kind != REGISTERED_PARTNERS[kind]:
            errors["partner"] = _("That organisation is not a %(kind)s in the register.") % {
                "kind": PartnerKind(kind).label
            }
        elif partner.pk == collaboration.organisation_id:
            errors["partner"] = _("An organisation cannot be its own partner.")
    elif partner is not None:
        errors["partner"] = _(
            "Choose an organisation only for a fellow participant or a mentor organisation."
        )
    number = collaboration.partner_municipality_number
    if number and kind != PartnerKind.MUNICIPALITY:
        errors["partner_municipality_number"] = _("Choose a municipality only for a municipality.")
    elif number and county_of_municipality(number) is None:
        errors["partner_municipality_number"] = _("That is not a municipality number.")
    if collaboration.partner_county and kind != PartnerKind.COUNTY:
        errors["partner_county"] = _("Choose a county only for a county authority.")
    return errors


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


class FollowUp(OrganisationPart):
    """The follow-up a year after the organisation's last grant in a scheme (when it is due:
    ``organisations/followup.py``): the organisation (or the caseworker for it) has recorded
    the grants it applied for elsewhere since, as PreviousApplication rows for the years after.
    An answer with no rows says it applied for none."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="follow_ups"
    )
    scheme = models.ForeignKey(
        "scheme.Scheme", on_delete=models.CASCADE, related_name="+", verbose_name=_("scheme")
    )
    answered_at = models.DateTimeField(_("answered"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("answered by"),
    )

    class Meta:
        verbose_name = _("follow-up after the scheme")
        verbose_name_plural = _("follow-ups after the scheme")
        ordering = ["-answered_at"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "scheme"], name="follow_up_once")
        ]

    def __str__(self):
        return f"{self.organisation_id} / {self.scheme_id}"


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

    def pending(self, now=None):
        """Those still to be answered and not expired at ``now`` (a moment, or the database's
        ``Now()``; the present by default)."""
        now = timezone.now() if now is None else now
        return self.filter(
            status=MembershipInvitationStatus.PENDING, sent_at__gte=now - INVITATION_VALID
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

    def clean(self):
        super().clean()
        if self.organisation_id is not None:
            check_role(self.organisation, self.role)

    @property
    def expires_at(self):
        return self.sent_at + INVITATION_VALID

    @property
    def is_open(self) -> bool:
        """Waiting for an answer, and its link still works."""
        return (
            self.status == MembershipInvitationStatus.PENDING and timezone.now() < self.expires_at
        )


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("waiting for the caseworker")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class RegistrationRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The register's keepers see the requests of the kinds they keep; the person who
        asked sees their own."""
        access = access_for(user)
        kept = [kind for kind in SELF_SERVICE_KINDS if access.keeps_register_of(kind)]
        return self.filter(Q(kind__in=kept) | Q(requested_by_id=user.pk))

    def pending(self):
        return self.filter(status=RegistrationStatus.PENDING)


class RegistrationRequest(models.Model):
    """A signed-in person asks to register their organisation, with the details fetched from
    Enhetsregisteret and what they add. A caseworker approves it (the organisation is created
    and the person becomes its leader) or rejects it with a reason."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="registration_requests",
        verbose_name=_("asked by"),
    )
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=[(kind.value, kind.label) for kind in SELF_SERVICE_KINDS],
    )
    org_number = models.CharField(
        _("organisation number"), max_length=9, validators=[validate_orgnr]
    )
    name = models.CharField(_("name"), max_length=200)
    founded = models.DateField(_("founded"), null=True, blank=True, validators=PAST_DATE)
    in_voluntary_register = models.BooleanField(
        _("registered in Frivillighetsregisteret"), null=True, blank=True
    )
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=4, blank=True)
    postal_place = models.CharField(_("postal place"), max_length=100, blank=True)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    municipality_number = models.CharField(_("municipality number"), max_length=4, blank=True)
    county = models.CharField(_("county"), max_length=2, choices=County.choices, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    website = models.URLField(_("website"), blank=True)
    description = free_text(
        _("short description"),
        2000,
        help_text=_("What the organisation does and for whom, in a few sentences."),
    )
    target_groups = models.ManyToManyField(
        TargetGroup, related_name="+", verbose_name=_("target groups")
    )
    activity_name = models.CharField(_("a regular activity"), max_length=200, blank=True)
    activity_frequency = models.CharField(
        _("how often"), max_length=20, choices=Frequency.choices, blank=True
    )
    activity_participants = models.PositiveIntegerField(
        _("typical number of participants"), null=True, blank=True
    )
    register_data = models.JSONField(
        _("what Enhetsregisteret said"),
        null=True,
        blank=True,
        help_text=_("The register's entry when the person looked the number up."),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.PENDING,
    )
    reason = free_text(_("reason"), SHORT_TEXT, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registration_requests",
        verbose_name=_("organisation"),
    )
    is_demo = models.BooleanField(
        _("demo data"), default=False, help_text=_("Fictional request made for the demo.")
    )
    created_at = models.DateTimeField(_("asked"), default=timezone.now)

    objects = RegistrationRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration request")
        verbose_name_plural = _("registration requests")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_number"],
                condition=Q(status="pending"),
                name="registration_one_pending_per_number",
                violation_error_message=_(
                    "This organisation already has a registration waiting for the "
                    "caseworker's approval."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[kind.value for kind in SELF_SERVICE_KINDS]),
                name="registration_self_service_kind",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""),
                name="registration_rejected_with_reason",
                violation_error_message=_("Give the reason for the rejection."),
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.name} ({format_orgnr(self.org_number)})"

    def clean(self):
        super().clean()
        if self.activity_name and not self.activity_frequency:
            raise ValidationError({"activity_frequency": _("Say how often the activity is.")})
        if not self.activity_name and (self.activity_frequency or self.activity_participants):
            raise ValidationError({"activity_name": _("Name the activity, or leave it all empty.")})

    @property
    def is_pending(self) -> bool:
        return self.status == RegistrationStatus.PENDING

    @property
    def is_rejected(self) -> bool:
        return self.status == RegistrationStatus.REJECTED

    @property
    def org_number_display(self):
        return format_orgnr(self.org_number)

    # The fields an approved request gives the organisation, by the same names.
    ORGANISATION_FIELDS = (
        "kind",
        "org_number",
        "name",
        "founded",
        "in_voluntary_register",
        "street_address",
        "postal_code",
        "postal_place",
        "municipality",
        "municipality_number",
        "county",
        "email",
        "phone",
        "website",
        "description",
        "is_demo",
    )

    def organisation_fields(self) -> dict:
        return {name: getattr(self, name) for name in self.ORGANISATION_FIELDS}

    def as_organisation(self) -> Organisation:
        """The organisation the request would make, unsaved (for the eligibility check)."""
        return Organisation(**self.organisation_fields())

    # What the register tells, compared with what the person sent, on the caseworker's page.
    REGISTER_FIELDS = (
        "name",
        "founded",
        "in_voluntary_register",
        "street_address",
        "postal_code",
        "postal_place",
        "municipality",
        "county",
    )

    def compared_with_register(self) -> list[tuple[str, object, object, bool]]:
        """(label, as sent, as in the register, differs) per register field; empty when the
        look-up gave nothing."""
        if not self.register_data:
            return []
        rows = []
        for name in self.REGISTER_FIELDS:
            field = self._meta.get_field(name)
            sent, registered = getattr(self, name), self.register_data.get(name)
            if name == "founded" and registered:
                registered = datetime.date.fromisoformat(registered)
            if field.choices and registered:
                registered = dict(field.flatchoices).get(registered, registered)
                sent = getattr(self, f"get_{name}_display")()
            rows.append((field.verbose_name, sent, registered, _differs(sent, registered)))
        return rows


def _differs(sent, registered) -> bool:
    if isinstance(sent, str) or isinstance(registered, str):
        return (sent or "").strip().casefold() != (registered or "").strip().casefold()
    return sent != registered


class JoinRequestStatus(models.TextChoices):
    PENDING = "pending", _("waiting for an answer")
    APPROVED = "approved", _("approved")
    DECLINED = "declined", _("declined by the organisation")


class JoinRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Those who manage the organisation's people see its requests; the person who asked
        their own."""
        access = access_for(user)
        return self.filter(access.manages_members_q("organisation") | Q(user_id=user.pk))

    def pending(self):
        return self.filter(status=JoinRequestStatus.PENDING)


class JoinRequest(models.Model):
    """A person asks to join an organisation that is registered; its leaders approve or
    decline. The person asked, so approving attaches nobody without their consent."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="join_requests",
        verbose_name=_("organisation"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="join_requests",
        verbose_name=_("person"),
    )
    message = free_text(
        _("message to the leaders"),
        SHORT_TEXT,
        blank=True,
        help_text=_("Who you are and what you do in the organisation, in a sentence or two."),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=JoinRequestStatus.choices,
        default=JoinRequestStatus.PENDING,
    )
    role = models.CharField(_("role given"), max_length=20, choices=MemberRole.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("answered by"),
    )
    decided_at = models.DateTimeField(_("answered"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked"), default=timezone.now)

    objects = JoinRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("request to join")
        verbose_name_plural = _("requests to join")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"],
                condition=Q(status="pending"),
                name="join_request_one_pending_per_person",
                violation_error_message=_(
                    "You have already asked to join this organisation. Its leaders will answer."
                ),
            )
        ]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self):
        return f"{self.user} – {self.organisation}"

    def clean(self):
        super().clean()
        if self.role and self.organisation_id is not None:
            check_role(self.organisation, self.role)

    @property
    def is_pending(self) -> bool:
        return self.status == JoinRequestStatus.PENDING
