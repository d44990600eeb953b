"""One way to tell people something: a row in their notification list, and an e-mail.

The rows are the record of what was sent to whom; the e-mail goes out from a Celery task
after the surrounding transaction commits, so a rolled-back change never sends mail.
"""

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation

from scheme.models import Notification, NotifyBy
from scheme.tasks import send_notification_email


def notify(
    recipients,
    subject,
    body,
    url: str = "",
    email: bool = True,
    digestible: bool = False,
    **params,
):
    """Notify each recipient in their own language.

    ``subject`` and ``body`` are (lazy) translatable strings with ``{name}`` placeholders
    filled from ``params``. ``digestible`` news (a new message, an announcement) is e-mailed
    only to people who chose to be told at once; the others find it in the portal or in their
    weekly digest. Letters, decisions and deadlines are never digestible.
    """
    created = []
    for recipient in {r.pk: r for r in recipients if r.is_active}.values():
        mailed = email and (not digestible or recipient.notify_by == NotifyBy.IMMEDIATELY)
        with translation.override(recipient.language):
            notification = Notification.objects.create(
                recipient=recipient,
                subject=str(subject).format(**params)[:200],
                body=str(body).format(**params),
                url=url,
                email_to=recipient.email if mailed else "",
            )
        created.append(notification)
        if mailed:
            transaction.on_commit(lambda pk=notification.pk: send_notification_email.delay(pk))
    _forget_unread_counts(n.recipient_id for n in created)
    return created


def mark_read(user, notification_ids=None) -> int:
    """Mark the user's notifications (all, or the given ones) as read."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    count = unread.update(read_at=timezone.now())
    _forget_unread_counts([user.pk])
    return count


UNREAD_COUNT_SECONDS = 300


def unread_count(user) -> int:
    """How many notifications the user has not read; cached, as every page header shows it."""
    return cache.get_or_set(
        _unread_key(user.pk),
        lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
        UNREAD_COUNT_SECONDS,
    )


def _unread_key(user_id) -> str:
    return f"notifications:unread:{user_id}"


def _forget_unread_counts(user_ids) -> None:
    """Drop cached counts once the change is committed, so no request caches the old count."""
    keys = [_unread_key(user_id) for user_id in user_ids]
    if keys:
        transaction.on_commit(lambda: cache.delete_many(keys))
