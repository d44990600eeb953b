from django.urls import reverse

from organisations.models import Activity, Grantor, PreviousApplication
from scheme.notifications import notify
from tests import factories

DASHBOARD = reverse("dashboard")


def panel_templates(response):
    return [panel.template for panel in response.context["panels"]]


def test_a_member_sees_what_the_profile_still_lacks(client, member, participant):
    client.force_login(member)
    response = client.get(DASHBOARD)
    titles = [item.title for item in response.context["due_items"]]
    assert any("description" in t or "beskrivelse" in t for t in titles)
    assert len(titles) == 5  # description, register, target groups, activities, earlier grants
    assert "organisations/panels/own.html" in panel_templates(response)


def test_the_due_list_shrinks_as_the_profile_is_completed(client, member, participant):
    participant.description = "Vi driver leksehjelp."
    participant.in_voluntary_register = True
    participant.save()
    participant.target_groups.add(factories.TargetGroupFactory())
    Activity.objects.create(organisation=participant, name="Leksehjelp", frequency="weekly")
    PreviousApplication.objects.create(organisation=participant, year=2021, grantor=Grantor.IMDI)
    client.force_login(member)
    response = client.get(DASHBOARD)
    assert response.context["due_items"] == []
    assert "complete" in response.content.decode() or "komplett" in response.content.decode()


def test_a_caseworker_sees_organisations_by_kind(client, caseworker, participant, mentor):
    client.force_login(caseworker)
    response = client.get(DASHBOARD)
    [panel] = [
        p
        for p in response.context["panels"]
        if p.template == "organisations/panels/caseworker.html"
    ]
    counts = {kind: n for _label, kind, n in panel.context["rows"]}
    assert counts == {"participant": 1, "mentor": 1, "administrator": 1, "evaluator": 0}


def test_an_evaluator_sees_figures_without_names(client, evaluator, participant, scheme_year):
    factories.taking_part(scheme_year, participant)
    client.force_login(evaluator)
    response = client.get(DASHBOARD)
    assert "organisations/panels/evaluator.html" in panel_templates(response)
    assert "courses/panels/evaluation.html" in panel_templates(response)
    assert participant.name not in response.content.decode()


def test_the_evaluator_counts_the_participants_of_the_latest_year_taken_part_in(
    client, evaluator, scheme_year
):
    oslo = [factories.OrganisationFactory(kind="participant", county="03") for _ in range(2)]
    bergen = factories.OrganisationFactory(kind="participant", county="46")
    factories.OrganisationFactory(kind="participant", county="46")  # applied, never took part
    factories.taking_part(scheme_year, *oslo, bergen)
    factories.SchemeYearFactory(year=scheme_year.year + 1)  # a newer scheme nobody is in yet
    client.force_login(evaluator)
    [panel] = [
        p
        for p in client.get(DASHBOARD).context["panels"]
        if p.template == "organisations/panels/evaluator.html"
    ]
    assert panel.context["scheme_year"] == scheme_year
    assert panel.context["rows"] == [("Oslo", 2), ("Vestland", 1)]
    assert panel.context["total"] == 3


def test_a_mentor_does_not_see_participant_panels(client, mentor, participant):
    client.force_login(mentor)
    response = client.get(DASHBOARD)
    assert participant.name not in response.content.decode()
    assert "organisations/panels/caseworker.html" not in panel_templates(response)


def test_unread_notifications_are_on_the_dashboard(client, member):
    notify([member], "Husk rapporten", "x", email=False)
    client.force_login(member)
    assert "Husk rapporten" in client.get(DASHBOARD).content.decode()


def test_the_rules_of_the_latest_year_are_shown(client, member, scheme_year):
    client.force_login(member)
    content = client.get(DASHBOARD).content.decode()
    assert "110\xa0000" in content or "110,000" in content


def test_the_rules_shown_follow_a_change_of_the_years_rules(
    client, member, scheme_year, django_capture_on_commit_callbacks
):
    client.force_login(member)
    client.get(DASHBOARD)  # the rules are kept in the cache from here on
    scheme_year.max_grant = 120_000
    with django_capture_on_commit_callbacks(execute=True):  # forgotten once committed
        scheme_year.save()
    content = client.get(DASHBOARD).content.decode()
    assert "120\xa0000" in content or "120,000" in content
    assert "110\xa0000" not in content and "110,000" not in content
