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
