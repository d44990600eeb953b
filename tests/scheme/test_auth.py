import re

import pytest
from django.urls import reverse

from tests import factories
from tests.factories import PASSWORD

LOGIN = reverse("login")


@pytest.fixture
def person(db):
    return factories.UserFactory(email="kari@example.org")


def test_log_in_with_the_email_address_in_any_case(client, person):
    response = client.post(LOGIN, {"username": "Kari@Example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_a_wrong_password_gets_a_kind_message_and_keeps_the_address(client, person):
    response = client.post(LOGIN, {"username": "kari@example.org", "password": "feil"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert 'value="kari@example.org"' in response.content.decode()


def test_five_failed_attempts_lock_the_address(client, person):
    for _ in range(5):
        client.post(LOGIN, {"username": "kari@example.org", "password": "feil"})
    response = client.post(LOGIN, {"username": "kari@example.org", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_behind_a_proxy_each_visitor_is_counted_on_their_own_address(client, person, settings):
    settings.PROXY_COUNT = 1
    for _ in range(5):
        client.post(
            LOGIN,
            {"username": "kari@example.org", "password": "feil"},
            HTTP_X_FORWARDED_FOR="198.51.100.7",
        )
    response = client.post(
        LOGIN,
        {"username": "kari@example.org", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="10.0.0.1, 203.0.113.9",
    )
    assert response.status_code == 302


def test_log_out_is_a_post(client, person):
    client.force_login(person)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.url == LOGIN
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email_end_to_end(client, person, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "kari@example.org"})
    assert response.url == reverse("password_reset_done")
    [message] = mailoutbox
    link = re.search(r"https?://[^/]+(/account/reset/\S+/)", message.body).group(1)
    response = client.get(link, follow=True)
    assert response.context["validlink"]
    new = "a-new-long-password-2024"
    response = client.post(
        response.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert response.url == reverse("password_reset_complete")
    person.refresh_from_db()
    assert person.check_password(new)


def test_password_reset_for_an_unknown_address_reveals_nothing(client, db, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "ingen@example.org"})
    assert response.url == reverse("password_reset_done")
    assert mailoutbox == []


def test_password_change_keeps_input_on_error(client, person):
    client.force_login(person)
    response = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
    )
    assert response.status_code == 200
    assert {"old_password", "new_password2"} <= set(response.context["form"].errors)


def test_password_change(client, person):
    client.force_login(person)
    new = "another-long-password-2024"
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.url == reverse("password_change_done")


def test_the_account_form_validates_and_keeps_input(client, person):
    client.force_login(person)
    response = client.post(reverse("account"), {"full_name": "", "phone": "123", "language": "xx"})
    assert {"full_name", "language"} <= set(response.context["form"].errors)
    assert 'value="123"' in response.content.decode()


def test_the_language_switch_works_before_logging_in(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    response = client.get(LOGIN)
    assert '<html lang="en">' in response.content.decode()


def test_norwegian_is_the_default_language(client, db):
    assert '<html lang="nb">' in client.get(LOGIN).content.decode()


def test_security_headers(client, db):
    response = client.get(LOGIN)
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_new_password_lifts_the_lock_out(client, person, mailoutbox):
    for _ in range(5):
        client.post(LOGIN, {"username": "kari@example.org", "password": "feil"})
    assert (
        client.post(LOGIN, {"username": "kari@example.org", "password": PASSWORD}).status_code
        == 429
    )
    client.post(reverse("password_reset"), {"email": "kari@example.org"})
    link = re.search(r"https?://[^/]+(/account/reset/\S+/)", mailoutbox[-1].body).group(1)
    response = client.get(link, follow=True)
    new = "a-new-long-password-2024"
    client.post(response.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    response = client.post(LOGIN, {"username": "kari@example.org", "password": new})
    assert response.status_code == 302


# --- login throttling ------------------------------------------------------------------------


def fail(client, username, address="192.0.2.1"):
    return attempt(client, username, "feil", address)


def log_in(client, username, address="192.0.2.1"):
    return attempt(client, username, PASSWORD, address)


def attempt(client, username, password, address):
    """A login from ``address``, read in English."""
    return client.post(
        LOGIN,
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_failures_count_for_the_address_whatever_its_case(client, person):
    for spelling in ["kari@example.org", "Kari@example.org", "KARI@EXAMPLE.ORG"]:
        fail(client, spelling)
        fail(client, f" {spelling.swapcase()}")
    assert log_in(client, "Kari@Example.ORG").status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_success_with_another_spelling_does_not_lift_the_lock(client, person):
    for _ in range(5):
        fail(client, "kari@example.org")
    assert log_in(client, "KARI@example.org").status_code == 429
    assert log_in(client, "kari@example.org").status_code == 429
    assert "_auth_user_id" not in client.session


def test_one_account_attacked_from_many_addresses_is_locked(client, person):
    for n in range(20):
        fail(client, "kari@example.org", address=f"198.51.100.{n}")
    response = log_in(client, "kari@example.org", address="203.0.113.5")
    assert response.status_code == 429
    assert reverse("password_reset") in response.content.decode()
    other = factories.UserFactory(email="ola@example.org")
    assert log_in(client, other.email, address="203.0.113.5").status_code == 302


def test_one_address_spraying_many_accounts_is_locked(client, person):
    for n in range(30):
        fail(client, f"person{n}@example.org", address="198.51.100.9")
    response = log_in(client, "kari@example.org", address="198.51.100.9")
    assert response.status_code == 429
    assert "from your network" in response.content.decode()
    assert log_in(client, "kari@example.org", address="203.0.113.5").status_code == 302


def test_logging_in_to_ones_own_account_keeps_what_was_tried_against_others(client, person):
    attacker = factories.UserFactory(email="mallory@example.org")
    for n in range(29):
        fail(client, f"person{n}@example.org", address="198.51.100.9")
    assert log_in(client, attacker.email, address="198.51.100.9").status_code == 302
    client.post(reverse("logout"))
    assert fail(client, "kari@example.org", address="198.51.100.9").status_code == 429


def test_the_lock_out_page_says_what_to_do(client, person):
    for _ in range(5):
        fail(client, "kari@example.org")
    page = log_in(client, "kari@example.org").content.decode()
    assert "Wait 60 minutes after the last attempt" in page
    assert "choose a new password: that lifts the stop at once" in page


# --- passwords ---------------------------------------------------------------------------------


def test_a_password_needs_twelve_characters(client, person):
    client.force_login(person)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "kxq-vbn-wrt", "new_password2": "kxq-vbn-wrt"},
    )
    assert "at least 12 characters" in str(response.context["form"].errors["new_password2"])
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "kxq-vbn-wrtz",
            "new_password2": "kxq-vbn-wrtz",
        },
    )
    assert response.url == reverse("password_change_done")


def test_password_reset_mails_are_limited_per_address(client, person, mailoutbox):
    responses = [
        client.post(reverse("password_reset"), {"email": "Kari@example.org"}, REMOTE_ADDR=address)
        for address in ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"]
    ]
    assert len(mailoutbox) == 3
    assert {(r.status_code, r.url) for r in responses} == {(302, reverse("password_reset_done"))}


def test_password_reset_mails_are_limited_per_client(client, db, mailoutbox):
    people = [factories.UserFactory() for _ in range(11)]
    responses = [
        client.post(reverse("password_reset"), {"email": p.email}, REMOTE_ADDR="192.0.2.7")
        for p in people
    ]
    assert len(mailoutbox) == 10
    assert {(r.status_code, r.url) for r in responses} == {(302, reverse("password_reset_done"))}
    client.post(reverse("password_reset"), {"email": people[-1].email}, REMOTE_ADDR="192.0.2.8")
    assert len(mailoutbox) == 11


def test_every_response_has_a_permissions_policy(client, person):
    client.force_login(person)
    for response in [client.get(LOGIN), client.get("/no-such-page/"), client.get("/")]:
        policy = response["Permissions-Policy"]
        for feature in ["camera", "microphone", "geolocation", "payment", "usb"]:
            assert f"{feature}=()" in policy
