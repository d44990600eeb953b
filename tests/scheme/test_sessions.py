"""Sessions end when the browser closes and after a time without use: sooner for staff."""

import time

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scheme.auth import LAST_ACTIVITY
from tests.factories import PASSWORD

DASHBOARD = reverse("dashboard")


def log_in(client, user):
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(DASHBOARD).status_code == 200


def idle_for(client, minutes):
    session = client.session
    session[LAST_ACTIVITY] = int(time.time()) - minutes * 60
    session.save()


def test_the_session_cookie_ends_with_the_browser(client, member):
    response = client.post(reverse("login"), {"username": member.email, "password": PASSWORD})
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""


def test_a_caseworker_is_logged_out_after_an_idle_hour_and_told_why(client, caseworker):
    log_in(client, caseworker)
    idle_for(client, 59)
    assert client.get(DASHBOARD).status_code == 200
    idle_for(client, 61)
    response = client.get(DASHBOARD, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert response.redirect_chain[-1][0] == f"{reverse('login')}?next={DASHBOARD}"
    assert "_auth_user_id" not in client.session
    assert "not used for 60 minutes" in response.content.decode()


def test_admins_have_the_short_limit_too(client, admin_user):
    log_in(client, admin_user)
    idle_for(client, 61)
    assert client.get(DASHBOARD).status_code == 302


def test_others_keep_a_longer_limit(client, member):
    log_in(client, member)
    idle_for(client, 61)
    assert client.get(DASHBOARD).status_code == 200
    idle_for(client, 241)
    response = client.get(DASHBOARD, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "not used for 240 minutes" in response.content.decode()


def test_the_staff_limit_is_a_setting(client, caseworker, settings):
    settings.SESSION_IDLE_MINUTES_STAFF = 20
    log_in(client, caseworker)
    idle_for(client, 21)
    assert client.get(DASHBOARD).status_code == 302


def session_writes(queries):
    return [
        q["sql"]
        for q in queries
        if "django_session" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]


def test_the_last_activity_is_written_at_most_once_a_minute(client, member):
    client.force_login(member)  # logging in counts as activity: the first page writes nothing
    with CaptureQueriesContext(connection) as queries:
        client.get(DASHBOARD)
    assert session_writes(queries) == []
    for seconds_since, writes in [(5, 0), (59, 0), (61, 1)]:
        session = client.session
        session[LAST_ACTIVITY] = int(time.time()) - seconds_since
        session.save()
        with CaptureQueriesContext(connection) as queries:
            client.get(DASHBOARD)
        assert len(session_writes(queries)) == writes
