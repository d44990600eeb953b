"""The front door: the landing page and each scheme's public page, open without login. They
gather what the apps offer the public (the grants app's calls and awarded grants), show no
personal data, take few queries and may be cached by anyone for anonymous visitors."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from grants import services
from scheme.models import AwardCondition, Goal
from scheme.public import public_page
from scheme.roles import MemberRole
from tests import factories

TODAY = timezone.localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def scheme_year(db):
    year = factories.SchemeYearFactory(
        year=TODAY.year,
        scheme__name="Tilskudd til små organisasjoner",
        scheme__purpose="Styrke små, nye organisasjoner på integreringsfeltet.",
        scheme__administrator__name="Direktoratet",
        scheme__administrator__email="post@direktoratet.example",
        max_grant=Decimal("110000"),
    )
    Goal.objects.create(scheme=year.scheme, number=1, text_nb="Mål", text_en="Stronger boards")
    AwardCondition.objects.create(
        scheme=year.scheme, position=1, code="report", text_nb="Rapport", text_en="Report on time"
    )
    return year


@pytest.fixture
def caseworker(scheme_year):
    return factories.caseworker(scheme_year.scheme.administrator)


def a_call(caseworker, scheme_year, title, opens, closes, kind="open"):
    return services.save_round(
        caseworker,
        scheme_year=scheme_year,
        title=title,
        kind=kind,
        opens_on=opens,
        closes_on=closes,
        guidance="-",
    )


@pytest.fixture
def calls(caseworker, scheme_year):
    return {
        "open": a_call(caseworker, scheme_year, "Åpen nå", days(-3), days(30)),
        "soon": a_call(caseworker, scheme_year, "Åpner snart", days(20), days(50)),
        "past": a_call(caseworker, scheme_year, "Stengt", days(-90), days(-60)),
        "invited": a_call(caseworker, scheme_year, "Bare inviterte", days(-3), days(30), "closed"),
    }


def test_a_visitor_reads_the_open_calls_and_how_to_apply(client, calls, scheme_year):
    response = client.get(reverse("landing"))
    assert response.status_code == 200
    page = response.text
    for words in (
        "Åpen nå",
        "Open now.",
        f"Send the application by {days(30):%d.%m.%Y}.",
        "Åpner snart",
        f"Opens on {days(20):%d.%m.%Y}.",
        "Tilskudd til små organisasjoner",  # the scheme
        "Every voluntary organisation that meets the criteria",  # who may apply
        "NOK\xa0110,000 per organisation",
        "registered in Frivillighetsregisteret",  # the criteria
        "Stronger boards",  # the goals, in English
        "Report on time",  # the conditions
        "How to apply",
        f'href="{reverse("login")}"',
        f'href="{reverse("grants:public_call", args=[calls["open"].pk])}"',
        f'href="{reverse("scheme_public", args=[scheme_year.scheme.slug])}"',
        f'href="{reverse("grants:awarded")}"',
    ):
        assert words in page, words
    assert "Stengt" not in page  # past calls are on the list of calls and the scheme's page
    assert "Bare inviterte" not in page  # a call by invitation never shows


def test_the_landing_page_says_when_no_call_is_open(client, scheme_year):
    page = client.get(reverse("landing")).text
    assert "No call is open right now." in page
    assert "How to apply" in page


def test_only_running_schemes_are_listed(client, scheme_year):
    ended = factories.SchemeFactory(name="Avsluttet ordning", is_active=False)
    page = client.get(reverse("landing")).text
    assert scheme_year.scheme.name in page
    assert "Avsluttet ordning" not in page
    assert client.get(reverse("scheme_public", args=[ended.slug])).status_code == 200


def test_the_landing_page_takes_few_queries_however_many_calls(
    client, caseworker, scheme_year, django_assert_max_num_queries
):
    for number in range(15):
        other = factories.SchemeYearFactory(
            year=TODAY.year, scheme__administrator=scheme_year.scheme.administrator
        )
        Goal.objects.create(scheme=other.scheme, number=1, text_nb="Mål")
        a_call(caseworker, other, f"Utlysning {number}", days(-1), days(10 + number))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("landing"))
    assert response.text.count('class="card mb-3"') == 15


def test_someone_logged_in_goes_on_to_their_overview(client, member):
    client.force_login(member)
    response = client.get(reverse("landing"))
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert set(response["Cache-Control"].split(", ")) == {"private", "no-cache"}


def test_anonymous_visitors_get_a_page_any_cache_may_keep_per_language(client, scheme_year):
    for url in (reverse("landing"), reverse("scheme_public", args=[scheme_year.scheme.slug])):
        response = client.get(url)
        assert set(response["Cache-Control"].split(", ")) == {"public", "max-age=300"}, url
        assert {"Cookie", "Accept-Language"} <= set(response["Vary"].split(", ")), url


def test_a_public_page_sets_no_cookie_so_a_shared_cache_can_keep_it(client, calls):
    """Nothing on a public page hands the visitor a cookie: the language switch in the header
    posts without a CSRF token (switching language needs none)."""
    response = client.get(reverse("landing"))
    assert not response.cookies
    assert "csrfmiddlewaretoken" not in response.text


def test_the_language_switch_needs_no_csrf_token(db, settings):
    settings.LANGUAGE_CODE = "nb"
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="en">' in client.get(reverse("landing")).text


def test_a_public_page_with_a_form_token_is_not_shared(rf):
    """Should a public page ever carry a form with a CSRF token, its response hands the
    visitor a cookie: that page is for this visitor only."""
    view = public_page(lambda request: HttpResponse(get_token(request)))
    request = rf.get("/")
    request.user = AnonymousUser()
    response = view(request)
    assert set(response["Cache-Control"].split(", ")) == {"private", "no-cache"}


def test_a_page_with_a_message_for_one_visitor_is_not_shared(client, member):
    """Deactivating an account ends on the landing page with "you are logged out": that page
    is for this visitor only."""
    client.force_login(member)
    response = client.post(
        reverse("deactivate_account"),
        {"password": factories.PASSWORD, "leaving_leaderless": "on"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("landing")
    assert "You are logged out." in response.text
    assert set(response["Cache-Control"].split(", ")) == {"private", "no-cache"}


# --- a scheme's public page ------------------------------------------------------------------


def test_a_scheme_has_a_public_page(client, calls, scheme_year):
    earlier = factories.SchemeYearFactory(scheme=scheme_year.scheme, year=TODAY.year - 1)
    for amount in (Decimal("95000"), Decimal("105000")):
        factories.awarded(earlier, factories.OrganisationFactory(), amount=amount)
    response = client.get(reverse("scheme_public", args=[scheme_year.scheme.slug]))
    assert response.status_code == 200
    page = response.text
    for words in (
        "Tilskudd til små organisasjoner",
        "Administered by Direktoratet",
        'href="mailto:post@direktoratet.example"',
        "Styrke små, nye organisasjoner på integreringsfeltet.",
        f"The rules for {TODAY.year}",
        "NOK\xa0110,000",
        "Stronger boards",
        "Report on time",
        "Åpen nå",
        "Åpner snart",
        "Stengt",  # past calls as history
        f"Closed on {days(-60):%d.%m.%Y}.",
        f"?scheme={scheme_year.scheme.slug}&amp;year={TODAY.year - 1}",  # awarded that year
        "NOK\xa0200,000",  # their total
    ):
        assert words in page, words
    assert "Bare inviterte" not in page


def test_an_unknown_scheme_answers_404(client, db):
    assert client.get(reverse("scheme_public", args=["finnes-ikke"])).status_code == 404


def test_a_scheme_page_names_no_person(client, scheme_year, caseworker):
    organisation = factories.OrganisationFactory(name="Lag med tilskudd")
    factories.member_of(organisation, MemberRole.LEADER, full_name="Kari Leder")
    factories.awarded(scheme_year, organisation)
    page = client.get(reverse("scheme_public", args=[scheme_year.scheme.slug])).text
    assert "Kari Leder" not in page and caseworker.full_name not in page
    assert caseworker.email not in page


def test_a_scheme_page_takes_few_queries(client, calls, scheme_year, django_assert_max_num_queries):
    for year in range(2015, 2024):
        scheme_year_then = factories.SchemeYearFactory(scheme=scheme_year.scheme, year=year)
        for _number in range(3):
            factories.awarded(scheme_year_then, factories.OrganisationFactory())
    with django_assert_max_num_queries(12):
        response = client.get(reverse("scheme_public", args=[scheme_year.scheme.slug]))
    assert response.status_code == 200


# --- the footer ------------------------------------------------------------------------------


@pytest.mark.parametrize("logged_in", [False, True])
def test_every_page_gives_the_contact_address_and_the_public_pages(
    client, member, settings, logged_in
):
    settings.PRIVACY_CONTACT_EMAIL = "kontakt@direktoratet.example"
    if logged_in:
        client.force_login(member)
    response = client.get(reverse("landing"), follow=True)
    footer = response.text.split('<footer class="portal-footer">', 1)[1]
    assert 'href="mailto:kontakt@direktoratet.example"' in footer
    assert f'href="{reverse("grants:public_calls")}"' in footer
    assert f'href="{reverse("grants:awarded")}"' in footer


def test_the_landing_page_is_in_norwegian_by_default(client, settings, calls):
    settings.LANGUAGE_CODE = "nb"
    page = client.get(reverse("landing")).text
    assert "Slik søker dere" in page
    assert "Åpne utlysninger" in page
    assert "110\xa0000\xa0kr per organisasjon" in page
