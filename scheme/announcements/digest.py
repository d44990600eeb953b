"""The weekly digest: on Mondays, one short e-mail to each person who chose it, in their
language, with the week's announcements for them, their unread messages (each app's
``scheme.registry`` digest section) and what is due from them. Never twice a week: the
``DigestSent`` row is written in the transaction that queues the mail, under a unique
constraint. Nothing to say, no mail."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from scheme import registry
from scheme.models import NotifyBy, User
from scheme.notifications import notify

from .audience import for_person
from .models import Announcement, AnnouncementRead, DigestSent
from .services import announcement_url

SUBJECT = gettext_lazy("Your week in the portal")


def week_of(day: datetime.date) -> datetime.date:
    """The Monday of ``day``'s week."""
    return day - datetime.timedelta(days=day.weekday())


def announcements_section(user, since) -> list:
    """The announcements published for the person since ``since`` that they have not read."""
    announcements = (
        Announcement.objects.published()
        .filter(for_person(user), publish_at__gte=since)
        .exclude(
            Exists(
                AnnouncementRead.objects.filter(
                    announcement=OuterRef("pk"), person=user, read_at__isnull=False
                )
            )
        )
        .newest_first()
    )
    return [
        (_("Announcement: %(title)s") % {"title": a.title}, announcement_url(a))
        for a in announcements
    ]


def _due_lines(user) -> list:
    lines = []
    for item in registry.due_items_for(user):
        text = str(item.title)
        if item.due:
            text = _("%(title)s (by %(date)s)") % {
                "title": text,
                "date": formats.date_format(item.due, "SHORT_DATE_FORMAT"),
            }
        lines.append((text, item.url))
    return lines


def _listed(lines) -> str:
    return "\n".join(f"- {text}\n  {settings.PORTAL_BASE_URL}{url}" for text, url in lines)


def digest_text(user, since) -> str:
    """The e-mail's text in the active language, or "" when there is nothing to tell."""
    news = [line for section in registry.digest_sections() for line in section(user, since)]
    due = _due_lines(user)
    if not news and not due:
        return ""
    parts = [_("Hello %(name)s,") % {"name": user.get_short_name()}]
    if news:
        parts += [_("New this week:"), _listed(news)]
    if due:
        parts += [_("Due from you:"), _listed(due)]
    parts.append(
        _(
            "You get this e-mail on Mondays because you chose a weekly digest. "
            "Change it here: %(url)s"
        )
        % {"url": settings.PORTAL_BASE_URL + reverse("account")}
    )
    return "\n\n".join(parts)


@transaction.atomic
def send_digest(user, week: datetime.date, since) -> bool:
    """Queue the person's digest for ``week`` unless it went already or says nothing."""
    with translation.override(user.language):
        text = digest_text(user, since)
    if not text:
        return False
    try:
        with transaction.atomic():
            DigestSent.objects.create(person=user, week=week)
    except IntegrityError:
        return False
    notify([user], SUBJECT, "{text}", url=reverse("dashboard"), text=text)
    return True


def send_weekly_digests(now=None) -> int:
    """Each person who chose the digest and has not had this week's; returns how many went."""
    now = now or timezone.now()
    week = week_of(timezone.localdate(now))
    since = now - datetime.timedelta(days=7)
    people = (
        User.objects.filter(is_active=True, notify_by=NotifyBy.WEEKLY)
        .exclude(pk__in=DigestSent.objects.filter(week=week).values("person_id"))
        .order_by("pk")
    )
    return sum(send_digest(person, week, since) for person in people.iterator())
