from auditlog.models import LogEntry
from django.template import Context, Template

from scheme import audit, services
from scheme.verbs import event_verb
from tests import factories

TESTED = event_verb("test.tested", "tested the timeline")


def test_record_and_read_back_a_timeline(db):
    actor = factories.UserFactory(full_name="Kari Nordmann")
    target = factories.OrganisationFactory()
    audit.record(actor, TESTED, target, detail="første")
    audit.record(None, TESTED, target, detail="andre")
    events = list(audit.timeline(target))
    assert [e.detail for e in events] == ["andre", "første"]
    assert events[0].actor is None
    assert events[1].actor == actor
    assert events[1].description == "tested the timeline"


def test_timelines_do_not_mix_objects(db):
    first, second = factories.OrganisationFactory(), factories.OrganisationFactory()
    audit.record(None, TESTED, first)
    assert list(audit.timeline(second)) == []


def test_the_timeline_partial_renders_in_one_query(db, django_assert_num_queries):
    actor = factories.UserFactory(full_name="Kari Nordmann")
    target = factories.OrganisationFactory()
    for n in range(10):
        audit.record(actor, TESTED, target, detail=str(n))
    template = Template("{% load portal %}{% timeline target %}")
    with django_assert_num_queries(1):
        html = template.render(Context({"target": target}))
    assert html.count("Kari Nordmann") == 10
    assert "tested the timeline" in html


def test_a_service_change_is_recorded_field_by_field_with_its_actor(client, scheme_year):
    caseworker = factories.caseworker(scheme_year.scheme.administrator)
    client.force_login(caseworker)
    services.change_year_rules(caseworker, scheme_year, min_mentor_meetings=8)
    entry = LogEntry.objects.get_for_object(scheme_year).latest("timestamp")
    assert entry.changes_dict["min_mentor_meetings"] == ["6", "8"]
    [event] = audit.timeline(scheme_year.scheme)
    assert event.actor == caseworker
    assert "2022" in event.detail


def test_changes_through_a_web_request_carry_the_actor(client, scheme_year):
    caseworker = factories.caseworker(scheme_year.scheme.administrator)
    client.force_login(caseworker)
    form = {"full_name": "Nytt Navn", "phone": "", "language": "en", "notify_by": "portal"}
    client.post("/account/", form)
    entry = LogEntry.objects.get_for_object(caseworker).latest("timestamp")
    assert entry.actor == caseworker
    assert "full_name" in entry.changes_dict
