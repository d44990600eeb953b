import pytest
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from scheme.models import Notification
from scheme.notifications import mark_read, notify
from scheme.tasks import send_notification_email
from tests import factories

SUBJECT = _("Welcome to the grant portal")


def test_a_notification_is_listed_and_emailed_after_commit(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    user = factories.UserFactory(email="kari@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = notify([user], SUBJECT, "Hei {name}", url="/dashboard/", name="Kari")
        assert mailoutbox == []  # nothing leaves before the change is committed
    notification.refresh_from_db()
    assert notification.body == "Hei Kari"
    assert notification.email_to == "kari@example.org"
    assert notification.emailed_at is not None
    [message] = mailoutbox
    assert message.to == ["kari@example.org"]
    assert message.body.endswith("/dashboard/")


def test_a_rolled_back_change_sends_no_mail(transactional_db, mailoutbox):
    user = factories.UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        notify([user], SUBJECT, "Body")
        raise RuntimeError("the service failed")
    assert mailoutbox == []
    assert not Notification.objects.exists()


def test_each_recipient_reads_it_in_their_own_language(db, django_capture_on_commit_callbacks):
    norwegian = factories.UserFactory(language="nb")
    english = factories.UserFactory(language="en")
    with django_capture_on_commit_callbacks(execute=True):
        notify([norwegian, english], SUBJECT, "x")
    assert Notification.objects.get(recipient=english).subject == "Welcome to the grant portal"
    assert (
        Notification.objects.get(recipient=norwegian).subject != ("Welcome to the grant portal")
        or not _compiled_translations()
    )


def _compiled_translations():
    from django.utils import translation

    with translation.override("nb"):
        return str(SUBJECT) != "Welcome to the grant portal"


def test_in_portal_only_notifications_send_no_mail(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    user = factories.UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = notify([user], SUBJECT, "x", email=False)
    assert mailoutbox == []
    assert notification.email_to == ""


def test_the_same_person_twice_gets_one_notification(db):
    user = factories.UserFactory()
    assert len(notify([user, user], SUBJECT, "x")) == 1


def test_inactive_people_are_not_notified(db):
    assert notify([factories.UserFactory(is_active=False)], SUBJECT, "x") == []


def test_the_email_task_never_sends_twice(db, mailoutbox, django_capture_on_commit_callbacks):
    user = factories.UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = notify([user], SUBJECT, "x")
    send_notification_email(notification.pk)
    assert len(mailoutbox) == 1


def test_opening_a_notification_marks_it_read_and_follows_the_link(client, db):
    user = factories.UserFactory()
    [notification] = notify([user], SUBJECT, "x", url="/schemes/", email=False)
    client.force_login(user)
    response = client.get(reverse("notification_open", args=[notification.pk]))
    assert response.url == "/schemes/"
    notification.refresh_from_db()
    assert notification.is_read


def test_a_link_to_another_site_is_not_followed(client, db):
    user = factories.UserFactory()
    [notification] = notify([user], SUBJECT, "x", url="https://evil.example/", email=False)
    client.force_login(user)
    response = client.get(reverse("notification_open", args=[notification.pk]))
    assert response.url == reverse("notifications")


def test_nobody_opens_another_persons_notification(client, db):
    [notification] = notify([factories.UserFactory()], SUBJECT, "x", email=False)
    client.force_login(factories.UserFactory())
    assert client.get(reverse("notification_open", args=[notification.pk])).status_code == 404
    notification.refresh_from_db()
    assert not notification.is_read


def test_mark_all_read_touches_only_ones_own(client, db):
    me, other = factories.UserFactory(), factories.UserFactory()
    notify([me, other], SUBJECT, "x", email=False)
    client.force_login(me)
    client.post(reverse("notifications_mark_all_read"))
    assert not Notification.objects.filter(recipient=me, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).exists()
    assert mark_read(me) == 0


def test_the_list_shows_only_ones_own_and_counts_unread(client, db):
    me, other = factories.UserFactory(), factories.UserFactory()
    notify([me], "Til meg", "x", email=False)
    notify([other], "Til en annen", "x", email=False)
    client.force_login(me)
    response = client.get(reverse("notifications"))
    content = response.content.decode()
    assert "Til meg" in content
    assert "Til en annen" not in content
    assert response.context["unread_notifications"] == 1


def test_the_header_count_follows_new_and_read_notifications(
    client, db, django_capture_on_commit_callbacks
):
    me = factories.UserFactory()
    client.force_login(me)
    assert client.get(reverse("notifications")).context["unread_notifications"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        notify([me], "Ny", "x", email=False)
    assert client.get(reverse("notifications")).context["unread_notifications"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("notifications_mark_all_read"))
    assert client.get(reverse("notifications")).context["unread_notifications"] == 0
