from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from scheme.models import Notification
from scheme.retention import apply_rules
from scheme.storage import remove_orphaned_files


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    max_retries=6,
    acks_late=True,
)
def send_notification_email(notification_id: int) -> None:
    """Send one notification by e-mail; sending it twice is prevented by ``emailed_at``."""
    notification = (
        Notification.objects.filter(pk=notification_id, emailed_at__isnull=True)
        .exclude(email_to="")
        .first()
    )
    if notification is None:
        return
    body = notification.body
    if notification.url:
        body += f"\n\n{settings.PORTAL_BASE_URL}{notification.url}"
    send_mail(notification.subject, body, None, [notification.email_to])
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())


@shared_task(ignore_result=False)
def ping() -> str:
    """A health check: a worker that answers is alive and reachable through the broker."""
    return "pong"


@shared_task
def remove_orphaned_uploads() -> int:
    """Daily: delete uploads left behind by changes that rolled back."""
    return remove_orphaned_files()


@shared_task
def apply_retention_rules() -> dict:
    """Daily: delete or blank what the retention rules (scheme/retention.py) say is due."""
    return apply_rules()
