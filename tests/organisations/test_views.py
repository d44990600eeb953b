import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from organisations.models import CompetenceArea, Language, Organisation, TargetGroup
from tests import factories, querycount

LIST = reverse("organisations:list")


def make_organisations(n, **fields):
    groups = [factories.TargetGroupFactory(code=f"g{i}") for i in range(3)]
    organisations = factories.OrganisationFactory.create_batch(n, **fields)
    for organisation in organisations:
        organisation.target_groups.set(groups)
    return organisations


def count_queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries), queries


def test_the_list_needs_the_same_queries_for_10_and_200_organisations(client, caseworker):
    client.force_login(caseworker)
    make_organisations(10)
    client.get(LIST)  # the session and the unread count are cached from here on
    few, _ = count_queries(client, LIST)
    make_organisations(190)
    many, queries = count_queries(client, LIST)
    assert few == many, "\n".join(q["sql"] for q in queries.captured_queries)
    assert many <= 10, "\n".join(q["sql"] for q in queries.captured_queries)


def test_filtered_list_stays_under_a_dozen_queries(
    client, caseworker, django_assert_max_num_queries
):
    client.force_login(caseworker)
    matching = make_organisations(60, county="50")
    make_organisations(5, county="03")  # the target group, another county
    factories.OrganisationFactory.create_batch(5, county="50")  # the county, no target group
    group = matching[0].target_groups.get(code="g1")
    with django_assert_max_num_queries(10):
        response = client.get(LIST, {"county": "50", "target_group": group.pk, "order": "-founded"})
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == len(matching)
    assert {o.pk for o in page.object_list} <= {o.pk for o in matching}


def test_a_row_shows_the_organisation_as_its_profile_names_it(client, caseworker):
    client.force_login(caseworker)
    organisation = factories.OrganisationFactory(
        name="Radet", kind="mentor", municipality="Bodø", county="18", is_demo=True
    )
    organisation.target_groups.set(
        [
            factories.TargetGroupFactory(code="b", name_nb="Barn", name_en="Children"),
            factories.TargetGroupFactory(code="a", name_nb="Eldre", name_en="Elderly"),
        ]
    )
    factories.OrganisationFactory(name="Uten fylke", municipality="", county="")
    page = client.get(LIST, {"order": "name"}).content.decode()
    row = re.search(r"<tr>\s*<td><a href=\"([^\"]+)\">Radet</a>.*?</tr>", page, re.S)
    assert row[1] == reverse("organisations:detail", args=[organisation.pk])
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row[0], re.S)
    assert cells[1:] == [
        organisation.org_number_display,
        organisation.get_kind_display(),
        "Bodø, Nordland",
        "2020",
        "Barn, Eldre",
    ]
    assert "demo</span>" in cells[0]
    bare = re.search(r">Uten fylke</a>.*?</tr>", page, re.S)[0]
    assert re.findall(r"<td[^>]*>(.*?)</td>", bare, re.S)[2:4] == ["", "2020"]


def test_the_list_is_paginated(client, caseworker):
    client.force_login(caseworker)
    make_organisations(30)
    response = client.get(LIST)
    assert len(response.context["page"].object_list) == 25
    assert response.context["page"].paginator.count == 31  # and the caseworker's own body


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "mentor"}, {"Mentor"}),
        ({"county": "46"}, {"Bergen"}),
        ({"founded_year": "2021"}, {"Bergen"}),
        ({"q": "berg"}, {"Bergen"}),
        ({"q": "tron"}, {"Trondheim"}),
    ],
)
def test_filters(client, caseworker, params, expected):
    factories.OrganisationFactory(name="Mentor", kind="mentor", founded=None)
    factories.OrganisationFactory(name="Bergen", county="46", founded="2021-02-02")
    factories.OrganisationFactory(name="Trondheim", county="50", founded="2019-02-02")
    client.force_login(caseworker)
    response = client.get(LIST, params)
    assert {o.name for o in response.context["page"]} == expected


def test_search_by_organisation_number_with_spaces(client, caseworker):
    organisation = factories.OrganisationFactory(name="Nummeret")
    client.force_login(caseworker)
    typed = organisation.org_number_display  # "NNN NNN NNN"
    response = client.get(LIST, {"q": typed})
    assert [o.name for o in response.context["page"]] == ["Nummeret"]


