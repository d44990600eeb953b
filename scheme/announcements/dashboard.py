"""The dashboard's announcements panel and the digest's announcements section."""

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Now

from scheme import registry
from scheme.compiled import kept_per_access

from .audience import for_person
from .digest import announcements_section
from .models import Announcement, AnnouncementRead

PANEL_SIZE = 5


def unseen_by(user, now=None):
    """The announcements published at ``now`` (the present by default) for the person that
    they have neither read nor dismissed, pinned first, then the newest: one query."""
    seen = AnnouncementRead.objects.filter(announcement=OuterRef("pk"), person=user).filter(
        Q(read_at__isnull=False) | Q(dismissed_at__isnull=False)
    )
    return (
        Announcement.objects.published(now)
        .filter(for_person(user))
        .exclude(Exists(seen))
        .newest_first()
    )


@kept_per_access
def _newest_unseen(user):
    return unseen_by(user, Now())[:PANEL_SIZE]


def announcements_panel(request):
    unseen = list(_newest_unseen(request.user))
    if not unseen:
        return None
    return registry.Panel("announcements/panel.html", {"announcements": unseen}, order=5)


def register():
    registry.register_panel(announcements_panel)
    registry.register_digest_section(announcements_section)
