"""Logging in with ID-porten, end to end against a real OpenID Connect provider on loopback
(tests/oidc_provider/server.js, configured like ID-porten): the portal's browser is Django's
test client, the provider's is httpx, and the portal talks to the provider over HTTP.
"""

import base64
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.contrib.messages import get_messages
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse

from scheme.audit import timeline
from scheme.models import Notification, User
from scheme.personal_data import export_person
from scheme.signin import idporten
from scheme.signin.services import IDPORTEN_LINKED, SIGNED_UP_WITH_IDPORTEN
from tests import oidc_provider
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
PID = "12089012345"
OTHER_PID = "24107054321"
LINK = re.compile(r"http://127\.0\.0\.1:8000(/account/idporten/confirm/[^/\s]+/)")


@pytest.fixture(scope="module")
def provider():
    running = oidc_provider.start()
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def idp(provider, settings, db):
    """ID-porten switched on and pointed at the test provider, behaving well."""
    oidc_provider.configure(settings, provider)
    settings.PORTAL_BASE_URL = "http://127.0.0.1:8000"
    provider.misbehave("")
    yield provider
    provider.misbehave("")


@pytest.fixture
def browser(idp, client):
    person = oidc_provider.Browser(client, idp)
    yield person
    person.close()


@pytest.fixture
def another_browser(idp):
    person = oidc_provider.Browser(Client(), idp)
    yield person
    person.close()


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def visible(response) -> str:
    """The page without its one-time CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def logged_in_as(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def confirmation_link() -> str:
    """The path of the link in the last e-mail."""
    return LINK.search(mail.outbox[-1].body).group(1)


def first_login(browser, pid=PID, email="kari@example.org", name="Kari Nordmann"):
    """A newcomer logs in with ID-porten, gives an address and opens the e-mailed link."""
    response = browser.log_in(pid)
    assert response.url == reverse("idporten_welcome")
    page = browser.client.post(response.url, {"full_name": name, "email": email})
    assert page.url == reverse("address_sent")
    link = confirmation_link()
    assert browser.client.get(link).status_code == 200
    return browser.client.post(link)


def test_the_login_page_offers_idporten_only_when_it_is_switched_on(client, settings, db):
    settings.IDPORTEN_ENABLED = False
    assert "idporten_url" not in client.get(reverse("login")).context
    assert client.get(reverse("idporten_login")).status_code == 404
    settings.IDPORTEN_ENABLED = True
    settings.IDPORTEN_CLIENT_ID, settings.IDPORTEN_CLIENT_SECRET = "id", "secret"
    page = client.get(reverse("login"), {"next": "/grants/"})
    assert page.context["idporten_url"] == "/account/idporten/login/?next=%2Fgrants%2F"
    assert "Log in with ID-porten" in page.content.decode()


def test_the_first_login_makes_the_account_after_the_address_is_confirmed(browser, mailoutbox):
    response = browser.log_in(PID)
    assert response.url == reverse("idporten_welcome")
    assert logged_in_as(browser.client) is None
    assert not User.objects.exists()

    page = browser.client.post(
        response.url, {"full_name": "Kari Nordmann", "email": "Kari@Example.org "}, follow=True
    )
    assert "We have sent an e-mail to kari@example.org" in page.content.decode()
    assert not User.objects.exists()  # nothing before the address is confirmed
    assert mailoutbox[-1].to == ["kari@example.org"]
    assert "make your account" in mailoutbox[-1].body

    link = confirmation_link()
    assert "kari@example.org" in browser.client.get(link).content.decode()
    response = browser.client.post(link)
    assert response.url == reverse("dashboard")
    kari = User.objects.get()
    assert (kari.email, kari.full_name) == ("kari@example.org", "Kari Nordmann")
    assert kari.idporten_pid_hash == idporten.pid_hash(PID)
    assert kari.idporten_linked_at is not None
    assert not kari.has_usable_password()
    assert logged_in_as(browser.client) == kari
    assert [e.verb for e in timeline(kari)] == [SIGNED_UP_WITH_IDPORTEN]


def test_the_second_login_finds_the_person(browser, another_browser):
    first_login(browser)
    kari = User.objects.get()
    mail.outbox.clear()

    response = another_browser.log_in(PID, next_url="/notifications/")
    assert response.url == "/notifications/"
    assert logged_in_as(another_browser.client) == kari
    assert mail.outbox == []
    assert User.objects.count() == 1


def test_a_person_with_an_account_links_it_by_the_link_to_its_address(browser, member):
    response = first_login(browser, email=member.email.upper(), name="Someone Else")
    assert response.url == reverse("dashboard")
    member.refresh_from_db()
    assert member.idporten_pid_hash == idporten.pid_hash(PID)
    assert member.full_name != "Someone Else"  # the account is kept as it was
    assert logged_in_as(browser.client) == member
    assert User.objects.count() == 1
    assert [e.verb for e in timeline(member)] == [IDPORTEN_LINKED]
    assert Notification.objects.filter(
        recipient=member, subject="Your account is linked to ID-porten"
    ).exists()


def test_the_link_to_an_existing_account_says_so_in_the_email_only(browser, member):
    response = browser.log_in(PID)
    new = browser.client.post(
        response.url, {"full_name": "New", "email": "new@example.org"}, follow=True
    )
    new_mail = mail.outbox[-1].body
    old = browser.client.post(
        response.url, {"full_name": "Old", "email": member.email}, follow=True
    )
    assert "to log in with ID-porten to your account" in mail.outbox[-1].body
    assert "make your account" in new_mail
    assert visible(new).replace("new@example.org", member.email) == visible(old)


def test_a_person_with_a_password_links_it_by_logging_in(browser, member):
    welcome = browser.client.get(browser.log_in(PID).url)
    assert welcome.context["login_url"] == "/account/login/?next=%2Faccount%2Fidporten%2Flink%2F"
    response = browser.client.post(
        reverse("login"),
        {"username": member.email, "password": PASSWORD, "next": reverse("idporten_link")},
    )
    assert response.url == reverse("idporten_link")
    assert browser.client.get(response.url).status_code == 200
    response = browser.client.post(reverse("idporten_link"))
    assert response.url == reverse("dashboard")
    member.refresh_from_db()
    assert member.idporten_pid_hash == idporten.pid_hash(PID)
    assert mail.outbox == []  # the password proved the account: no link needed
    assert [e.verb for e in timeline(member)] == [IDPORTEN_LINKED]

    browser.client.logout()
    assert browser.log_in(PID).url == reverse("dashboard")  # known from now on
    assert logged_in_as(browser.client) == member


def test_an_account_is_linked_to_one_idporten_login_only(browser, another_browser, member):
    first_login(browser, email=member.email)
    response = another_browser.log_in(OTHER_PID)
    another_browser.client.post(response.url, {"full_name": "X", "email": member.email})
    response = another_browser.client.post(confirmation_link())
    assert response.url == reverse("login")
    assert "already linked to another ID-porten login" in " ".join(said(response))
    member.refresh_from_db()
    assert member.idporten_pid_hash == idporten.pid_hash(PID)
    assert logged_in_as(another_browser.client) is None


def test_the_link_works_only_after_the_same_idporten_login(browser, another_browser, member):
    """Someone who logs in with their own ID-porten and gives another person's address gets
    nothing: the link reaches the address's owner, and works only after the ID-porten login
    it was made for."""
    response = browser.log_in(OTHER_PID)  # the intruder
    browser.client.post(response.url, {"full_name": "Intruder", "email": member.email})
    link = confirmation_link()

    # The owner opens it in their own browser: asked to log in with ID-porten first.
    page = another_browser.client.get(link)
    assert page.templates[0].name == "scheme/signin/confirm_elsewhere.html"
    assert another_browser.client.post(link).templates[0].name == (
        "scheme/signin/confirm_elsewhere.html"
    )
    # Logging in as themselves brings them back to the link, which is not theirs.
    back = another_browser.log_in(PID, next_url=link)
    assert back.url == link
    page = another_browser.client.get(link)
    assert page.templates[0].name == "scheme/signin/confirm_elsewhere.html"
    member.refresh_from_db()
    assert member.idporten_pid_hash is None


def test_a_deactivated_account_cannot_log_in_with_idporten(browser, another_browser, member):
    first_login(browser, email=member.email)
    User.objects.filter(pk=member.pk).update(is_active=False)
    response = another_browser.log_in(PID)
    assert response.url == reverse("login")
    assert said(response) == ["This account is no longer active. Contact the caseworker."]
    assert logged_in_as(another_browser.client) is None


@pytest.mark.parametrize(
    ("misbehaviour", "message"),
    [
        ("wrong-key", idporten.UNTRUSTED),
        ("tampered", idporten.UNTRUSTED),
        ("wrong-audience", idporten.UNTRUSTED),
        ("wrong-issuer", idporten.UNTRUSTED),
        ("expired", idporten.EXPIRED),
    ],
)
def test_an_id_token_that_fails_a_check_is_refused(browser, idp, member, misbehaviour, message):
    first_login(browser, email=member.email)
    browser.client.logout()
    idp.misbehave(misbehaviour)
    response = browser.log_in(PID)
    assert response.url == reverse("login")
    assert said(response) == [str(message)]
    assert logged_in_as(browser.client) is None


def test_a_level_below_substantial_is_refused(browser, another_browser, member):
    first_login(browser, email=member.email)
    response = another_browser.log_in(PID, acr="idporten-loa-low")
    assert response.url == reverse("login")
    assert said(response) == [str(idporten.LOW_LEVEL)]
    assert logged_in_as(another_browser.client) is None


def test_a_high_level_is_accepted(browser, another_browser, member):
    first_login(browser, email=member.email)
    assert another_browser.log_in(PID, acr="idporten-loa-high").url == reverse("dashboard")
    assert logged_in_as(another_browser.client) == member


def test_a_replayed_answer_is_refused(browser, another_browser, member):
    first_login(browser, email=member.email)
    browser.client.logout()
    answer = browser.answer_from_idporten(PID)
    assert browser.open(answer).url == reverse("dashboard")
    browser.client.logout()
    # The same answer again, in the same browser and in another: its state is used up.
    for person in (browser, another_browser):
        response = person.open(answer)
        assert response.url == reverse("login")
        assert said(response) == [str(idporten.STALE)]
        assert logged_in_as(person.client) is None


def test_a_cancelled_login_says_so(browser):
    browser.client.get(reverse("idporten_login"))
    response = browser.client.get(
        reverse("idporten_callback"), {"error": "access_denied", "state": "x"}
    )
    assert said(response) == [str(idporten.CANCELLED)]


def test_an_unreachable_provider_is_explained(client, settings, db):
    oidc_provider.configure(settings, oidc_provider.Provider(None, "http://127.0.0.1:9"))
    response = client.get(reverse("idporten_login"))
    assert response.url == reverse("login")
    assert said(response) == [str(idporten.UNAVAILABLE)]


def test_logging_out_ends_the_idporten_session_too(browser, member):
    first_login(browser, email=member.email)
    response = browser.log_out()
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "You are logged out of the portal and of ID-porten." in response.content.decode()
    assert logged_in_as(browser.client) is None
    # ID-porten forgot the person too: the next login asks who they are.
    with pytest.raises(AssertionError, match="asked to log in again"):
        browser._at_provider_until_portal(browser.client.get(reverse("idporten_login"))["Location"])


def test_a_password_login_logs_out_of_the_portal_only(client, member, settings):
    settings.IDPORTEN_ENABLED = True
    client.force_login(member)
    response = client.post(reverse("logout"))
    assert response.url == reverse("login")


def test_front_channel_logout_ends_the_portal_session(browser, idp, member):
    first_login(browser, email=member.email)
    sid = json.loads(_payload(idporten.id_token(browser.client.session)))["sid"]
    response = browser.client.get(
        reverse("idporten_frontchannel_logout"), {"iss": "https://elsewhere.example", "sid": sid}
    )
    assert logged_in_as(browser.client) == member  # not from another issuer
    response = Client().get(
        reverse("idporten_frontchannel_logout"), {"iss": idp.issuer, "sid": sid}
    )
    assert response.status_code == 200
    assert "X-Frame-Options" not in response.headers
    assert f"frame-ancestors {idp.issuer}" in response.headers["Content-Security-Policy"]
    assert browser.client.get(reverse("dashboard")).url.startswith(reverse("login"))


def _payload(jwt: str) -> bytes:
    part = jwt.split(".")[1]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def test_the_national_identity_number_is_kept_nowhere(browser, member, caplog):
    first_login(browser, email=member.email)
    browser.client.logout()
    browser.log_in(PID)
    member.refresh_from_db()
    stored = [
        json.dumps(list(User.objects.values()), default=str),
        json.dumps([s.get_decoded() for s in Session.objects.all()], default=str),
        json.dumps(list(LogEntry.objects.values()), default=str),
        json.dumps(dict(browser.client.session), default=str),
        caplog.text,
        "".join(m.body for m in mail.outbox),
    ]
    assert [PID in text for text in stored] == [False] * len(stored)
    assert not any(member.idporten_pid_hash in text for text in stored[2:])  # only the row


def test_the_own_data_export_says_linked_without_the_hash(browser, member):
    first_login(browser, email=member.email)
    member.refresh_from_db()
    with zipfile.ZipFile(export_person(member)) as archive:
        data = archive.read("data.json").decode()
    assert json.loads(data)["account"]["profile"]["linked_to_idporten"] is True
    assert member.idporten_pid_hash not in data


def test_the_hash_is_keyed(settings):
    settings.IDPORTEN_PID_KEY = ""
    from_secret_key = idporten.pid_hash(PID)
    settings.IDPORTEN_PID_KEY = "a-key-of-its-own"
    assert idporten.pid_hash(PID) != from_secret_key
    assert re.fullmatch(r"[0-9a-f]{64}", idporten.pid_hash(PID))


class TestTwoFactor:
    @pytest.fixture(autouse=True)
    def _required(self, settings):
        settings.TWO_FACTOR_REQUIRED = True

    def test_a_caseworker_logging_in_with_idporten_is_not_asked_for_a_code(
        self, browser, another_browser, caseworker
    ):
        first_login(browser, email=caseworker.email)
        assert browser.client.get("/organisations/").status_code == 200
        response = another_browser.log_in(PID, next_url="/organisations/")
        assert response.url == "/organisations/"
        assert another_browser.client.get("/organisations/").status_code == 200

    def test_a_caseworker_logging_in_with_a_password_is_asked_for_a_code(self, client, caseworker):
        client.post(reverse("login"), {"username": caseworker.email, "password": PASSWORD})
        assert client.get("/organisations/").url.startswith(reverse("two_factor"))


def _settings_with(tmp_path, **env) -> subprocess.CompletedProcess:
    """Read the portal's settings in a fresh process with ``env``; prints form-action."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("IDPORTEN_")}
    environment.update(DJANGO_DEBUG="1", PORTAL_VAR_DIR=str(tmp_path), **env)
    code = (
        "from scheme import settings; "
        "print(' '.join(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_switching_idporten_on_lets_logout_forms_go_on_to_idporten(tmp_path):
    """Logging out posts a form that is redirected to ID-porten's end-session address;
    browsers refuse that unless form-action allows ID-porten's origin."""
    assert _settings_with(tmp_path).stdout.split() == ["'self'"]
    result = _settings_with(
        tmp_path,
        IDPORTEN_ENABLED="1",
        IDPORTEN_DISCOVERY_URL="https://test.idporten.no/.well-known/openid-configuration",
        IDPORTEN_CLIENT_ID="id",
        IDPORTEN_CLIENT_SECRET="secret",
    )
    assert result.stdout.split() == ["'self'", "https://test.idporten.no"]


def test_idporten_needs_its_client_to_be_switched_on(tmp_path):
    result = _settings_with(tmp_path, IDPORTEN_ENABLED="1")
    assert result.returncode != 0
    assert "IDPORTEN_CLIENT_ID and IDPORTEN_CLIENT_SECRET" in result.stderr
