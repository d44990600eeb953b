"""The events section of the evaluation summary (reports.figures.events): one line per event
(a postponed one too), who gave it and where, planned against held, how many organisations came
and brought two, the tasks handed in; the plan-against-held years agree with the summary's
years; nothing names a participant; and the PDF section builds in both languages, fits the page
and repeats its table header on the next page."""

import datetime
import io

import pytest
from django.utils import formats, timezone, translation
from pdfminer.high_level import extract_pages

from courses import services
from courses.anonymise import Scrubber
from courses.models import Event
from reports.figures.definitions import DEFINITIONS, Period
from reports.figures.evaluation import _year_rows
from reports.figures.events import event_figures, provider_shown
from tests import factories
from tests.reports import dataset
from tests.reports.test_pdf_layout import build, lines, outside_the_page


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def in_days(days, hour=10):
    moment = timezone.localtime() + datetime.timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def make_event(caseworker, scheme_year, days, **fields):
    starts = in_days(days)
    values = {
        "scheme_year": scheme_year,
        "kind": "course",
        "audience": "participants",
        "title": "Kurs",
        "starts_at": starts,
        "ends_at": starts + datetime.timedelta(hours=2),
        "is_digital": True,
        "registration_deadline": timezone.localdate(),
    }
    return services.save_event(caseworker, **(values | fields))


def move_to_past(caseworker, event, days_ago=2):
    starts = in_days(-days_ago)
    return services.save_event(
        caseworker,
        event,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=6),
        registration_deadline=starts.date(),
    )


@pytest.fixture
def story(db):
    """A gathering in the administering body's premises, postponed a week and then held, where
    one organisation brought two, one brought one and one stayed away, with a task for two
    organisations of which one handed in; a digital course outside the plan, held; a joint
    meeting cancelled; a course by a mentor organisation still to come."""
    today = timezone.localdate()
    scheme_year = factories.SchemeYearFactory(year=today.year)
    body = scheme_year.scheme.administrator
    caseworker = factories.caseworker(body)
    one, two, three = (
        factories.OrganisationFactory(kind="participant", name=name)
        for name in ("Aktiv Sagene", "Bydelsmødre Nord", "Somalisk Forening Tøyen")
    )
    factories.taking_part(scheme_year, one, two, three)
    members = {org: factories.member_of(org) for org in (one, two, three)}
    plan = services.save_plan(caseworker, scheme_year)
    gathering_item = services.save_planned_item(
        caseworker, plan, kind="gathering", month=today.month, topic="Samling"
    )
    services.save_planned_item(caseworker, plan, kind="course", month=today.month, topic="Kurs")
    gathering = make_event(
        caseworker,
        scheme_year,
        3,
        kind="gathering",
        title="Fellessamling med Aktiv Sagene",
        is_digital=False,
        place="Tollbugata 20, Oslo",
        at_administrator=True,
        provider=body,
        planned_item=gathering_item,
    )
    first = gathering.starts_at
    kari = services.register(members[one], gathering, one, person_name="Kari")
    ola = services.register(members[one], gathering, one, person_name="Ola")
    per = services.register(members[two], gathering, two, person_name="Per")
    services.register(members[three], gathering, three, person_name="Siri")
    services.postpone_event(
        caseworker,
        gathering,
        starts_at=first + datetime.timedelta(days=7),
        ends_at=first + datetime.timedelta(days=7, hours=6),
        registration_deadline=today,
        reason="Lokalet var opptatt.",
    )
    gathering = move_to_past(caseworker, Event.objects.get(pk=gathering.pk))
    services.mark_attendance(caseworker, gathering, [kari.pk, ola.pk, per.pk])
    task = services.give_task(
        caseworker,
        gathering,
        title="Søknadsskisse",
        description="Skriv en skisse sammen.",
        organisations=[one, two],
        due_on=today + datetime.timedelta(days=14),
    )
    services.hand_in(members[two], task, two, text="Her er skissen.")
    course = make_event(caseworker, scheme_year, 5, provider_name="Frivillighet Norge")
    move_to_past(caseworker, course, days_ago=1)
    meeting = make_event(caseworker, scheme_year, 4, kind="joint_meeting", title="Fellesmøte")
    services.cancel_event(caseworker, meeting, "Sykdom.")
    mentor = factories.OrganisationFactory(kind="mentor", name="Mentorhjelpen")
    make_event(caseworker, scheme_year, 6, provider=mentor, title="Kurs i styrearbeid")
    period = Period.of(datetime.date(today.year, 1, 1), datetime.date(today.year + 1, 12, 31))
    return scheme_year, period, first


