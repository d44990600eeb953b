"""How many of each announcement's audience have read it, counted in the database."""

from django.db.models import Count, Exists, OuterRef, Q

from scheme.models import User

from .audience import people_in
from .models import AnnouncementRead


def read_counts(announcements) -> dict:
    """announcement id -> (read, in the audience), for a page of announcements in one query
    (two columns per announcement, whatever the number of people)."""
    columns = {}
    for announcement in announcements:
        audience = people_in(announcement)
        read = Exists(
            AnnouncementRead.objects.filter(
                announcement=announcement, person=OuterRef("pk"), read_at__isnull=False
            )
        )
        columns[f"audience_{announcement.pk}"] = Count("pk", filter=audience)
        columns[f"read_{announcement.pk}"] = Count("pk", filter=audience & Q(read))
    totals = User.objects.aggregate(**columns) if columns else {}
    return {a.pk: (totals[f"read_{a.pk}"], totals[f"audience_{a.pk}"]) for a in announcements}
