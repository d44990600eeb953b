"""``paginate_counted`` gives the page ``paginate`` gives, for every page number, in one query
where the page has rows."""

import pytest
from django.test import RequestFactory

from organisations.models import Organisation
from scheme.web import paginate, paginate_counted
from tests import factories
from tests.querycount import count_queries


def _page(paginator, number, queryset, per_page):
    request = RequestFactory().get("/", {} if number is None else {"page": number})
    page = paginator(request, queryset, per_page=per_page)
    return page.number, page.paginator.count, page.paginator.num_pages, list(page.object_list)


@pytest.mark.parametrize("number", [None, "1", "2", "3", "4", "99", "0", "-1", "x", "2.0", " 2"])
def test_the_same_page_as_paginate(db, number):
    for n in range(7):
        factories.OrganisationFactory(name=f"Lag {n}")
    for queryset in (
        Organisation.objects.order_by("name", "pk"),
        Organisation.objects.order_by("name", "pk").values("pk", "name"),
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
