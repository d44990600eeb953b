"""Every change to announcements: one transaction each, with the audit trail.

Caseworkers of the scheme's administering body write, schedule, edit (before publication),
pin and withdraw; the people in the audience mark them read or dismiss them from their
dashboard. The audience is told once the announcement is published (``announce_due``), each
in the way they chose (``notify(..., digestible=True)``).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from scheme import audit, registry
from scheme.models import User, in_language
from scheme.notifications import notify
from scheme.once import spend_form_token
from scheme.roles import require, require_administers
from scheme.storage import validate_upload
from scheme.verbs import event_verb

from .audience import for_person, people_in
from .models import Announcement, AnnouncementRead, AudienceKind

PUBLISHED = event_verb("announcement.published", _("published the announcement"))
SCHEDULED = event_verb("announcement.scheduled", _("scheduled the announcement"))
EDITED = event_verb("announcement.edited", _("changed the announcement"))
PINNED = event_verb("announcement.pinned", _("pinned the announcement"))
UNPINNED = event_verb("announcement.unpinned", _("unpinned the announcement"))
WITHDRAWN = event_verb("announcement.withdrawn", _("withdrew the announcement"))

CONTENT_FIELDS = (
    "audience",
    "group_id",
    "title_nb",
    "title_en",
    "body_nb",
    "body_en",
    "link",
    "publish_at",
    "pinned",
)

ANNOUNCED_SUBJECT = _("Announcement: {title}")


def _check_audience(announcement) -> None:
    """An event audience names an event of the announcement's scheme year."""
    group = registry.audience_group(AudienceKind.EVENT)
    if announcement.audience != AudienceKind.EVENT:
        announcement.group_id = None
        return
    offered = {pk for pk, _label in group.choices([announcement.scheme_year])} if group else set()
    if announcement.group_id not in offered:
        raise ValidationError(
            {"group_id": _("Choose one of the scheme year's events.")}, code="no_event"
        )


def _attach(announcement, upload) -> None:
    if upload:
        try:
            validate_upload(upload)
        except ValidationError as refused:
            raise ValidationError({"upload": refused.messages}) from None
        announcement.file = upload
        announcement.file_name = upload.name[:200]


def _save_checked(announcement) -> None:
    _check_audience(announcement)
    announcement.full_clean()
    announcement.save()
    if announcement.publish_at <= timezone.now():
        transaction.on_commit(_announce_later)


def _announce_later():
    from .tasks import announce_due_announcements  # the tasks module imports this one

    announce_due_announcements.delay()


@transaction.atomic
def publish(actor, scheme_year, *, upload=None, form_token=None, **content) -> Announcement:
    """Publish now, or schedule for ``publish_at`` when that is later."""
    require_administers(actor, scheme_year.scheme)
    spend_form_token(actor, form_token)
    announcement = Announcement(scheme_year=scheme_year, author=actor, **content)
    _attach(announcement, upload)
    _save_checked(announcement)
    verb = SCHEDULED if announcement.is_scheduled else PUBLISHED
    audit.record(actor, verb, announcement, detail=announcement.title_nb)
    return announcement


def _locked(announcement) -> Announcement:
    return (
        Announcement.objects.select_for_update(of=("self",))
        .select_related("scheme_year__scheme")
        .get(pk=announcement.pk)
    )


@transaction.atomic
def edit(actor, announcement, *, upload=None, **content) -> Announcement:
    """Change a scheduled announcement; once published it stands (withdraw it instead)."""
    announcement = _locked(announcement)
    Announcement.workflow.require(actor, announcement, "edit")
    for name, value in content.items():
        if name in CONTENT_FIELDS:
            setattr(announcement, name, value)
    _attach(announcement, upload)
    _save_checked(announcement)
    audit.record(actor, EDITED, announcement)
    return announcement


@transaction.atomic
def set_pinned(actor, announcement, pinned: bool) -> Announcement:
    announcement = _locked(announcement)
    Announcement.workflow.require(actor, announcement, "pin")
    if announcement.pinned != pinned:
        announcement.pinned = pinned
        announcement.save(update_fields=["pinned"])
        audit.record(actor, PINNED if pinned else UNPINNED, announcement)
    return announcement


@transaction.atomic
def withdraw(actor, announcement) -> Announcement:
    """Take the announcement away from every page; the record keeps it."""
    announcement = _locked(announcement)
    Announcement.workflow.require(actor, announcement, "withdraw")
    Announcement.workflow.move(announcement, "withdraw")
    announcement.withdrawn_by = actor
    announcement.save(update_fields=["withdrawn_at", "withdrawn_by"])
    audit.record(actor, WITHDRAWN, announcement)
    return announcement


def _reading(user, announcement) -> AnnouncementRead:
    """The person's row for an announcement they may see (PermissionDenied otherwise)."""
    visible = Announcement.objects.published().visible_to(user).filter(pk=announcement.pk)
    require(visible.exists())
    reading, _created = AnnouncementRead.objects.select_for_update().get_or_create(
        announcement_id=announcement.pk,
        person=user,
        defaults={"in_audience": visible.filter(for_person(user)).exists()},
    )
    return reading


@transaction.atomic
def mark_read(user, announcement) -> AnnouncementRead:
    reading = _reading(user, announcement)
    if reading.read_at is None:
        reading.read_at = timezone.now()
        reading.save(update_fields=["read_at"])
    return reading


@transaction.atomic
def dismiss(user, announcement) -> AnnouncementRead:
    """Take it off the person's dashboard; it stays on the page of all announcements."""
    reading = _reading(user, announcement)
    if reading.dismissed_at is None:
        reading.dismissed_at = timezone.now()
        reading.save(update_fields=["dismissed_at"])
    return reading


def announce_due(now=None) -> int:
    """Tell the audience of every announcement published by now and not yet told; each once
    (the row is locked and stamped in the same transaction). Returns how many."""
    count = 0
    while _announce_next(now or timezone.now()) is not None:
        count += 1
    return count


@transaction.atomic
def _announce_next(now):
    announcement = (
        Announcement.objects.published(now)
        .filter(announced_at__isnull=True)
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("publish_at", "pk")
        .first()
    )
    if announcement is None:
        return None
    people = User.objects.filter(people_in(announcement))
    told = notify(
        people,
        ANNOUNCED_SUBJECT,
        "{text}",
        url=announcement_url(announcement),
        digestible=True,
        title=_Bilingual(announcement.title_nb, announcement.title_en),
        text=_Bilingual(announcement.body_nb, announcement.body_en),
    )
    announcement.announced_at, announcement.sent_to = now, len(told)
    announcement.save(update_fields=["announced_at", "sent_to"])
    return announcement


def announcement_url(announcement) -> str:
    return f"{reverse('announcements:list')}#announcement-{announcement.pk}"


class _Bilingual:
    """A text that formats in the language active when ``notify`` fills it in."""

    def __init__(self, nb, en):
        self.nb, self.en = nb, en

    def __format__(self, spec):
        return format(in_language(self.nb, self.en), spec)
