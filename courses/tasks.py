from celery import shared_task

from courses import services


@shared_task(acks_late=True)
def send_event_reminders() -> int:
    """Daily: remind those registered for tomorrow's events (once each)."""
    return services.send_event_reminders()
