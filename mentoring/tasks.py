from celery import shared_task

from mentoring import services


@shared_task(acks_late=True)
def send_behind_reminders() -> int:
    """Weekly: nudge pairings that are behind on their meetings (once a week each)."""
    return services.send_behind_reminders()