def test_the_list_can_be_sorted(client, caseworker):
    factories.OrganisationFactory(name="Eldst", founded="2018-01-01")
    factories.OrganisationFactory(name="Yngst", founded="2021-01-01")
    client.force_login(caseworker)
    response = client.get(LIST, {"order": "-founded", "kind": "participant"})
    assert [o.name for o in response.context["page"]][:2] == ["Yngst", "Eldst"]


def test_a_member_edits_the_profile_and_sees_it(client, member, participant):
    group = factories.TargetGroupFactory()
    client.force_login(member)
    response = client.post(
        reverse("organisations:edit", args=[participant.pk]),
        {
            "name": participant.name,
            "description": "Leksehjelp for barn.",
            "target_groups": [group.pk],
            "in_voluntary_register": "true",
            "member_based": "",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Leksehjelp for barn." in response.content.decode()
    participant.refresh_from_db()
    assert participant.in_voluntary_register is True
    assert participant.member_based is None
    assert list(participant.target_groups.all()) == [group]


def test_bad_input_is_explained_per_field_and_the_input_is_kept(client, member, participant):
    client.force_login(member)
    response = client.post(
        reverse("organisations:edit", args=[participant.pk]),
        {
            "name": participant.name,
            "description": "Dette skal ikke gå tapt.",
            "postal_code": "12",
            "website": "ikke en adresse",
            "members_count": "5",
            "paying_members_count": "9",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"postal_code", "website", "paying_members_count"}
    assert "Dette skal ikke gå tapt." in response.content.decode()
    participant.refresh_from_db()
    assert participant.description == ""


def test_a_caseworker_registers_an_organisation(client, caseworker):
    client.force_login(caseworker)
    number = factories.OrganisationFactory.build().org_number
    response = client.post(
        reverse("organisations:create"),
        {"kind": "participant", "org_number": f"{number[:3]} {number[3:6]} {number[6:]}",
         "name": "Ny forening"},
    )  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors
    organisation = Organisation.objects.get(name="Ny forening")
    assert organisation.org_number == number
    assert response.url == reverse("organisations:detail", args=[organisation.pk])


def test_a_wrong_organisation_number_gets_a_clear_message(client, caseworker):
    client.force_login(caseworker)
    response = client.post(
        reverse("organisations:create"),
        {"kind": "participant", "org_number": "974760674", "name": "Feil"},
    )
    assert "org_number" in response.context["form"].errors
    assert not Organisation.objects.filter(name="Feil").exists()


def test_a_duplicate_organisation_number_is_refused(client, caseworker, participant):
    client.force_login(caseworker)
    response = client.post(
        reverse("organisations:create"),
        {"kind": "participant", "org_number": participant.org_number, "name": "Kopi"},
    )
    assert "org_number" in response.context["form"].errors


def test_the_list_editor_keeps_rows_on_error(client, member, participant):
    client.force_login(member)
    response = client.post(
        reverse("organisations:parts", args=[participant.pk, "activities"]),
        {
            "activities-TOTAL_FORMS": "1",
            "activities-INITIAL_FORMS": "0",
            "activities-0-name": "Fotball",
            "activities-0-frequency": "",
        },
    )
    assert response.status_code == 200
    assert "Fotball" in response.content.decode()
    assert not participant.activities.exists()


def test_the_caseworker_sees_the_eligibility_check_on_the_profile(
    client, caseworker, participant, scheme_year
):
    client.force_login(caseworker)
    response = client.get(
        reverse("organisations:detail", args=[participant.pk]), {"year": scheme_year.pk}
    )
    assert response.context["eligibility"].reference_date.year == 2022
    assert len(response.context["eligibility"].criteria) == 4


def test_members_do_not_see_the_eligibility_check(client, member, participant, scheme_year):
    client.force_login(member)
    response = client.get(reverse("organisations:detail", args=[participant.pk]))
    assert "eligibility" not in response.context


def test_a_leader_invites_through_the_page(client, member, participant, mailoutbox):
    client.force_login(member)
    people = reverse("organisations:people", args=[participant.pk])
    response = client.post(
        people, {"email": "kollega@example.org", "full_name": "Kollega", "role": "contact"}
    )
    assert response.status_code == 302
    assert participant.memberships.count() == 1  # nothing granted before the answer
    page = client.get(people).content.decode()
    assert "kollega@example.org" in page  # listed under invitations


def test_an_invalid_email_keeps_the_typed_name(client, member, participant):
    client.force_login(member)
    response = client.post(
        reverse("organisations:people", args=[participant.pk]),
        {"email": "ikke-epost", "full_name": "Kari Nordmann", "role": "contact"},
    )
    assert "email" in response.context["form"].errors
    assert "Kari Nordmann" in response.content.decode()


def fill_profile(organisation, start, end):
    """Rows ``start``..``end`` of every list the profile shows."""
    for i in range(start, end):
        organisation.activities.create(name=f"Aktivitet {i}", frequency="weekly")
        organisation.branches.create(
            name=f"Lag {i}", municipality="Oslo", founded=datetime.date(2015, 3, 1)
        )
        organisation.collaborations.create(
            partner_kind="municipality", partner_name=f"K {i}", since=datetime.date(2019, 1, 1)
        )
        organisation.previous_applications.create(
            year=2020 - i, grantor="imdi", amount=Decimal("45000.50"), outcome="granted"
        )
        for model, field in (
            (TargetGroup, organisation.target_groups),
            (Language, organisation.languages),
            (CompetenceArea, organisation.competence_needs),
        ):
            field.add(model.objects.create(code=f"x{i}", name_nb=f"{model.__name__} {i}"))


@pytest.mark.parametrize("who", ["caseworker", "member"])
def test_the_profile_page_takes_the_same_queries_however_long_its_lists(
    client, participant, member, who
):
    scheme_year = factories.SchemeYearFactory(year=timezone.localdate().year)
    user = member if who == "member" else factories.caseworker(scheme_year.scheme.administrator)
    url = reverse("organisations:detail", args=[participant.pk])
    client.force_login(user)
    fill_profile(participant, 0, 1)
    client.get(url)  # the caches a page fills
    small = querycount.count_queries(lambda: client.get(url))
    fill_profile(participant, 1, 6)
    large = querycount.count_queries(lambda: client.get(url))
    querycount.assert_same_query_count(small, large)
    assert len(large) <= {"caseworker": 6, "member": 4}[who]
    page = client.get(url).content.decode()
    for shown in (
        "Aktivitet 5",
        "Lag 5 (Oslo, siden 2015)",
        "K 5",
        "45\xa0000,50",
        "TargetGroup 5",
    ):
        assert shown in page
    assert "Language 0, Language 1" in page and "CompetenceArea 5" in page


def test_unknown_founding_dates_come_last_either_way(client, caseworker):
    factories.OrganisationFactory(name="Ukjent", founded=None)
    factories.OrganisationFactory(name="Gammel", founded="2018-01-01")
    factories.OrganisationFactory(name="Ny", founded="2021-01-01")
    client.force_login(caseworker)
    for order, expected in (
        ("-founded", ["Ny", "Gammel", "Ukjent"]),
        ("founded", ["Gammel", "Ny", "Ukjent"]),
    ):
        response = client.get(LIST, {"order": order, "kind": "participant"})
        assert [o.name for o in response.context["page"]] == expected


def test_paging_through_a_sort_with_ties_shows_every_organisation_once(client, caseworker):
    make_organisations(60, county="03", name="Samme navn")
    client.force_login(caseworker)
    seen = []
    for page in (1, 2, 3):
        response = client.get(LIST, {"order": "county", "kind": "participant", "page": page})
        seen += [o.pk for o in response.context["page"]]
    assert len(seen) == len(set(seen)) == 60


def test_the_list_editor_sent_twice_adds_the_row_once(client, member, participant):
    client.force_login(member)
    parts = reverse("organisations:parts", args=[participant.pk, "activities"])
    page = client.get(parts).content.decode()
    token = re.search(r'name="activities-form_token" value="([^"]+)"', page).group(1)
    data = {
        "activities-TOTAL_FORMS": "1",
        "activities-INITIAL_FORMS": "0",
        "activities-0-name": "Fotball",
        "activities-0-frequency": "weekly",
        "activities-form_token": token,
    }
    assert client.post(parts, data).status_code == 302
    again = client.post(parts, data)
    assert again.status_code == 200
    assert "already sent" in again.content.decode() or "allerede sendt" in again.content.decode()
    assert participant.activities.count() == 1


@pytest.mark.parametrize("founded", ["0001-01-01", "9999-12-31", "2999-01-01"])
def test_an_implausible_founding_date_is_refused_on_its_field(client, member, participant, founded):
    client.force_login(member)
    before = participant.founded
    response = client.post(
        reverse("organisations:edit", args=[participant.pk]),
        {"name": participant.name, "founded": founded},
    )
    assert response.status_code == 200
    assert "founded" in response.context["form"].errors
    participant.refresh_from_db()
    assert participant.founded == before
