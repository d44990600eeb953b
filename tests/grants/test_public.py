"""The grants pages open to everyone: the open calls and the grants awarded, with their CSV
and JSON downloads. A call by invitation never shows; no person is ever named; the pages may
be cached by anyone for anonymous visitors and stay flat in queries however long the list."""

import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from grants import services
from organisations.models import Organisation
from tests import factories

TODAY = timezone.localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def open_call(caseworker, scheme_year):
    return services.save_round(
        caseworker,
        scheme_year=scheme_year,
        title="Åpen utlysning",
        kind="open",
        opens_on=days(-5),
        closes_on=days(25),
        guidance="Søk om driftsmidler til frivillig arbeid.",
    )


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


# --- calls -----------------------------------------------------------------------------------


def test_an_open_call_has_a_public_page_with_what_an_applicant_needs(client, open_call):
    year = open_call.scheme_year
    response = client.get(reverse("grants:public_call", args=[open_call.pk]))
    assert response.status_code == 200
    page = response.text
    for words in (
        "Åpen utlysning",
        "Open now.",
        year.scheme.name,
        "110,000",  # the year's maximum grant, in English
        "per organisation",
        "Søk om driftsmidler til frivillig arbeid.",
        "registered in Frivillighetsregisteret by the deadline",
        "founded less than 5 years before the deadline",
        f"IMDi or a municipality in {days(25).year - 1}–{days(25).year}",
        "Mål 1",  # a goal
        "Meld fra om endringer.",  # an award condition
        "How to apply",
        f'href="{reverse("login")}"',
        f'href="{reverse("scheme_public", args=[year.scheme.slug])}"',
    ):
        assert words in page, words


def test_a_call_by_invitation_is_invisible_to_the_public(client, call, member):
    """``call`` is by invitation (and invites ``member``'s organisation): its public page
    answers 404 to visitors and to the invited alike, and no public page lists it."""
    url = reverse("grants:public_call", args=[call.pk])
    assert client.get(url).status_code == 404
    client.force_login(member)
    assert client.get(url).status_code == 404
    client.logout()
    for page in (
        reverse("landing"),
        reverse("grants:public_calls"),
        reverse("scheme_public", args=[call.scheme_year.scheme.slug]),
    ):
        assert call.title not in client.get(page).text, page


def test_a_call_is_announced_eight_weeks_before_it_opens(client, caseworker, scheme_year):
    soon = a_call(caseworker, scheme_year, "Snart åpen", days(56), days(80))
    later = a_call(caseworker, scheme_year, "Åpner senere", days(57), days(80))
    assert client.get(reverse("grants:public_call", args=[later.pk])).status_code == 404
    response = client.get(reverse("grants:public_call", args=[soon.pk]))
    assert response.status_code == 200
    assert f"Opens on {days(56):%d.%m.%Y}." in response.text
    listing = client.get(reverse("grants:public_calls")).text
    assert "Snart åpen" in listing and "Åpner senere" not in listing


def test_past_calls_stay_as_history(client, caseworker, scheme_year, open_call):
    past = a_call(caseworker, scheme_year, "Fjorårets utlysning", days(-400), days(-340))
    response = client.get(reverse("grants:public_call", args=[past.pk]))
    assert f"Closed on {days(-340):%d.%m.%Y}." in response.text
    assert "How to apply" not in response.text
    awarded = f"{reverse('grants:awarded')}?scheme={scheme_year.scheme.slug}&amp;year="
    assert awarded in response.text
    listing = client.get(reverse("grants:public_calls")).text
    current, earlier = listing.split('id="past-heading"')
    assert "Åpen utlysning" in current and "Fjorårets utlysning" in earlier


def test_a_continuation_call_says_it_is_for_those_already_in_the_scheme(
    client, caseworker, scheme_year
):
    call = a_call(caseworker, scheme_year, "Videreføring", days(-1), days(10))
    services.save_round(caseworker, call, continuation=True)
    page = client.get(reverse("grants:public_call", args=[call.pk])).text
    assert "Organisations already taking part in the scheme." in page
    assert "Frivillighetsregisteret" not in page


def test_the_call_pages_take_few_queries_however_many_calls(
    client, caseworker, scheme_year, django_assert_max_num_queries
):
    for number in range(40):
        start = days(-30 * number - 10)
        a_call(caseworker, scheme_year, f"Utlysning {number}", start, start + datetime.timedelta(5))
    current = a_call(caseworker, scheme_year, "Nå", days(-1), days(10))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("grants:public_calls")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("grants:public_call", args=[current.pk])).status_code == 200


# --- awarded grants --------------------------------------------------------------------------


@pytest.fixture
def awards(scheme_year):
    """Two years of awards in one scheme and one in another scheme, each named by a leader
    and with contact details that must never show."""
    earlier = factories.SchemeYearFactory(scheme=scheme_year.scheme, year=scheme_year.year - 1)
    elsewhere = factories.SchemeYearFactory(year=scheme_year.year)
    rows = [
        (scheme_year, "Alfa forening", "Bergen", Decimal("95000")),
        (scheme_year, "Beta kvinnenettverk", "Tromsø", Decimal("110000.50")),
        (earlier, "Gamma ungdom", "Oslo", Decimal("80000")),
        (elsewhere, "Delta kulturlag", "Drammen", Decimal("50000")),
    ]
    made = []
    for year, name, municipality, amount in rows:
        organisation = factories.OrganisationFactory(
            name=name, municipality=municipality, email="styret@lag.example", phone="+47 912 34 567"
        )
        factories.member_of(
            organisation, full_name=f"Leder av {name}", email=f"leder@{name[:4]}.no"
        )
        made.append(factories.awarded(year, organisation, amount=amount))
    return made


