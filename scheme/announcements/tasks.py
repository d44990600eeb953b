from celery import shared_task

from . import digest, services


@shared_task(acks_late=True)
def announce_due_announcements() -> int:
    """Tell the audiences of announcements published by now (scheduled ones when their time
    comes); beat runs it every few minutes, and a publication right away."""
    return services.announce_due()


@shared_task(acks_late=True)
def send_weekly_digests() -> int:
    """Mondays: one short e-mail to each person who chose the weekly digest."""
    return digest.send_weekly_digests()
