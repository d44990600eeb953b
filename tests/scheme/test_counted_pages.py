"""``paginate_counted`` gives the page ``paginate`` gives, for every page number, in one query
where the page has rows."""

import pytest
from django.test import RequestFactory

from organisations.models import Organisation
from scheme.web import ROWS_IN_ALL, count_alongside, paginate, paginate_counted, url_for_pk
from tests import factories
from tests.querycount import count_queries


def _page(paginator, number, queryset, per_page):
    request = RequestFactory().get("/", {} if number is None else {"page": number})
    page = paginator(request, queryset, per_page=per_page)
    return page.number, page.paginator.count, page.paginator.num_pages, list(page.object_list)


@pytest.mark.parametrize(
    "number", [None, "1", "2", "3", "4", "99", "0", "-1", "x", "2.0", " 2", "9" * 21]
)
def test_the_same_page_as_paginate(db, number):
    for n in range(7):
        factories.OrganisationFactory(name=f"Lag {n}")
    for queryset in (
        Organisation.objects.order_by("name", "pk"),
        Organisation.objects.order_by("name", "pk").values("pk", "name"),
        Organisation.objects.order_by("name", "pk").values_list("pk", "name"),
    ):
        assert _page(paginate_counted, number, queryset, 3) == _page(paginate, number, queryset, 3)


@pytest.mark.parametrize("number", [None, "1", "2"])
def test_an_empty_list_has_one_empty_page(db, number):
    queryset = Organisation.objects.filter(pk=-1)
    assert _page(paginate_counted, number, queryset, 3) == _page(paginate, number, queryset, 3)


def test_one_query_for_a_page_with_rows(db):
    for n in range(4):
        factories.OrganisationFactory(name=f"Lag {n}")
    queryset = Organisation.objects.order_by("name", "pk")
    for number in ("1", "2"):
        request = RequestFactory().get("/", {"page": number})
        assert len(count_queries(lambda r=request: paginate_counted(r, queryset, 3))) == 1
    empty = Organisation.objects.filter(pk=-1)
    assert len(count_queries(lambda: paginate_counted(RequestFactory().get("/"), empty, 3))) == 1


def test_a_page_read_by_its_ids_counts_each_row_once(db):
    """``count_alongside``: the count of a filter whose join repeats a row (two target groups
    of one organisation) counts the organisation once, as the list shows it."""
    from organisations.models import TargetGroup

    groups = [TargetGroup.objects.create(code=f"g{n}", name_nb=f"G{n}") for n in range(2)]
    both = factories.OrganisationFactory(name="Begge")
    both.target_groups.set(groups)
    factories.OrganisationFactory(name="Ingen").target_groups.set([groups[0]])
    factories.OrganisationFactory(name="Utenfor")
    matching = Organisation.objects.filter(target_groups__in=groups).distinct()
    rows = count_alongside(Organisation.objects.order_by("name"), matching)
    assert {row[ROWS_IN_ALL] for row in rows.values(ROWS_IN_ALL)} == {2}
    ids = Organisation.objects.filter(pk__in=matching.values("pk")).order_by("name")

    def read(number):
        return count_alongside(ids, matching)[number - 1 : number]

    page = paginate_counted(RequestFactory().get("/", {"page": "2"}), per_page=1, read=read)
    assert [o.name for o in page.object_list] == ["Ingen"]
    assert (page.paginator.count, page.paginator.num_pages) == (2, 2)


def test_a_rows_link_is_its_reversed_url(db):
    link = url_for_pk("organisations:detail")
    from django.urls import reverse

    assert [link(pk) for pk in (1, 42, 918273645)] == [
        reverse("organisations:detail", args=[pk]) for pk in (1, 42, 918273645)
    ]
