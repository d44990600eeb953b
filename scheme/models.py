"""The core domain: people, schemes and their yearly rules, the timeline and notifications."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from scheme import registry
from scheme.compiled import kept, kept_per_access
from scheme.formatting import format_nok
from scheme.roles import access_for
from scheme.verbs import describe_verb


def in_language(nb: str, en: str) -> str:
    """The English text when the user reads English and one exists, else the Norwegian."""
    if en and (get_language() or "nb").startswith("en"):
        return en
    return nb


def money_field(verbose_name, **kwargs):
    """NOK amounts: two decimals, never negative."""
    return models.DecimalField(
        verbose_name,
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        **kwargs,
    )


def free_text(verbose_name, limit: int, **kwargs) -> models.TextField:
    """Free text of at most ``limit`` characters (see ``scheme.validators``): the form's text
    area says so, and ``full_clean`` refuses more (a TextField's ``max_length`` alone only
    reaches the form)."""
    return models.TextField(
        verbose_name, max_length=limit, validators=[MaxLengthValidator(limit)], **kwargs
    )


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        return self.get(email=self.normalize_email(email))

    @classmethod
    def normalize_email(cls, email):
        return (email or "").strip().lower()

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class NotifyBy(models.TextChoices):
    """How a person is told of new messages and announcements. Legal letters, decisions and
    deadlines are always e-mailed at once (``scheme.notifications.notify``)."""

    IMMEDIATELY = "immediately", _("By e-mail at once")
    WEEKLY = "weekly", _("In a weekly e-mail on Mondays")
    PORTAL = "portal", _("Only in the portal")


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address. What they may do comes from memberships."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="nb"
    )
    notify_by = models.CharField(
        _("how you are told of messages and announcements"),
        max_length=12,
        choices=NotifyBy.choices,
        default=NotifyBy.IMMEDIATELY,
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("staff status"), default=False, help_text=_("May log in to the admin site.")
    )
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # Logging in with ID-porten (scheme/signin): a keyed hash of the national identity number
    # (never the number itself), set once when the person links their ID-porten login.
    idporten_pid_hash = models.CharField(
        _("ID-porten identity (keyed hash)"),
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        editable=False,
    )
    idporten_linked_at = models.DateTimeField(
        _("linked to ID-porten"), null=True, blank=True, editable=False
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name"]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = UserManager.normalize_email(self.email)

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def linked_to_idporten(self) -> bool:
        return bool(self.idporten_pid_hash)


class Scheme(models.Model):
    """A grant scheme with its administering body; several can run side by side."""

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60)
    slug = models.SlugField(_("slug"), unique=True)
    administrator = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="administered_schemes",
        verbose_name=_("administering organisation"),
        limit_choices_to={"kind": "administrator"},
    )
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    smallest_group = models.PositiveSmallIntegerField(
        _("smallest group shown"),
        default=3,
        validators=[MinValueValidator(1)],
        help_text=_(
            "In anonymised outputs a group of fewer organisations or people than this is "
            "shown as 'fewer than' this number."
        ),
    )
    # Two people on decisions: which kinds one caseworker proposes and an approver approves.
    awards_need_approval = models.BooleanField(_("awards need approval"), default=True)
    rejections_need_approval = models.BooleanField(_("rejections need approval"), default=True)
    clawbacks_need_approval = models.BooleanField(_("clawbacks need approval"), default=True)

    class Meta:
        verbose_name = _("scheme")
        verbose_name_plural = _("schemes")
        ordering = ["name"]

    def __str__(self):
        return self.short_name or self.name


class BilingualText(models.Model):
    """A text a caseworker writes in Norwegian, and in English for English-reading users."""

    text_nb = models.TextField(_("text (Norwegian)"))
    text_en = models.TextField(_("text (English)"), blank=True)

    class Meta:
        abstract = True

    @property
    def text(self):
        return in_language(self.text_nb, self.text_en)


class Goal(BilingualText):
    """One of the scheme's goals for the participant organisations; the evaluation measures them."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="goals")
    number = models.PositiveSmallIntegerField(_("number"))

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["scheme_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "number"], name="goal_number_unique")
        ]

    def __str__(self):
        return f"{self.number}. {self.text}"


class AwardCondition(BilingualText):
    """A condition stated in every award letter of the scheme; ``code`` lets code refer to it."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="conditions")
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.SlugField(_("code"), max_length=40)

    class Meta:
        verbose_name = _("award condition")
        verbose_name_plural = _("award conditions")
        ordering = ["scheme_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="condition_code_unique")
        ]

    def __str__(self):
        return self.text


class SchemeYearQuerySet(models.QuerySet):
    def current_first(self):
        return self.select_related("scheme").order_by("-year", "scheme__name")


@kept
def schemes_by_name():
    """Every scheme, by name."""
    return Scheme.objects.order_by("name")


@kept_per_access
def administered_schemes(user):
    """The schemes the caseworker's body runs (admins: all), by name."""
    return access_for(user).administered(Scheme.objects.order_by("name"), "administrator_id")


