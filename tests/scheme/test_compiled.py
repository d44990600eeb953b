"""Queries kept per access (scheme/compiled.py): built once per user's access and arguments,
they still read the rows of the moment, follow a change of access, and refuse a builder that
reads the database. Kept prefetches fill the same lists as Django's, from one kept query."""

import pytest
from django import forms
from django.db import connection
from django.db.models import Prefetch, prefetch_related_objects
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from organisations.models import Membership, Organisation, TargetGroup
from scheme.compiled import BuildRanAQuery, KeptPrefetch, kept, kept_per_access, per_access
from scheme.forms_common import NamedChoicesField
from scheme.roles import MemberRole, OrganisationKind, access_for, forget_access
from tests.factories import OrganisationFactory, TargetGroupFactory, member_of

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
    for keeping in (own_by_name, own_ids, reads_the_database):
        keeping.forget_all()
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


def members_by_name():
    return Membership.objects.select_related("user").order_by("user__full_name")


def people(organisations, attribute="memberships"):
    return [
        [
            m.user.full_name
            for m in (
                getattr(o, attribute).all() if attribute == "memberships" else getattr(o, attribute)
            )
        ]
        for o in organisations
    ]


def test_a_kept_prefetch_fills_the_lists_as_django_does_from_one_kept_query():
    organisations = [OrganisationFactory() for _ in range(3)]
    for n, organisation in enumerate(organisations):
        for name in ["Berit", "Ali"][: n + 1]:
            member_of(organisation, full_name=f"{name} {n}")
    prefetch = KeptPrefetch("memberships", members_by_name())
    kept_ones, djangos = list(Organisation.objects.all()), list(Organisation.objects.all())
    with CaptureQueriesContext(connection) as queries:
        prefetch_related_objects(kept_ones, prefetch)
    assert len(queries) == 1
    prefetch_related_objects(djangos, Prefetch("memberships", members_by_name()))
    assert (
        people(kept_ones)
        == people(djangos)
        == [["Berit 0"], ["Ali 1", "Berit 1"], ["Ali 2", "Berit 2"]]
    )
    # Other objects, another number of them, the rows of the moment: the same kept query.
    member_of(organisations[0], full_name="Cecilie 0")
    again = list(Organisation.objects.filter(pk__in=[organisations[0].pk, organisations[2].pk]))
    prefetch_related_objects(again, prefetch)
    assert people(again) == [["Berit 0", "Cecilie 0"], ["Ali 2", "Berit 2"]]
    assert len(prefetch.kept_query.kept) == 1
    # Chaining a list filled so reads the database as an ordinary query would.
    assert [m.user.full_name for m in again[0].memberships.filter(user__full_name="Cecilie 0")] == [
        "Cecilie 0"
    ]


def test_a_queryset_made_from_a_kept_prefetch_is_an_ordinary_one():
    organisation = OrganisationFactory()
    member_of(organisation, full_name="Ali")
    member_of(organisation, full_name="Berit")
    prefetch = KeptPrefetch("memberships", members_by_name())
    prefetch_related_objects(list(Organisation.objects.all()), prefetch)
    newest_first = prefetch.queryset.order_by("-user__full_name")
    assert [m.user.full_name for m in newest_first] == ["Berit", "Ali"]


def test_a_kept_prefetch_with_another_name_fills_that_attribute():
    organisation = OrganisationFactory()
    member_of(organisation, full_name="Ali")
    found = list(Organisation.objects.all())
    prefetch_related_objects(
        found, KeptPrefetch("memberships", members_by_name(), to_attr="people")
    )
    assert people(found, "people") == [["Ali"]]


def test_a_kept_prefetch_of_another_relation_is_an_ordinary_prefetch():
    group = TargetGroupFactory()
    organisation = OrganisationFactory()
    organisation.target_groups.add(group)
    found = list(Organisation.objects.filter(pk=organisation.pk))
    # Many-to-many: Django's own filter, not the kept one.
    prefetch_related_objects(found, KeptPrefetch("target_groups", TargetGroup.objects.all()))
    assert list(found[0].target_groups.all()) == [group]


