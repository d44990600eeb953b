"""Courses are for the organisations taking part in the scheme year (an award or a mentoring
pairing in it): a participant organisation that only applied, or that takes part in another
scheme, neither sees nor joins the events, plan or forms, and is not told about them."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from courses import services
from courses.models import AnnualPlan, Event, FeedbackForm
from scheme.models import Notification
from tests import factories
from tests.courses.test_feedback import QUESTIONS, answers
from tests.courses.test_services import refused


@pytest.fixture
def outsider(db):
    """A member of a participant organisation that applied but got no grant or mentor."""
    return factories.member_of(factories.OrganisationFactory(kind="participant"))


@pytest.fixture
def elsewhere(db):
    """A member of a participant organisation taking part in another scheme."""
    organisation = factories.OrganisationFactory(kind="participant")
    factories.taking_part(factories.SchemeYearFactory(), organisation)
    return factories.member_of(organisation)


def organisation_of(user):
    return user.memberships.get().organisation


@pytest.mark.parametrize("who", ["outsider", "elsewhere"])
def test_the_events_are_hidden_from_organisations_not_taking_part(
    request, client, who, gathering, member
):
    user = request.getfixturevalue(who)
    assert gathering in Event.objects.visible_to(member)
    assert gathering not in Event.objects.visible_to(user)
    client.force_login(user)
    assert gathering.title not in client.get(reverse("courses:events")).content.decode()
    assert client.get(reverse("courses:event", args=[gathering.pk])).status_code == 404
    with refused(PermissionDenied):
        services.register(user, gathering, organisation_of(user), person_name="Kari")


def test_the_plan_is_shared_only_with_those_taking_part(
    caseworker, scheme_year, member, mentor, outsider, elsewhere
):
    plan = services.save_plan(caseworker, scheme_year)
    services.save_planned_item(caseworker, plan, kind="course", month=3, topic="Styrearbeid")
    services.share_plan(caseworker, plan)
    told = set(Notification.objects.values_list("recipient", flat=True))
    assert {member.pk, mentor.pk} <= told
    assert not told & {outsider.pk, elsewhere.pk}
    plan = AnnualPlan.objects.get()
    services.comment_on_plan(member, plan, organisation_of(member), "Mer om regnskap.")
    for user in (outsider, elsewhere):
        with refused(PermissionDenied):
            services.comment_on_plan(user, plan, organisation_of(user), "Vi vil også være med.")


def test_the_scheme_form_is_answered_only_by_those_taking_part(
    caseworker, scheme_year, member, participant, outsider, elsewhere
):
    form = services.save_form(
        caseworker, scheme_year.scheme, title="Evaluering", questions=QUESTIONS
    )
    assert form in FeedbackForm.objects.visible_to(member)
    services.answer_form(member, form, participant, answers(form))
    for user in (outsider, elsewhere):
        assert form not in FeedbackForm.objects.visible_to(user)
        with refused(PermissionDenied):
            services.answer_form(user, form, organisation_of(user), answers(form))


def test_tasks_are_given_only_to_organisations_taking_part(
    client, caseworker, gathering, participant, other_participant, outsider
):
    client.force_login(caseworker)
    found = client.get(reverse("courses:task_organisations", args=[gathering.pk])).json()
    names = " ".join(row["text"] for row in found["results"])
    assert participant.name in names and other_participant.name in names
    assert organisation_of(outsider).name not in names
