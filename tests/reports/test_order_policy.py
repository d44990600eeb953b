"""Who may order which report, asked in one place (``scheme.roles``) by the order view, the
service, the reports page and the order buttons alike: every role, against a subject of their
own and of another organisation or body, including the caseworker of a body that runs no
scheme (it has nothing to report on)."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.template import engines
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants.models import Award
from organisations.models import Organisation
from reports import services
from reports.builders import builder_for
from reports.forms import order_forms_for
from reports.models import ReportJob
from scheme import registry
from scheme.registry import order_actions_for
from tests import factories
from tests.reports import dataset

ORDERED, REFUSED = 302, 404


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def data(db):
    """This scheme with two awarded organisations; another body running its own scheme; a
    body running none; a mentor, an evaluator and an admin."""
    scheme, scheme_year, caseworker = dataset.scheme_with_year()
    a, member_a = dataset.participant("Grønland foreldregruppe", "Oslo")
    b, member_b = dataset.participant("Bærum språkkafé", "Bærum")
    call = dataset.open_call(caseworker, scheme_year, [a, b])
    award_a = dataset.award(
        caseworker, dataset.apply(member_a, call, a, Decimal("95000")), Decimal("95000")
    )
    other_body = factories.OrganisationFactory(kind="administrator", name="Annet direktorat")
    factories.SchemeFactory(administrator=other_body, name="Annen ordning", slug="annen")
    mentor_org = factories.OrganisationFactory(kind="mentor", name="Mentorforeningen Tråd")
    return {
        "scheme": scheme,
        "scheme_year": scheme_year,
        "a": a,
        "mentor_org": mentor_org,
        "award_a": award_a,
        "users": {
            "admin": factories.UserFactory(is_superuser=True, is_staff=True),
            "caseworker": caseworker,
            "other body's caseworker": factories.caseworker(other_body),
            "caseworker of a body without schemes": factories.caseworker(),
            "member of a": member_a,
            "member of b": member_b,
            "mentor": factories.member_of(mentor_org, role="contact"),
            "evaluator": factories.member_of(factories.OrganisationFactory(kind="evaluator")),
        },
    }


SUBJECTS = ["annual", "evaluation", "organisation a", "mentor organisation", "award letter a"]

# What the order view answers each user for each subject: ordered (and sent on to the job's
# page) or not found (hidden and refused alike, so that ids cannot be probed).
MATRIX = {
    "admin": [ORDERED, ORDERED, ORDERED, REFUSED, ORDERED],
    "caseworker": [ORDERED, ORDERED, ORDERED, REFUSED, ORDERED],
    # About organisation a's part in the schemes their own body runs.
    "other body's caseworker": [REFUSED, REFUSED, ORDERED, REFUSED, REFUSED],
    "caseworker of a body without schemes": [REFUSED] * 5,
    "member of a": [REFUSED, REFUSED, ORDERED, REFUSED, ORDERED],
    "member of b": [REFUSED] * 5,
    "mentor": [REFUSED] * 5,
    "evaluator": [REFUSED, ORDERED, REFUSED, REFUSED, REFUSED],
}


def order_form(data, subject):
    """The order view's kind and the fields its form is sent with."""
    return {
        "annual": ("annual", {"annual-scheme_year": data["scheme_year"].pk}),
        "evaluation": ("evaluation", {"evaluation-scheme": data["scheme"].pk}),
        "organisation a": ("organisation", {"organisation-organisation": data["a"].pk}),
        "mentor organisation": (
            "organisation",
            {"organisation-organisation": data["mentor_org"].pk},
        ),
        "award letter a": ("award_letter", {"award_letter-award": data["award_a"].pk}),
    }[subject]


@pytest.mark.parametrize("who", MATRIX)
def test_who_may_order_which_report_at_the_order_view(client, data, who, sent):
    user = data["users"][who]
    client.force_login(user)
    for subject, expected in zip(SUBJECTS, MATRIX[who], strict=True):
        kind, fields = order_form(data, subject)
        before = ReportJob.objects.count()
        response = client.post(reverse("reports:order", args=[kind]), fields)
        assert response.status_code == expected, (who, subject)
        ordered = ReportJob.objects.count() - before
        assert ordered == (expected == ORDERED), (who, subject)
        if expected == ORDERED:
            job = ReportJob.objects.latest("pk")
            assert response["Location"] == reverse("reports:job", args=[job.pk])
            # The one who ordered it may follow it; the rule is asked again there.
            assert client.get(response["Location"]).status_code == 200


def test_a_body_without_schemes_cannot_order_an_organisation_report_about_no_scheme(data):
    """``all([])`` was true: the empty list of schemes their body runs passed the check."""
    user = data["users"]["caseworker of a body without schemes"]
    assert (
        builder_for("organisation").subject_for(user, {"organisation": data["a"].pk, "schemes": []})
        is None
    )
    assert builder_for("csv_awards").subject_for(user, {"schemes": []}) is None


@pytest.mark.parametrize("who", MATRIX)
def test_the_order_buttons_show_what_the_user_may_order(data, who):
    """On the page of an object the user sees (the page reached it through ``visible_to``;
    others are not found)."""
    user = data["users"][who]
    expected = dict(zip(SUBJECTS, MATRIX[who], strict=True))
    subjects = {
        "organisation a": Organisation.objects.visible_to(user).filter(pk=data["a"].pk),
        "mentor organisation": Organisation.objects.visible_to(user).filter(
            pk=data["mentor_org"].pk
        ),
        "award letter a": Award.objects.visible_to(user).filter(pk=data["award_a"].pk),
    }
    for subject, seen in subjects.items():
        shown = [action for obj in seen for action in order_actions_for(user, obj)]
        assert bool(shown) == (expected[subject] == ORDERED), (who, subject)
    # Without a subject: the link to the reports page, where a scheme is chosen, for those
    # offered the kind there.
    evaluation = order_actions_for(user, "scheme.scheme")
    assert bool(evaluation) == ("evaluation" in OFFERED[who].split()), who


