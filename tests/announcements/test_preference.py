"""How each person is told: at once, in the weekly digest, or only in the portal."""

import pytest
from django.core import mail
from django.urls import reverse

from scheme.models import Notification, NotifyBy
from scheme.notifications import notify
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("choice", "mailed"),
    [(NotifyBy.IMMEDIATELY, True), (NotifyBy.WEEKLY, False), (NotifyBy.PORTAL, False)],
)
def test_digestible_news_is_mailed_only_to_those_who_want_it_at_once(
    choice, mailed, django_capture_on_commit_callbacks
):
    person = factories.UserFactory(notify_by=choice)
    with django_capture_on_commit_callbacks(execute=True):
        notify([person], "New message", "Hello", url="/x/", digestible=True)
    assert Notification.objects.filter(recipient=person).count() == 1
    assert len(mail.outbox) == (1 if mailed else 0)


@pytest.mark.parametrize("choice", [NotifyBy.WEEKLY, NotifyBy.PORTAL])
def test_letters_and_deadlines_are_mailed_at_once_whatever_the_choice(
    choice, django_capture_on_commit_callbacks
):
    person = factories.UserFactory(notify_by=choice)
    with django_capture_on_commit_callbacks(execute=True):
        notify([person], "Your decision", "Read it")
    assert [message.to for message in mail.outbox] == [[person.email]]


def test_a_new_account_is_told_at_once():
    assert factories.UserFactory().notify_by == NotifyBy.IMMEDIATELY


def test_the_person_chooses_on_their_account_page(client, member):
    client.force_login(member)
    page = client.get(reverse("account")).content.decode()
    assert "Bare i portalen" in page
    form = {"full_name": "Kari", "phone": "", "language": "nb", "notify_by": "weekly"}
    assert client.post(reverse("account"), form).status_code == 302
    member.refresh_from_db()
    assert member.notify_by == NotifyBy.WEEKLY
