from scheme.models import Notification
from scheme.roles import access_for


def portal(request):
    """The user's access and unread count for the page header (one query, only when logged in)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "access": access_for(user),
        "unread_notifications": Notification.objects.filter(
            recipient=user, read_at__isnull=True
        ).count(),
    }
