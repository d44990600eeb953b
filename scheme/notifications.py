"""One way to tell people something: a row in their notification list, and an e-mail.

The rows are the record of what was sent to whom; the e-mail goes out from a Celery task
after the surrounding transaction commits, so a rolled-back change never sends mail.
"""

from django.db import transaction
from django.utils import timezone, translation

from scheme.models import Notification
from scheme.tasks import send_notification_email


def notify(recipients, subject, body, url: str = "", email: bool = True, **params):
    """Notify each recipient in their own language.

    ``subject`` and ``body`` are (lazy) translatable strings with ``{name}`` placeholders
    filled from ``params``.
    """
    created = []
    for recipient in {r.pk: r for r in recipients if r.is_active}.values():
        with translation.override(recipient.language):
            notification = Notification.objects.create(
                recipient=recipient,
                subject=str(subject).format(**params)[:200],
                body=str(body).format(**params),
                url=url,
                email_to=recipient.email if email else "",
            )
        created.append(notification)
        if email:
            transaction.on_commit(lambda pk=notification.pk: send_notification_email.delay(pk))
    return created


def mark_read(user, notification_ids=None) -> int:
    """Mark the user's notifications (all, or the given ones) as read."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())
