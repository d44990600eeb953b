"""The participants' network (reports/figures/network.py) on small data sets: what a tie is,
new ties per year, ties by kind, and a picture with no names in it."""

import datetime

import pytest
from django.utils import translation

from organisations.models import Collaboration, PartnerKind
from reports.charts import network_chart
from reports.figures.anonymous import organisation_labels
from reports.figures.definitions import Period
from reports.figures.network import network_figures
from tests import factories

PLANTED = ["Hemmelig Forening", "Skjultvik kommune", "Mentorhjelpen", "Innvandrerrådet Nord"]


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def tie(organisation, kind, since=None, **fields):
    return Collaboration.objects.create(
        organisation=organisation,
        partner_kind=kind,
        partner_name=fields.pop("partner_name", "x"),
        since=datetime.date(since, 3, 1) if since else None,
        **fields,
    )


@pytest.fixture
def network(db):
    a = factories.OrganisationFactory(kind="participant", name="Hemmelig Forening")
    b = factories.OrganisationFactory(kind="participant", name="Annen Forening")
    c = factories.OrganisationFactory(kind="participant", name="Tredje Forening")
    mentor = factories.OrganisationFactory(kind="mentor", name="Mentorhjelpen")
    # A and B both record their collaboration: one tie, in the earlier year.
    tie(a, "participant", 2023, partner=b, partner_name=b.name)
    tie(b, "participant", 2022, partner=a, partner_name=a.name)
    tie(a, "mentor", 2023, partner=mentor, partner_name=mentor.name)
    # The same municipality, by its number, for two participants: two ties, one partner.
    for organisation in (a, c):
        tie(organisation, "municipality", 2024, partner_name="Skjultvik kommune",
            partner_municipality_number="4601")  # fmt: skip
    tie(c, "immigrant_council", 2020, partner_name="Innvandrerrådet Nord")  # before the period
    tie(c, "county", 2023, partner_name="Vestland", partner_county="46", status="ended")
    tie(c, "organisation", 2023, partner_name="Planlagt", status="planned")  # not a tie yet
    tie(b, "organisation", 2026, partner_name="Etterpå")  # after the period
    return a, b, c, mentor


def figures_of(participants):
    return network_figures({o.pk for o in participants}, Period.years(2022, 2024))


def test_a_tie_is_counted_once_in_the_year_it_started(network):
    a, b, c, _mentor = network
    figures = figures_of([a, b, c])
    labels = organisation_labels([a.pk, b.pk, c.pk])
    assert figures.total == 6
    assert figures.started_before == 1
    assert figures.new_by_year == [(2022, 1, 2), (2023, 2, 4), (2024, 2, 6)]
    between = [t for t in figures.ties if t.kind == PartnerKind.PARTICIPANT]
    assert len(between) == 1 and between[0].year == 2022
    assert {between[0].participant, between[0].partner} == {labels[a.pk], labels[b.pk]}
    assert figures.participants_with_ties == figures.participants == 3


def test_ties_by_kind_and_a_shared_partner_is_one_node(network):
    a, b, c, _mentor = network
    figures = figures_of([a, b, c])
    assert figures.by_kind == [
        ("Fellow participant", 1),
        ("Mentor organisation", 1),
        ("Municipality", 2),
        ("County authority", 1),
        ("Immigrant council", 1),
    ]
    municipalities = {t.partner for t in figures.ties if t.kind == PartnerKind.MUNICIPALITY}
    assert municipalities == {"Municipality 1"}
    assert len(figures.nodes) == 3 + 4  # three participants; mentor, municipality, county, council
    assert len(figures.edges) == figures.total


def test_a_participant_outside_the_scheme_is_another_organisation(network):
    """C is not among the participants: A and B's ties with it name it by kind only."""
    a, b, c, _mentor = network
    tie(a, "participant", 2024, partner=c, partner_name=c.name)
    figures = figures_of([a, b])
    kinds = [t.kind for t in figures.ties if t.partner.startswith("Other organisation")]
    assert kinds == [PartnerKind.ORGANISATION]


def test_no_name_survives_into_the_figures_or_the_picture(network):
    figures = figures_of(network[:3])
    svg = figures.svg()
    texts = [svg, *(f"{t.participant} {t.partner}" for t in figures.ties)]
    for name in [*PLANTED, "Annen Forening", "Tredje Forening", "4601", "Vestland"]:
        assert not any(name in text for text in texts), name
    assert "<title>" in svg and "<desc>" in svg
    assert svg == figures_of(network[:3]).svg()  # the same data, the same picture


def test_no_ties_give_no_picture_rows(db):
    lonely = factories.OrganisationFactory(kind="participant")
    figures = figures_of([lonely])
    assert (figures.total, figures.by_kind, figures.nodes) == (0, [], [])
    assert figures.new_by_year == [(2022, 0, 0), (2023, 0, 0), (2024, 0, 0)]


def test_a_long_list_of_partners_goes_on_in_another_column():
    nodes = [("Organisation A", 0)] + [(f"Municipality {n}", 1) for n in range(1, 91)]
    edges = [(0, n) for n in range(1, 91)]
    svg = network_chart(nodes, edges, ["Participants", "Municipality"], title="T", description="D")
    height = float(svg.split('height="')[1].split('"')[0])
    width = float(svg.split('width="')[1].split('"')[0])
    assert height < 650 and width <= 640
    assert "Municipality 90" in svg