def test_one_line_per_event_with_what_happened(story, english):
    scheme_year, period, first = story
    figures = event_figures(scheme_year.scheme, period, Scrubber.for_portal())
    by_kind = {(line.kind, line.cancelled, line.held): line for line in figures.events}
    assert len(figures.events) == 4  # the postponed gathering is one event, not two
    gathering = by_kind[("gathering", False, True)]
    assert gathering.postponed and gathering.first_planned == timezone.localtime(first).date()
    assert gathering.venue == "the administering body's premises" and not gathering.is_digital
    assert gathering.provider == scheme_year.scheme.administrator.name
    assert gathering.planned_month == timezone.localdate().strftime("%B")
    assert (gathering.organisations_came, gathering.brought_two) == (2, 1)
    assert (gathering.tasks, gathering.organisations_tasked, gathering.handed_in) == (1, 2, 1)
    course = by_kind[("course", False, True)]
    assert (course.venue, course.provider, course.planned_month) == (
        "digital",
        "Frivillighet Norge",
        "",
    )
    assert (course.organisations_came, course.brought_two) == (0, 0)
    assert by_kind[("joint meeting", True, False)].organisations_came is None
    coming = by_kind[("course", False, False)]
    assert coming.provider == "mentor organisation" and coming.organisations_came is None


def test_no_participant_is_named(story):
    scheme_year, period, _first = story
    figures = event_figures(scheme_year.scheme, period, Scrubber.for_portal())
    shown = " ".join(f"{line.title} {line.provider} {line.venue}" for line in figures.events)
    for name in ("Aktiv Sagene", "Bydelsmødre", "Somalisk", "Mentorhjelpen", "Kari", "Ola"):
        assert name not in shown


def test_a_provider_outside_the_portal_is_named_but_not_a_participant_in_it(story):
    scrub = Scrubber.for_providers()
    assert provider_shown(Event(provider_name="Frivillighet Norge"), scrub) == "Frivillighet Norge"
    shown = provider_shown(Event(provider_name="Kari fra Aktiv Sagene"), scrub)
    assert "Aktiv Sagene" not in shown and "Kari" not in shown


def test_the_plan_against_held_agrees_with_the_summarys_years(story):
    scheme_year, period, _first = story
    events = event_figures(scheme_year.scheme, period, Scrubber.for_portal())
    row = events.years[0]
    assert (row.year, row.planned, row.planned_held, row.held, row.outside_plan) == (
        scheme_year.year, 2, 1, 2, 1,
    )  # fmt: skip
    assert (row.postponed, row.cancelled, row.attended) == (1, 1, 3)
    summary_years = _year_rows(scheme_year.scheme, period)  # the summary's "Year by year"
    assert [(y.year, y.events_held, y.attended) for y in summary_years] == [
        (y.year, y.held, y.attended) for y in events.years
    ]


def test_the_definitions_are_written():
    with translation.override("en"):
        terms = [str(term) for term, _text in DEFINITIONS]
    assert "Events in full" in terms and "Plan against held events" in terms


def pages_with(content: bytes, text: str) -> int:
    return sum(
        any(text in line.get_text() for line in lines(page))
        for page in extract_pages(io.BytesIO(content))
    )


@pytest.mark.parametrize(("language", "header"), [("nb", "Holdes av"), ("en", "Given by")])
def test_the_events_section_fits_the_page_and_repeats_its_header(db, language, header):
    data = dataset.build()
    for number in range(45):  # enough lines for the table to go on to the next page
        make_event(
            data.caseworker,
            data.scheme_year,
            -3 - number % 20,
            title=f"Et svært langt kursnavn om styrearbeid, regnskap og søknader nummer {number}",
            is_digital=False,
            place="Integrerings- og mangfoldsdirektoratets lokaler, Tollbugata 20, 0152 Oslo",
            provider_name="Frivillighet Norge og Likestillingssenteret sammen",
            registration_deadline=in_days(-25).date(),
        )
    content = build("evaluation", language, scheme=data.scheme.pk)
    assert outside_the_page(content) == []
    assert pages_with(content, header) >= 2
    with translation.override(language):  # the weekday in the reader's language
        weekday = formats.date_format(in_days(-3), "l").capitalize()
    assert pages_with(content, weekday) >= 1
