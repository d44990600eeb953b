"""Queries kept per access (scheme/compiled.py): built once per user's access and arguments,
they still read the rows of the moment, follow a change of access, and refuse a builder that
reads the database."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from organisations.models import Membership, Organisation
from scheme.compiled import BuildRanAQuery, kept_per_access, per_access
from scheme.roles import MemberRole, OrganisationKind, access_for, forget_access
from tests.factories import OrganisationFactory, member_of

pytestmark = pytest.mark.django_db

built = []


@kept_per_access
def own_by_name(user, prefix):
    built.append((user.pk, prefix))
    return Organisation.objects.filter(
        pk__in=access_for(user).organisation_ids(), name__startswith=prefix
    ).order_by("name")


@per_access
def own_ids(user):
    built.append(user.pk)
    return Organisation.objects.filter(pk__in=access_for(user).organisation_ids()).values("pk")


@kept_per_access
def reads_the_database(user):
    return Organisation.objects.filter(pk__in=list(Organisation.objects.values_list("pk")))


@pytest.fixture(autouse=True)
def fresh_keeping():
    for kept in (own_by_name, own_ids, reads_the_database):
        kept.forget_all()
    built.clear()


def names(queryset):
    return [organisation.name for organisation in queryset]


def test_a_kept_queryset_is_built_once_and_reads_the_rows_of_the_moment():
    alpha = OrganisationFactory(name="Alfa")
    user = member_of(alpha)
    OrganisationFactory(name="Anna, not the user's")
    assert names(own_by_name(user, "A")) == ["Alfa"]
    Membership.objects.create(
        user=user, organisation=OrganisationFactory(name="Aske"), role=MemberRole.MEMBER
    )
    alpha.name = "Albatross"
    alpha.save()
    # The same access: the kept SQL, one query, the renamed organisation.
    with CaptureQueriesContext(connection) as queries:
        assert names(own_by_name(user, "A")) == ["Albatross"]
    assert len(queries) == 1
    assert built == [(user.pk, "A")]
    # The access read again (as on the next request): built for it, the new membership in.
    forget_access(user)
    assert names(own_by_name(user, "A")) == ["Albatross", "Aske"]
    assert names(own_by_name(user, "Al")) == ["Albatross"]
    assert len(built) == 3


def test_each_user_and_language_has_their_own():
    first = member_of(OrganisationFactory(name="Alfa"))
    second = member_of(OrganisationFactory(name="Anker"))
    assert names(own_by_name(first, "A")) == ["Alfa"]
    assert names(own_by_name(second, "A")) == ["Anker"]
    with translation.override("en"):
        assert names(own_by_name(first, "A")) == ["Alfa"]
    assert len(built) == 3


def test_chaining_a_kept_queryset_gives_an_ordinary_one():
    user = member_of(OrganisationFactory(name="Alfa"))
    Membership.objects.create(
        user=user, organisation=OrganisationFactory(name="Aske"), role=MemberRole.MEMBER
    )
    forget_access(user)
    kept = own_by_name(user, "A")
    assert names(kept.filter(name="Aske")) == ["Aske"]
    assert kept.count() == 2
    assert names(kept.order_by("-name")) == ["Aske", "Alfa"]
    # ... and leaves the kept one as it was.
    assert names(own_by_name(user, "A")) == ["Alfa", "Aske"]


def test_a_subquery_kept_per_access_filters_like_the_queryset():
    mine = OrganisationFactory(kind=OrganisationKind.MENTOR)
    user = member_of(mine)
    OrganisationFactory()
    assert list(Organisation.objects.filter(pk__in=own_ids(user))) == [mine]
    assert list(Organisation.objects.filter(pk__in=own_ids(user))) == [mine]
    assert built == [user.pk]


def test_a_builder_that_reads_the_database_is_refused():
    user = member_of(OrganisationFactory())
    with pytest.raises(BuildRanAQuery):
        reads_the_database(user)


@kept_per_access(params=["pk"])
def own_one(user, pk):
    built.append(user.pk)
    return Organisation.objects.filter(pk__in=access_for(user).organisation_ids(), pk=pk)


def test_a_parameter_is_filled_in_on_each_call():
    first, second = OrganisationFactory(), OrganisationFactory()
    user = member_of(first)
    Membership.objects.create(user=user, organisation=second, role=MemberRole.MEMBER)
    forget_access(user)
    stranger = OrganisationFactory()
    own_one.forget_all()
    assert list(own_one(user, pk=first.pk)) == [first]
    assert list(own_one(user, pk=second.pk)) == [second]
    assert list(own_one(user, pk=stranger.pk)) == []
    assert built == [user.pk]


def test_chaining_a_kept_queryset_with_a_parameter_uses_the_call_value():
    first, second = OrganisationFactory(), OrganisationFactory()
    user = member_of(first)
    Membership.objects.create(user=user, organisation=second, role=MemberRole.MEMBER)
    forget_access(user)
    assert own_one(user, pk=second.pk).count() == 1
    assert list(own_one(user, pk=second.pk).values_list("pk", flat=True)) == [second.pk]
    assert not own_one(user, pk=OrganisationFactory().pk).exists()
