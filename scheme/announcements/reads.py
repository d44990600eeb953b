"""How many of the people each announcement was sent to have read it, counted in the
database."""

from django.db.models import Count

from .models import AnnouncementRead


def read_counts(announcements) -> dict:
    """announcement id -> (read, sent to) for a page of announcements, in one query whatever
    the number of people. The audience is counted once, when it is told (``sent_to``; None
    before): counting it again for every page would go through every person in the register."""
    read = dict(
        AnnouncementRead.objects.filter(
            announcement__in=announcements, read_at__isnull=False, in_audience=True
        )
        .values("announcement")
        .annotate(n=Count("pk"))
        .values_list("announcement", "n")
    )
    return {a.pk: (read.get(a.pk, 0), a.sent_to) for a in announcements}
