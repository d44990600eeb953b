"""The Messages button on case pages agrees with who may read the thread (``readable``), and
asks the database nothing when the page's object and the cached access answer it."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from mentoring import services as mentoring
from mentoring.models import Pairing
from organisations.models import Organisation
from scheme.conversations import services
from scheme.registry import thread_kind_of
from scheme.roles import access_for

BUTTON = Template("{% load conversations %}{% thread_link obj %}")


def page_object(user, obj):
    """``obj`` as a case page holds it: through ``visible_to``, a pairing with its members."""
    queryset = type(obj).objects.visible_to(user).filter(pk=obj.pk)
    if isinstance(obj, Pairing):
        queryset = queryset.prefetch_related("members")
    return queryset.get()


def button(user, obj) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return BUTTON.render(Context({"request": request, "obj": obj}))


def shown(user, obj, queries, django_assert_num_queries) -> bool:
    obj = page_object(user, obj)
    access_for(user), services.unread_threads(user)  # the header has read both already
    with django_assert_num_queries(queries):
        html = button(user, obj)
    readable = thread_kind_of(obj).readable(user).filter(pk=obj.pk).exists()
    assert ("/meldinger/" in html) == readable
    return readable


@pytest.mark.parametrize(
    "who, what, expected",
    [
        ("mentor", "pairing", True),
        ("member", "pairing", True),
        ("caseworker", "organisation", True),
        ("member", "organisation", True),
        ("mentor", "organisation", False),  # a paired mentor sees the profile, not its thread
        ("caseworker", "mentor_org", True),
    ],
)
def test_the_button_needs_no_query_from_the_page_and_access(
    world, django_assert_num_queries, who, what, expected
):
    user = getattr(world, who)
    assert shown(user, getattr(world, what), 0, django_assert_num_queries) is expected


def test_caseworkers_see_a_pairings_button_once_asked_in_with_one_query(
    world, django_assert_num_queries
):
    assert not shown(world.caseworker, world.pairing, 1, django_assert_num_queries)
    mentoring.raise_flag(world.member, world.pairing, "Vi får ikke til møtene.")
    assert shown(world.caseworker, world.pairing, 1, django_assert_num_queries)


def test_the_profiles_of_bodies_have_no_button(world, django_assert_num_queries):
    body = Organisation.objects.get(pk=world.body.pk)
    assert not shown(world.caseworker, body, 0, django_assert_num_queries)
