"""An announcement: a few lines from a scheme's caseworkers to an audience, in nb and en.

Who is in an audience is decided in one place, ``scheme.announcements.audience``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from scheme.models import SchemeYear, free_text, in_language
from scheme.roles import access_for
from scheme.states import Transition, Workflow
from scheme.storage import PrivatePath, private_storage
from scheme.validators import PLAUSIBLE_DATE

TITLE_LENGTH = 120
BODY_TEXT = 800  # a few lines: news that is "shorter, simpler and more often"


class AudienceKind(models.TextChoices):
    EVERYONE = "everyone", _("everyone taking part in the scheme year")
    PARTICIPANTS = "participants", _("the participant organisations taking part")
    MENTORS = "mentors", _("the mentor organisations taking part")
    EVENT = "event", _("the organisations registered to an event")


class AnnouncementState(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    PUBLISHED = "published", _("published")
    WITHDRAWN = "withdrawn", _("withdrawn")


def _runs_scheme(access, announcement) -> bool:
    return access.administers(announcement.scheme_year.scheme)


ANNOUNCEMENT_FLOW = Workflow(
    "state",
    [
        Transition(
            "edit",
            _("Edit"),
            frozenset({AnnouncementState.SCHEDULED}),
            None,
            _("A published announcement cannot be changed; withdraw it and write a new one."),
            who=_runs_scheme,
        ),
        Transition(
            "pin",
            _("Pin to the top"),
            frozenset({AnnouncementState.SCHEDULED, AnnouncementState.PUBLISHED}),
            None,
            _("A withdrawn announcement cannot be pinned."),
            who=_runs_scheme,
        ),
        Transition(
            "withdraw",
            _("Withdraw"),
            frozenset({AnnouncementState.SCHEDULED, AnnouncementState.PUBLISHED}),
            AnnouncementState.WITHDRAWN,
            _("The announcement is already withdrawn."),
            who=_runs_scheme,
        ),
    ],
)


def published_q(now=None) -> Q:
    return Q(publish_at__lte=timezone.now() if now is None else now, withdrawn_at__isnull=True)


class AnnouncementQuerySet(models.QuerySet):
    def published(self, now=None):
        return self.filter(published_q(now))

    def visible_to(self, user):
        """Caseworkers see every announcement of the schemes their body runs (admins all);
        everyone else the published ones for an audience they are in."""
        from scheme.announcements.audience import for_person  # it imports this module

        access = access_for(user)
        if access.is_admin:
            return self
        run = Q(scheme_year__scheme__administrator_id__in=access.administering_ids)
        return self.filter(run | (published_q() & for_person(user)))

    def newest_first(self):
        """Pinned first, then the newest."""
        return self.order_by("-pinned", "-publish_at", "-pk")


class Announcement(models.Model):
    scheme_year = models.ForeignKey(
        SchemeYear,
        on_delete=models.PROTECT,
        related_name="announcements",
        verbose_name=_("scheme year"),
    )
    audience = models.CharField(_("to"), max_length=20, choices=AudienceKind.choices)
    # The id of the object that gathers an EVENT audience (scheme.registry.AudienceGroup).
    group_id = models.PositiveBigIntegerField(_("event"), null=True, blank=True)
    title_nb = models.CharField(_("title (Norwegian)"), max_length=TITLE_LENGTH)
    title_en = models.CharField(_("title (English)"), max_length=TITLE_LENGTH, blank=True)
    body_nb = free_text(_("text (Norwegian)"), BODY_TEXT)
    body_en = free_text(_("text (English)"), BODY_TEXT, blank=True)
    link = models.URLField(_("link"), blank=True)
    file = models.FileField(
        _("file"), upload_to=PrivatePath("announcements"), storage=private_storage, blank=True
    )
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    publish_at = models.DateTimeField(_("publish"), default=timezone.now, validators=PLAUSIBLE_DATE)
    pinned = models.BooleanField(_("pinned to the top"), default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # When the audience was notified (at publication; a scheduled one by the beat task).
    announced_at = models.DateTimeField(_("announced"), null=True, blank=True)
    # How many people the audience held when it was told: what "read by X of Y" counts against.
    sent_to = models.PositiveIntegerField(_("sent to"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )

    objects = AnnouncementQuerySet.as_manager()
    workflow = ANNOUNCEMENT_FLOW

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-pinned", "-publish_at", "-pk"]
        indexes = [models.Index(fields=["audience", "scheme_year", "publish_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(audience=AudienceKind.EVENT, group_id__isnull=False)
                | (~Q(audience=AudienceKind.EVENT) & Q(group_id__isnull=True)),
                name="announcement_event_audience_names_event",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def title(self) -> str:
        return in_language(self.title_nb, self.title_en)

    @property
    def body(self) -> str:
        return in_language(self.body_nb, self.body_en)

    @property
    def state(self) -> str:
        if self.withdrawn_at:
            return AnnouncementState.WITHDRAWN
        if self.publish_at > timezone.now():
            return AnnouncementState.SCHEDULED
        return AnnouncementState.PUBLISHED

    @state.setter
    def state(self, value):
        """Withdrawing (``ANNOUNCEMENT_FLOW.move``) stamps the moment; the service saves it."""
        if value == AnnouncementState.WITHDRAWN:
            self.withdrawn_at = timezone.now()

    @property
    def is_scheduled(self) -> bool:
        return self.state == AnnouncementState.SCHEDULED

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class AnnouncementRead(models.Model):
    """One person's reading of one announcement: read, dismissed from the dashboard, or both."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="reads")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="announcement_reads"
    )
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    dismissed_at = models.DateTimeField(_("dismissed"), null=True, blank=True)
    # Caseworkers see every announcement of their scheme; only the audience's reads count.
    in_audience = models.BooleanField(_("in the audience"), default=True)

    class Meta:
        verbose_name = _("announcement read")
        verbose_name_plural = _("announcements read")
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "person"], name="announcement_read_once"
            )
        ]

    def __str__(self):
        return f"{self.person} – {self.announcement}"


class DigestSent(models.Model):
    """The weekly digest a person got, one per ISO week: a rerun that week sends nothing."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week = models.DateField(_("week (its Monday)"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("weekly digest sent")
        verbose_name_plural = _("weekly digests sent")
        constraints = [
            models.UniqueConstraint(fields=["person", "week"], name="digest_once_a_week")
        ]

    def __str__(self):
        return f"{self.person} {self.week}"
