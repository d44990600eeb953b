"""What announcements hold about a person, for their data export (scheme/personal_data.py):
the announcements they wrote, which they read or dismissed, and the weekly digests sent to
them."""

from scheme import registry

from .models import Announcement, AnnouncementRead, DigestSent

APP = "announcements"


def about_person(user) -> registry.DataPart:
    files = registry.ExportFiles(APP)
    written = [
        {
            "scheme_year": str(a.scheme_year),
            "audience": a.audience,
            "title": a.title_nb,
            "text": a.body_nb,
            "publish_at": a.publish_at,
            "withdrawn_at": a.withdrawn_at,
            "file": files.add("written", a.pk, a.file_name, a.file),
        }
        for a in Announcement.objects.filter(author=user).select_related("scheme_year__scheme")
    ]
    read = [
        {"title": r.announcement.title_nb, "read_at": r.read_at, "dismissed_at": r.dismissed_at}
        for r in AnnouncementRead.objects.filter(person=user).select_related("announcement")
    ]
    digests = [
        {"week": d.week, "sent_at": d.sent_at} for d in DigestSent.objects.filter(person=user)
    ]
    records = {"written": written, "read": read, "weekly_digests": digests}
    return registry.DataPart(APP, records, tuple(files.entries))


def register() -> None:
    registry.register_personal_data(person=about_person)
