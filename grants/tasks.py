from celery import shared_task

from grants import services


@shared_task(acks_late=True)
def send_report_reminders() -> int:
    """Daily: reminders about grant reports that are due soon or overdue (each sent once)."""
    return services.send_report_reminders()