class SchemeYear(models.Model):
    """The rules of one scheme for one grant year, kept as data so they can change."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000)])
    max_grant = money_field(_("maximum grant per organisation"), default=Decimal("110000"))
    audit_threshold = money_field(
        _("audit threshold"),
        default=Decimal("100000"),
        help_text=_("Grants above this amount need accounts certified by an auditor."),
    )
    mentor_compensation = money_field(_("mentor compensation per year"), default=Decimal("40000"))
    budget_frame = money_field(_("budget frame for the year"), default=Decimal("1000000"))
    # Recorded, not a rule: what running the year cost the administering body in staff time
    # (the evaluation's cost per organisation adds it when known). Not copied to the next year.
    staff_cost = money_field(
        _("administering body's staff cost"),
        null=True,
        blank=True,
        help_text=_(
            "Optional: what following up the year cost in staff time, in NOK. Leave empty if "
            "it is not known."
        ),
    )
    min_mentor_meetings = models.PositiveSmallIntegerField(
        _("minimum mentor meetings per year"), default=6
    )
    max_attendees_per_organisation = models.PositiveSmallIntegerField(
        _("maximum attendees per organisation at a gathering"), default=2
    )
    report_due_date = models.DateField(
        _("grant report due"), help_text=_("Normally 23 January the year after.")
    )
    max_organisation_age_years = models.PositiveSmallIntegerField(
        _("maximum organisation age (years)"), default=5
    )
    previous_application_years = models.PositiveSmallIntegerField(
        _("number of years in which an earlier grant application counts"),
        default=2,
        help_text=_("2 means the call year and the year before (for 2022: 2021 and 2022)."),
    )

    objects = SchemeYearQuerySet.as_manager()

    class Meta:
        verbose_name = _("scheme year")
        verbose_name_plural = _("scheme years")
        ordering = ["scheme", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "year"], name="scheme_year_unique"),
            models.CheckConstraint(
                condition=Q(max_grant__gt=0) & Q(max_grant__lte=F("budget_frame")),
                name="scheme_year_max_grant_within_frame",
            ),
            models.CheckConstraint(
                condition=Q(audit_threshold__gte=0) & Q(mentor_compensation__gte=0),
                name="scheme_year_amounts_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.scheme} {self.year}"

    def clean(self):
        super().clean()
        errors = {}
        if self.max_grant and self.budget_frame and self.max_grant > self.budget_frame:
            errors["max_grant"] = _("The maximum grant cannot be larger than the budget frame.")
        if self.pk and self.budget_frame is not None:
            committed = registry.frame_committed(self)
            if self.budget_frame < committed:
                errors["budget_frame"] = _(
                    "%(committed)s is already awarded this year; the frame cannot be lower."
                ) % {"committed": format_nok(committed)}
        if self.report_due_date and self.year and self.report_due_date.year <= self.year:
            errors["report_due_date"] = _(
                "The report due date must be after the end of the grant year."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def starts(self) -> datetime.date:
        return datetime.date(self.year, 1, 1)

    def previous_application_window(self, on: datetime.date) -> range:
        """The years in which an earlier grant application makes an organisation eligible."""
        return range(on.year - self.previous_application_years + 1, on.year + 1)

    def needs_audit(self, amount: Decimal) -> bool:
        return amount > self.audit_threshold


@kept
def scheme_years_newest_first():
    """Every scheme year with its scheme, the newest first (``current_first``)."""
    return SchemeYear.objects.current_first()


class Event(models.Model):
    """One line in the human-readable timeline of an object: who did what, and when."""

    created_at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    verb = models.CharField(_("what"), max_length=64)
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-created_at"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor or '-'} {self.verb}"

    @property
    def description(self):
        return describe_verb(self.verb)


class Notification(models.Model):
    """A message to one person: always listed in the portal, and e-mailed unless told not to."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    email_to = models.EmailField(_("e-mailed to"), blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self):
        return self.subject

    @property
    def is_read(self):
        return self.read_at is not None


class FormSubmission(models.Model):
    """A create form's one-time token, spent when the form's change is saved.

    The unique token makes a double click, a resent form or two tabs posting at once save
    once: the second insert waits for the first transaction and then fails.
    """

    token = models.UUIDField(_("form token"), unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("sent form")
        verbose_name_plural = _("sent forms")

    def __str__(self):
        return str(self.token)
