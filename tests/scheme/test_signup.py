"""Signing up with an e-mail address: nothing is made before the address is confirmed by
the e-mailed link, and the pages say the same whether the address has an account."""

import re
import time

import pytest
from django.contrib.messages import get_messages
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from scheme.audit import timeline
from scheme.models import User
from scheme.signin import links
from scheme.signin.services import SIGNED_UP

SIGN_UP = reverse("sign_up")
PASSWORD = "a-long-enough-secret-phrase"
LINK = re.compile(r"http://127\.0\.0\.1:8000(/account/sign-up/confirm/[^/\s]+/)")


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    settings.PORTAL_BASE_URL = "http://127.0.0.1:8000"


def sign_up(client, email="mentor@ngo.example", name="Mona Mentor", password=PASSWORD):
    return client.post(
        SIGN_UP,
        {"full_name": name, "email": email, "password1": password, "password2": password},
        follow=True,
    )


def the_link() -> str:
    return LINK.search(mail.outbox[-1].body).group(1)


def visible(response) -> str:
    """The page without its one-time CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_the_login_page_offers_signing_up(client, db):
    assert f'href="{SIGN_UP}"' in client.get(reverse("login")).content.decode()


def test_the_account_is_made_when_the_link_is_opened(client, db, mailoutbox):
    page = sign_up(client, email=" Mentor@NGO.example")
    assert page.redirect_chain == [(reverse("address_sent"), 302)]
    assert "We have sent an e-mail to mentor@ngo.example" in page.content.decode()
    assert not User.objects.exists()  # nothing before the address is confirmed
    assert mailoutbox[-1].to == ["mentor@ngo.example"]
    assert PASSWORD not in mailoutbox[-1].body

    link = the_link()
    confirm = client.get(link)
    assert confirm.context["form"] is None  # the password chosen when signing up is used
    response = client.post(link)
    assert response.url == reverse("dashboard")
    mona = User.objects.get()
    assert (mona.email, mona.full_name) == ("mentor@ngo.example", "Mona Mentor")
    assert mona.check_password(PASSWORD)
    assert client.session["_auth_user_id"] == str(mona.pk)
    assert [e.verb for e in timeline(mona)] == [SIGNED_UP]
    # The link's work is done: opening it again leads home, and makes nothing more.
    assert client.get(link).url == reverse("dashboard")
    client.logout()
    assert client.post(
        reverse("login"), {"username": "mentor@ngo.example", "password": PASSWORD}
    ).url == reverse("dashboard")


def test_a_link_opened_in_another_browser_asks_for_the_password_there(client, db):
    sign_up(client)
    elsewhere = Client()
    link = the_link()
    assert elsewhere.get(link).context["form"] is not None
    page = elsewhere.post(link, {"password1": "short", "password2": "short"})
    assert page.context["form"].errors["password1"]
    assert not User.objects.exists()
    other = "another-long-secret-phrase"
    response = elsewhere.post(link, {"password1": other, "password2": other})
    assert response.url == reverse("dashboard")
    mona = User.objects.get()
    assert mona.check_password(other) and not mona.check_password(PASSWORD)


def test_an_address_with_an_account_gets_told_and_the_page_says_the_same(client, member):
    new = sign_up(client, email="new@example.org")
    assert "Confirm your e-mail address" in mail.outbox[-1].subject
    existing = sign_up(Client(), email=member.email)
    assert visible(new).replace("new@example.org", member.email) == visible(existing)
    told = mail.outbox[-1]
    assert told.to == [member.email]
    assert told.subject == "You already have an account in the grant portal"
    assert "http://127.0.0.1:8000/account/password_reset/" in told.body
    assert User.objects.count() == 1  # the member only


def test_sign_up_emails_are_limited_per_address_and_per_client(client, db, settings):
    settings.SIGN_UP_LIMITS = {"address": 2, "client": 4}
    for _ in range(3):
        page = sign_up(client, email="same@example.org")
        assert page.templates[0].name == "scheme/signin/address_sent.html"
    assert len(mail.outbox) == 2
    sign_up(client, email="other@example.org")  # the client's fourth: still sent
    sign_up(client, email="third@example.org")  # the client's fifth: not sent
    assert [m.to for m in mail.outbox] == [
        ["same@example.org"],
        ["same@example.org"],
        ["other@example.org"],
    ]
    another = Client(REMOTE_ADDR="10.0.0.9")
    sign_up(another, email="same@example.org")  # the address's limit holds for every client
    assert len(mail.outbox) == 3


def test_a_forged_old_or_other_link_does_not_work(client, db, monkeypatch):
    sign_up(client)
    link = the_link()
    assert client.get(link[:-3] + "xx/").status_code == 410
    data = signing.loads(link.rsplit("/", 2)[-2], salt=links.SALT)
    for_idporten = signing.dumps({**data, "for": links.IDPORTEN}, salt=links.SALT)
    assert client.get(reverse("sign_up_confirm", args=[for_idporten])).status_code == 410
    a_day_ago = time.time() - 24 * 60 * 60 - 1
    monkeypatch.setattr(signing.time, "time", lambda: a_day_ago)
    old = signing.dumps(data, salt=links.SALT)
    monkeypatch.undo()
    assert client.get(reverse("sign_up_confirm", args=[old])).status_code == 410
    assert not User.objects.exists()


def test_a_link_for_an_address_that_got_an_account_meanwhile_makes_nothing(client, db):
    sign_up(client, email="late@example.org")
    link = the_link()
    User.objects.create_user("late@example.org", "x" * 20, full_name="Already Here")
    response = client.post(link)
    assert response.url == reverse("login")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "There is already an account for this address. Log in, or reset your password."
    ]
    assert User.objects.count() == 1


def test_the_form_keeps_what_was_typed_and_ties_errors_to_fields(client, db):
    page = sign_up(client, email="not-an-address", name="Mona Mentor", password="short")
    form = page.context["form"]
    assert set(form.errors) == {"email", "password1"}
    assert 'value="Mona Mentor"' in page.content.decode()
    assert mail.outbox == []


def test_a_signed_up_person_is_told_the_next_steps(client, db):
    sign_up(client)
    client.post(the_link())
    page = client.get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("organisations:register")}"' in page
    assert f'href="{reverse("organisations:join")}"' in page