OFFERED = {
    "admin": "annual evaluation organisation award_letter csv_awards",
    "caseworker": "annual evaluation organisation award_letter csv_awards",
    "other body's caseworker": "annual evaluation organisation award_letter csv_awards",
    "caseworker of a body without schemes": "annual evaluation organisation award_letter "
    "csv_awards",
    "member of a": "organisation award_letter",
    "member of b": "organisation award_letter",
    "mentor": "",
    "evaluator": "evaluation",
}


@pytest.mark.parametrize("who", OFFERED)
def test_the_reports_page_offers_the_kinds_the_rule_allows_about_something(data, who):
    """The kinds offered are the rule asked without a subject; which subjects, the forms'
    choices (a body without schemes is offered the forms with nothing to choose)."""
    offered = {form.kind for form in order_forms_for(data["users"][who])}
    assert offered & {"annual", "evaluation", "organisation", "award_letter", "csv_awards"} == (
        set(OFFERED[who].split())
    )


# --- the pages of the objects: buttons through the registry ----------------------------------


def page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def order_url(kind):
    return reverse("reports:order", args=[kind])


def test_the_organisation_page_offers_the_report_by_the_rule(client, data):
    url = reverse("organisations:detail", args=[data["a"].pk])
    users = data["users"]
    assert order_url("organisation") in page(client, users["caseworker"], url)
    assert order_url("organisation") in page(client, users["member of a"], url)
    # A caseworker whose body runs no scheme has nothing to report on (it used to show).
    assert order_url("organisation") not in page(
        client, users["caseworker of a body without schemes"], url
    )
    mentors = reverse("organisations:detail", args=[data["mentor_org"].pk])
    assert order_url("organisation") not in page(client, users["caseworker"], mentors)


def test_the_award_pages_offer_the_letter(client, data):
    award = data["award_a"]
    users = data["users"]
    mine = page(client, users["member of a"], reverse("grants:award", args=[award.pk]))
    assert order_url("award_letter") in mine
    assert f'name="award_letter-award" value="{award.pk}"' in mine
    review = reverse("grants:review_award", args=[award.pk])
    assert order_url("award_letter") in page(client, users["caseworker"], review)


def test_the_evaluators_panel_links_to_the_evaluation_summary(client, data):
    html = page(client, data["users"]["evaluator"], reverse("dashboard"))
    assert f'href="{reverse("reports:list")}#order-evaluation"' in html


def test_without_reports_no_page_shows_an_order_button(client, data, monkeypatch):
    """The pages know nothing of reports: with no order action registered, nothing shows."""
    monkeypatch.setattr(registry, "_order_actions", {})
    users = data["users"]
    award = data["award_a"]
    pages = [
        (users["member of a"], reverse("grants:award", args=[award.pk])),
        (users["caseworker"], reverse("grants:review_award", args=[award.pk])),
        (users["caseworker"], reverse("organisations:detail", args=[data["a"].pk])),
        (users["evaluator"], reverse("dashboard")),
    ]
    for user, url in pages:
        html = page(client, user, url)
        assert "/reports/order/" not in html, url
        assert "#order-" not in html, url


def test_the_tag_renders_nothing_for_an_object_no_report_is_about(data):
    template = engines["django"].from_string(
        "{% load order_actions %}[{% order_buttons scheme_year %}]"
    )
    request = RequestFactory().get("/")
    request.user = data["users"]["admin"]
    assert template.render({"scheme_year": data["scheme_year"]}, request) == "[]"


# --- the object a report is about is fetched once --------------------------------------------


def fetches(queries, table, pk) -> int:
    """Queries that read the row ``pk`` of ``table``."""
    pattern = re.compile(rf'^SELECT .*? FROM "{table}" .*"{table}"."id" = {pk}\b', re.DOTALL)
    return sum(bool(pattern.match(query["sql"])) for query in queries)


@pytest.mark.parametrize(
    "kind, table, who",
    [
        ("award_letter", "grants_award", "member of a"),
        ("organisation", "organisations_organisation", "member of a"),
        ("annual", "scheme_schemeyear", "caseworker"),
        ("evaluation", "scheme_scheme", "evaluator"),
    ],
)
def test_ordering_and_building_fetch_the_subject_once(data, kind, table, who, sent):
    user = data["users"][who]
    parameters = {
        "award_letter": {"award": data["award_a"].pk},
        "organisation": {"organisation": data["a"].pk},
        "annual": {"scheme_year": data["scheme_year"].pk},
        "evaluation": {"scheme": data["scheme"].pk},
    }[kind]
    (pk,) = parameters.values()
    with CaptureQueriesContext(connection) as ordering:
        services.order_report(user, kind, **parameters)
    assert fetches(ordering.captured_queries, table, pk) == 1, ordering.captured_queries
    with CaptureQueriesContext(connection) as building:
        builder_for(kind).make(user, parameters, lambda percent, step="": None)
    assert fetches(building.captured_queries, table, pk) == 1, building.captured_queries