@kept
def organisations_with_members():
    return Organisation.objects.prefetch_related(
        Prefetch(
            "memberships", Membership.objects.select_related("user").order_by("user__full_name")
        )
    ).order_by("name")


def test_a_kept_queryset_keeps_its_prefetches_of_reverse_foreign_keys():
    organisations_with_members.forget_all()
    organisation = OrganisationFactory(name="Alfa")
    member_of(organisation, full_name="Berit")
    first = list(organisations_with_members())
    member_of(organisation, full_name="Ali")
    with CaptureQueriesContext(connection) as queries:
        second = list(organisations_with_members())
    assert people(first) == [["Berit"]] and people(second) == [["Ali", "Berit"]]
    assert len(queries) == 2
    (lookup,) = organisations_with_members()._prefetch_related_lookups
    assert isinstance(lookup, KeptPrefetch)


@kept(id_lists=["ids"])
def named_among(ids):
    return Organisation.objects.filter(pk__in=ids).order_by("name")


def test_a_list_of_ids_is_one_placeholder_filled_in_on_each_call():
    named_among.forget_all()
    first, second, third = (OrganisationFactory(name=name) for name in ("Alfa", "Bravo", "Ciro"))
    assert names(named_among(ids=[third.pk, first.pk])) == ["Alfa", "Ciro"]
    assert names(named_among(ids=[second.pk])) == ["Bravo"]
    assert names(named_among(ids=[])) == []
    # Chaining gives an ordinary queryset, with the ids of the call.
    assert named_among(ids=[first.pk, second.pk]).filter(name="Bravo").count() == 1


@kept
def memberships_with_people():
    # A path through a foreign key ending in a reverse foreign key is kept too.
    return Membership.objects.select_related("organisation").prefetch_related(
        "organisation__memberships"
    )


def test_a_path_ending_in_a_reverse_foreign_key_is_kept():
    memberships_with_people.forget_all()
    organisation = OrganisationFactory()
    member_of(organisation, full_name="Ali")
    member_of(organisation, full_name="Berit")
    (lookup,) = memberships_with_people()._prefetch_related_lookups
    assert isinstance(lookup, KeptPrefetch)
    found = list(memberships_with_people())
    assert {len(m.organisation.memberships.all()) for m in found} == {2}


@kept_per_access
def own_by_access(access):
    built.append(tuple(access.memberships))
    return Organisation.objects.filter(pk__in=access.organisation_ids()).order_by("name")


def test_a_query_kept_by_access_alone_serves_everyone_with_that_access():
    own_by_access.forget_all()
    organisation = OrganisationFactory(name="Alfa")
    first = member_of(organisation, role=MemberRole.MEMBER)
    second = member_of(organisation, role=MemberRole.MEMBER)
    assert names(own_by_access(access_for(first))) == ["Alfa"]
    assert names(own_by_access(access_for(second))) == ["Alfa"]
    assert built == [(organisation.pk,)]


class GroupsForm(forms.Form):
    groups = NamedChoicesField(queryset=TargetGroup.objects.all(), required=False)


def test_a_named_list_offers_its_rows_of_the_moment_and_checks_what_is_sent():
    first = TargetGroupFactory()
    before = len(list(GroupsForm().fields["groups"].choices))
    second = TargetGroupFactory()
    # Each form reads the list afresh (one kept query), the new row in.
    offered = [value for value, _label in GroupsForm().fields["groups"].choices]
    assert len(offered) == before + 1 and {first.pk, second.pk} <= {int(str(v)) for v in offered}
    form = GroupsForm({"groups": [second.pk]})
    assert form.is_valid() and list(form.cleaned_data["groups"]) == [second]
    assert not GroupsForm({"groups": ["999999"]}).is_valid()