def test_the_awarded_grants_list_names_organisations_amounts_schemes_and_years(client, awards):
    response = client.get(reverse("grants:awarded"))
    assert response.status_code == 200
    page = response.text
    beta = Organisation.objects.get(name="Beta kvinnenettverk")
    for words in ("Beta kvinnenettverk", beta.org_number_display, "Tromsø", "110,000.50"):
        assert words in page
    assert "4 grants" in page
    assert page.index("Alfa forening") < page.index("Gamma ungdom")  # the newest year first
    assert "Leder av" not in page and "leder@" not in page
    assert "styret@lag.example" not in page and "912 34 567" not in page


def test_the_list_is_filtered_by_scheme_and_year(client, awards, scheme_year):
    slug = scheme_year.scheme.slug
    page = client.get(reverse("grants:awarded"), {"scheme": slug}).text
    assert "3 grants" in page and "Delta kulturlag" not in page
    page = client.get(reverse("grants:awarded"), {"scheme": slug, "year": scheme_year.year}).text
    assert "2 grants" in page and "Gamma ungdom" not in page
    csv_link = f'{reverse("grants:awarded_csv")}?scheme={slug}&amp;year={scheme_year.year}"'
    assert csv_link in page


def test_an_unknown_scheme_or_year_is_said_on_the_page_and_refused_as_a_download(client, awards):
    page = client.get(reverse("grants:awarded"), {"scheme": "finnes-ikke"}).text
    assert "Select a valid choice" in page
    response = client.get(reverse("grants:awarded_csv"), {"year": "1999"})
    assert response.status_code == 400
    assert "year" in response.text
    response = client.get(reverse("grants:awarded_json"), {"scheme": "finnes-ikke"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"scheme"}


def test_the_csv_is_for_norwegian_spreadsheets(client, awards, scheme_year):
    response = client.get(reverse("grants:awarded_csv"), {"year": scheme_year.year})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="awarded-grants-{scheme_year.year}.csv"'
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "Organisation;Organisation number;Municipality;Amount awarded;Scheme;Year;Demo data"
    )
    beta = Organisation.objects.get(name="Beta kvinnenettverk")
    assert (
        f"Beta kvinnenettverk;{beta.org_number};Tromsø;110000,50;{scheme_year.scheme.name};"
        f"{scheme_year.year};no"
    ) in lines
    assert len(lines) == 1 + 3  # this year, both schemes
    assert "leder@" not in response.content.decode("utf-8-sig")


def test_the_json_has_the_same_rows(client, awards, scheme_year):
    slug = scheme_year.scheme.slug
    response = client.get(reverse("grants:awarded_json"), {"scheme": slug})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data["scheme"] == slug and data["year"] is None and data["count"] == 3
    beta = Organisation.objects.get(name="Beta kvinnenettverk")
    assert data["awards"][1] == {
        "organisation": "Beta kvinnenettverk",
        "organisation_number": beta.org_number,
        "municipality": "Tromsø",
        "amount": "110000.50",
        "currency": "NOK",
        "scheme": scheme_year.scheme.name,
        "year": scheme_year.year,
        "demo": False,
    }
    assert "leder@" not in response.text and "styret@" not in response.text


def test_demo_organisations_are_marked_as_fictional(client, scheme_year):
    factories.awarded(scheme_year, factories.OrganisationFactory(name="Påfunnet lag", is_demo=True))
    page = client.get(reverse("grants:awarded")).text
    assert "Organisations marked “demo” are fictional" in page
    assert '<span class="badge text-bg-secondary">demo</span>' in page
    assert json.loads(client.get(reverse("grants:awarded_json")).content)["awards"][0]["demo"]


@pytest.mark.parametrize(
    "url_name", ["grants:awarded", "grants:awarded_csv", "grants:awarded_json"]
)
def test_the_awarded_grants_take_the_same_few_queries_for_many(
    client, scheme_year, url_name, django_assert_max_num_queries
):
    """Sixty awards over three years: more than a page (50). The page costs the same few
    queries as for one award, and the downloads one query for all the rows."""
    factories.awarded(scheme_year, factories.OrganisationFactory())
    query = {"scheme": scheme_year.scheme.slug}
    with django_assert_max_num_queries(12) as few:
        assert client.get(reverse(url_name), query).status_code == 200
    years = [factories.SchemeYearFactory(scheme=scheme_year.scheme, year=y) for y in (2020, 2021)]
    for number in range(59):
        year = (scheme_year, *years)[number % 3]
        factories.awarded(year, factories.OrganisationFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse(url_name), query)
    if url_name == "grants:awarded":
        assert "60 grants" in response.text and "Page 1 of 2" in response.text


# --- caching -------------------------------------------------------------------------------


PUBLIC_PAGES = [
    "grants:public_calls",
    "grants:awarded",
    "grants:awarded_csv",
    "grants:awarded_json",
]


@pytest.mark.parametrize("url_name", PUBLIC_PAGES)
def test_anonymous_visitors_get_a_page_any_cache_may_keep(client, db, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert set(response["Cache-Control"].split(", ")) == {"public", "max-age=300"}
    assert {"Cookie", "Accept-Language"} <= set(response["Vary"].split(", "))


@pytest.mark.parametrize("url_name", PUBLIC_PAGES)
def test_a_logged_in_visitor_gets_a_private_page(client, member, url_name):
    client.force_login(member)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert set(response["Cache-Control"].split(", ")) == {"private", "no-cache"}
    assert "Cookie" in response["Vary"]


def test_the_pages_are_in_norwegian_by_default(client, open_call, settings):
    settings.LANGUAGE_CODE = "nb"
    page = client.get(reverse("grants:public_call", args=[open_call.pk])).text
    assert "Slik søker dere" in page
    assert "110\xa0000\xa0kr per organisasjon" in page
