"""Bounds on what people type in courses: every free text has a maximum, refused by the
services (whatever calls them) and said by the forms' text areas; every date typed is between
1900 and 2100, refused by the services and the forms, whose date pickers keep to it too."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from courses import services
from courses.models import Event, FeedbackForm, PracticalTask
from scheme.validators import LONG_TEXT, MESSAGE_TEXT, SHORT_TEXT
from tests.courses.test_services import make_event, refused
from tests.courses.test_views import event_post

TOO_LONG = "Ord " * 6_000  # 24 000 characters: above every maximum


@pytest.fixture(autouse=True)
def _english(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def shared_plan(caseworker, scheme_year):
    plan = services.save_plan(caseworker, scheme_year, introduction="Planen")
    services.save_planned_item(caseworker, plan, kind="course", month=2, topic="Personvern")
    return services.share_plan(caseworker, plan)


@pytest.fixture
def task(caseworker, gathering, participant):
    return services.give_task(
        caseworker,
        gathering,
        title="Heisprat",
        description="Lag en heisprat.",
        organisations=[participant],
        due_on=timezone.localdate() + datetime.timedelta(days=10),
    )


@pytest.fixture
def text_question_form(caseworker, scheme_year):
    return services.save_form(
        caseworker,
        scheme_year.scheme,
        title="Skjema",
        questions=[("text", "Hva vil du si til IMDi?", [], True)],
    )


def limit_message(limit: int, text: str = TOO_LONG) -> str:
    return f"Ensure this value has at most {limit} characters (it has {len(text)})."


# --- free text: refused by the services -----------------------------------------------------


def test_an_event_description_above_its_maximum_is_refused(caseworker, scheme_year):
    at_most = make_event(caseworker, scheme_year, description="x" * MESSAGE_TEXT)
    assert len(Event.objects.get(pk=at_most.pk).description) == MESSAGE_TEXT
    with refused(ValidationError, limit_message(MESSAGE_TEXT)) as info:
        make_event(caseworker, scheme_year, description=TOO_LONG)
    assert list(info.value.message_dict) == ["description"]


def test_a_plan_introduction_above_its_maximum_is_refused(caseworker, scheme_year):
    with refused(ValidationError, limit_message(MESSAGE_TEXT)) as info:
        services.save_plan(caseworker, scheme_year, introduction=TOO_LONG)
    assert list(info.value.message_dict) == ["introduction"]


def test_a_comment_on_the_plan_above_its_maximum_is_refused(shared_plan, member, participant):
    with refused(ValidationError, limit_message(MESSAGE_TEXT)) as info:
        services.comment_on_plan(member, shared_plan, participant, TOO_LONG)
    assert list(info.value.message_dict) == ["text"]


def test_a_cancellation_reason_above_its_maximum_is_refused(caseworker, gathering):
    """The reason is e-mailed to everyone registered."""
    with refused(ValidationError, limit_message(SHORT_TEXT)) as info:
        services.cancel_event(caseworker, gathering, TOO_LONG)
    assert list(info.value.message_dict) == ["reason"]


def test_a_registered_name_above_its_maximum_is_refused(gathering, member, participant):
    name = "Kari " * 40
    with refused(ValidationError, limit_message(150, name.strip())) as info:
        services.register(member, gathering, participant, person_name=name)
    assert list(info.value.message_dict) == ["person_name"]


def test_a_task_text_above_its_maximum_is_refused(caseworker, gathering, participant):
    with refused(ValidationError, limit_message(MESSAGE_TEXT)) as info:
        services.give_task(
            caseworker,
            gathering,
            title="Heisprat",
            description=TOO_LONG,
            organisations=[participant],
            due_on=timezone.localdate() + datetime.timedelta(days=10),
        )
    assert list(info.value.message_dict) == ["description"]


def test_a_hand_in_above_its_maximum_is_refused(task, member, participant):
    assert len(services.hand_in(member, task, participant, text="y" * LONG_TEXT).text) == LONG_TEXT
    text = "Svar " * 4_001  # 20 005 characters
    with refused(ValidationError, limit_message(LONG_TEXT, text)) as info:
        services.hand_in(member, task, participant, text=text)
    assert list(info.value.message_dict) == ["text"]


def test_a_feedback_form_introduction_above_its_maximum_is_refused(caseworker, scheme_year):
    with refused(ValidationError, limit_message(SHORT_TEXT)) as info:
        services.save_form(
            caseworker,
            scheme_year.scheme,
            title="Skjema",
            introduction=TOO_LONG,
            questions=[("rating", "Hvor nyttig?", [], True)],
        )
    assert list(info.value.message_dict) == ["introduction"]


def test_choices_above_their_maximum_are_refused(caseworker, scheme_year):
    choices = [f"Valg nummer {n} " * 10 for n in range(10)]
    with refused(ValidationError, "Question 1: Ensure this value has at most 1000 characters"):
        services.save_form(
            caseworker,
            scheme_year.scheme,
            title="Skjema",
            questions=[("single", "Hva passer best?", choices, True)],
        )


def test_a_free_text_answer_above_its_maximum_is_refused(text_question_form, member, participant):
    [question] = text_question_form.questions.all()
    with refused(ValidationError, limit_message(MESSAGE_TEXT, TOO_LONG.strip())) as info:
        services.answer_form(member, text_question_form, participant, {question.pk: TOO_LONG})
    assert list(info.value.message_dict) == [f"q{question.pk}"]


# --- free text: said and refused by the forms --------------------------------------------------


def textarea_limits(response) -> dict:
    """name -> maxlength of every text area on the page."""
    page = response.content.decode()
    return {
        re.search(r'name="([^"]+)"', tag).group(1): int(re.search(r'maxlength="(\d+)"', tag)[1])
        for tag in re.findall(r"<textarea[^>]*>", page)
        if "maxlength" in tag
    }


def test_the_caseworkers_text_areas_say_their_maximum(client, caseworker, scheme_year, gathering):
    client.force_login(caseworker)
    pages = {
        "courses:event_create": ([], {"description": MESSAGE_TEXT}),
        "courses:event_cancel": ([gathering.pk], {"reason": SHORT_TEXT}),
        "courses:task_give": ([gathering.pk], {"description": MESSAGE_TEXT}),
        "courses:plan_edit": ([scheme_year.year], {"introduction": MESSAGE_TEXT}),
    }
    for name, (args, limits) in pages.items():
        assert textarea_limits(client.get(reverse(name, args=args))) == limits, name
    form_page = textarea_limits(client.get(reverse("courses:form_create")))
    assert form_page["introduction"] == SHORT_TEXT
    assert form_page["questions-0-choices"] == SHORT_TEXT


def test_the_organisations_text_areas_say_their_maximum(
    client, shared_plan, task, text_question_form, member
):
    client.force_login(member)
    plan = client.get(reverse("courses:plan", args=[shared_plan.scheme_year.year]))
    assert textarea_limits(plan) == {"text": MESSAGE_TEXT}
    assert textarea_limits(client.get(reverse("courses:task", args=[task.pk]))) == {
        "text": LONG_TEXT
    }
    [question] = text_question_form.questions.all()
    answer_page = client.get(reverse("courses:form", args=[text_question_form.pk]))
    assert textarea_limits(answer_page) == {f"q{question.pk}": MESSAGE_TEXT}


def test_a_too_long_description_is_told_at_its_field_and_kept(client, caseworker, scheme_year):
    client.force_login(caseworker)
    text = "x" * (MESSAGE_TEXT + 1)
    response = client.post(
        reverse("courses:event_create"), event_post(scheme_year, description=text)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["description"] == [
        f"Write at most {MESSAGE_TEXT} characters (now {len(text)})."
    ]
    assert text in response.content.decode()
    assert not Event.objects.exists()


# --- dates --------------------------------------------------------------------------------------

IMPLAUSIBLE = [datetime.date(1, 1, 1), datetime.date(1899, 12, 31), datetime.date(9999, 12, 31)]
DATE_MESSAGE = "Write a date between 1900 and 2100."


def moment(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, 12, tzinfo=datetime.UTC)


@pytest.mark.parametrize("day", IMPLAUSIBLE)
def test_an_event_at_an_implausible_date_is_refused(caseworker, scheme_year, day):
    with refused(ValidationError, DATE_MESSAGE) as info:
        make_event(
            caseworker,
            scheme_year,
            starts_at=moment(day),
            ends_at=moment(day) + datetime.timedelta(hours=2),
            registration_deadline=day,
        )
    assert set(info.value.message_dict) == {"starts_at", "ends_at", "registration_deadline"}


@pytest.mark.parametrize("day", IMPLAUSIBLE)
def test_a_task_due_at_an_implausible_date_is_refused(caseworker, gathering, participant, day):
    with refused(ValidationError, DATE_MESSAGE) as info:
        services.give_task(
            caseworker,
            gathering,
            title="Heisprat",
            description="Lag en heisprat.",
            organisations=[participant],
            due_on=day,
        )
    assert list(info.value.message_dict) == ["due_on"]
    assert not PracticalTask.objects.exists()


def test_a_form_open_at_implausible_dates_is_refused(caseworker, scheme_year):
    first, last = moment(datetime.date(1900, 1, 1)), moment(datetime.date(2100, 12, 30))
    kept = services.save_form(
        caseworker,
        scheme_year.scheme,
        title="Til grensene",
        opens_at=first,
        closes_at=last,
        questions=[("rating", "Hvor nyttig?", [], True)],
    )
    assert (kept.opens_at, kept.closes_at) == (first, last)
    with refused(ValidationError, DATE_MESSAGE) as info:
        services.save_form(
            caseworker,
            scheme_year.scheme,
            title="Skjema",
            opens_at=moment(datetime.date(1, 1, 1)),
            closes_at=moment(datetime.date(9999, 1, 1)),
            questions=[("rating", "Hvor nyttig?", [], True)],
        )
    assert set(info.value.message_dict) == {"opens_at", "closes_at"}
    assert list(FeedbackForm.objects.all()) == [kept]


def test_the_event_form_refuses_implausible_dates_at_their_fields(client, caseworker, scheme_year):
    client.force_login(caseworker)
    data = event_post(
        scheme_year,
        starts_at="0001-01-01T10:00",
        ends_at="9999-12-31T12:00",
        registration_deadline="0001-01-01",
    )
    response = client.post(reverse("courses:event_create"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    for name in ("starts_at", "ends_at", "registration_deadline"):
        assert errors[name] == [DATE_MESSAGE], name
    assert not Event.objects.exists()


def test_the_task_and_feedback_forms_refuse_implausible_dates(
    client, caseworker, scheme_year, gathering, participant
):
    client.force_login(caseworker)
    response = client.post(
        reverse("courses:task_give", args=[gathering.pk]),
        {
            "title": "Heisprat",
            "description": "Lag en heisprat.",
            "organisations": [participant.pk],
            "due_on": "9999-01-01",
        },
    )
    assert response.context["form"].errors["due_on"] == [DATE_MESSAGE]
    response = client.post(
        reverse("courses:form_create"),
        {
            "scheme": scheme_year.scheme.pk,
            "title": "Skjema",
            "opens_at": "1899-12-31T10:00",
            "closes_at": "2101-01-01T10:00",
            "questions-TOTAL_FORMS": "1",
            "questions-INITIAL_FORMS": "0",
            "questions-0-kind": "rating",
            "questions-0-text": "Hvor nyttig?",
        },
    )
    errors = response.context["form"].errors
    assert (errors["opens_at"], errors["closes_at"]) == ([DATE_MESSAGE], [DATE_MESSAGE])
    assert not PracticalTask.objects.exists() and not FeedbackForm.objects.exists()


def test_the_date_pickers_keep_to_plausible_dates(client, caseworker, gathering):
    client.force_login(caseworker)
    page = client.get(reverse("courses:event_create")).content.decode()
    for name in ("starts_at", "ends_at"):
        [tag] = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
        assert 'min="1900-01-01T00:00"' in tag and 'max="2100-12-31T23:59"' in tag
    [deadline] = re.findall(r'<input[^>]*name="registration_deadline"[^>]*>', page)
    assert 'min="1900-01-01"' in deadline and 'max="2100-12-31"' in deadline
    task_page = client.get(reverse("courses:task_give", args=[gathering.pk])).content.decode()
    [due] = re.findall(r'<input[^>]*name="due_on"[^>]*>', task_page)
    assert 'min="1900-01-01"' in due and 'max="2100-12-31"' in due
