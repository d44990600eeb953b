from scheme.notifications import unread_count
from scheme.roles import access_for


def portal(request):
    """The user's access and unread count for the page header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"access": access_for(user), "unread_notifications": unread_count(user)}
