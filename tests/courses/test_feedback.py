"""Feedback forms: the caseworker builds one, each organisation person answers once, the
results are aggregated exactly per question, and nobody reading them (evaluators included)
learns who answered what."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from courses import feedback, services
from courses.models import Answer, FeedbackForm, Question, Response
from scheme.models import Event as TimelineEvent
from tests import factories
from tests.courses.test_services import refused, verbs

QUESTIONS = [
    ("rating", "Hvor nyttig var ordningen?", [], True),
    ("single", "Vil dere fortsette?", ["Ja", "Nei", "Vet ikke"], True),
    ("multiple", "Hva var mest nyttig?", ["Kurs", "Mentor", "Samlinger", "Tilskuddet"], True),
    ("text", "Hva vil du si til IMDi?", [], False),
]


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def form(caseworker, scheme_year):
    return services.save_form(
        caseworker, scheme_year.scheme, title="Avslutningsskjema", questions=QUESTIONS
    )


@pytest.fixture
def other_caseworker(db):
    return factories.caseworker()


def answers(form, rating="4", single="Ja", chosen=("Kurs",), text=""):
    """Answers as the service takes them: question id -> value."""
    rating_q, single_q, multiple_q, text_q = form.questions.all()
    return {rating_q.pk: rating, single_q.pk: single, multiple_q.pk: list(chosen), text_q.pk: text}


def respondent(scheme_year):
    """A person of a participant organisation of their own, taking part in the scheme year."""
    [organisation] = factories.taking_part(
        scheme_year, factories.OrganisationFactory(kind="participant")
    )
    return factories.member_of(organisation), organisation


# --- building the form ----------------------------------------------------------------------------


def test_the_caseworker_builds_a_form_for_the_scheme_or_an_event(
    caseworker, scheme_year, form, gathering
):
    questions = list(form.questions.all())
    assert [(q.position, q.kind, q.text, q.required) for q in questions] == [
        (1, "rating", "Hvor nyttig var ordningen?", True),
        (2, "single", "Vil dere fortsette?", True),
        (3, "multiple", "Hva var mest nyttig?", True),
        (4, "text", "Hva vil du si til IMDi?", False),
    ]
    assert questions[1].choices == ["Ja", "Nei", "Vet ikke"] and questions[0].choices == []
    assert verbs(form) == ["courses.form_saved"]
    about_event = services.save_form(
        caseworker,
        scheme_year.scheme,
        event=gathering,
        title="Om samlingen",
        questions=[("rating", "Hvordan var dagen?", [], True), ("text", "Tips?", ["x"], False)],
    )
    assert about_event.event == gathering
    assert about_event.questions.get(kind="text").choices == []  # only choices keep choices


def test_changing_a_form_replaces_its_questions_until_someone_answers(
    caseworker, scheme_year, form, member, participant
):
    services.save_form(
        caseworker,
        scheme_year.scheme,
        form=form,
        title="Avslutningsskjema 2024",
        questions=QUESTIONS[:2],
    )
    form.refresh_from_db()
    assert form.title == "Avslutningsskjema 2024" and form.questions.count() == 2
    rating_q, single_q = form.questions.all()
    services.answer_form(member, form, participant, {rating_q.pk: "5", single_q.pk: "Ja"})
    with refused(
        ValidationError, "People have answered this form; its questions stay as they are."
    ):
        services.save_form(
            caseworker, scheme_year.scheme, form=form, title="Nytt", questions=QUESTIONS
        )


@pytest.mark.parametrize("who", ["member", "mentor", "evaluator", "other_caseworker"])
def test_only_the_schemes_caseworkers_build_forms(request, who, scheme_year, form):
    actor = request.getfixturevalue(who)
    with refused(PermissionDenied):
        services.save_form(actor, scheme_year.scheme, title="Skjema", questions=QUESTIONS)
    with refused(PermissionDenied):
        services.save_form(
            actor, scheme_year.scheme, form=form, title="Kapret", questions=QUESTIONS
        )


def test_another_body_cannot_change_the_form_through_its_own_scheme(other_caseworker, form):
    own_scheme = factories.SchemeFactory(
        administrator=other_caseworker.memberships.get().organisation
    )
    with refused(PermissionDenied):
        services.save_form(
            other_caseworker, own_scheme, form=form, title="Kapret", questions=QUESTIONS
        )


def test_a_form_for_an_event_of_another_scheme_is_refused(caseworker, gathering):
    own_scheme = factories.SchemeFactory(administrator=gathering.scheme_year.scheme.administrator)
    with refused(ValidationError, "Choose an event of this scheme."):
        services.save_form(
            caseworker, own_scheme, event=gathering, title="Skjema", questions=QUESTIONS
        )


@pytest.mark.parametrize(
    "questions, fields, message",
    [
        ([], {}, "Add at least one question."),
        ([("single", "Ja eller nei?", ["Ja"], True)], {}, "Question 1 needs at least two choices."),
        (
            [("rating", "Nyttig?", [], True), ("multiple", "Hva?", [], True)],
            {},
            "Question 2 needs at least two choices.",
        ),
        ([("slider", "Hvor mye?", [], True)], {}, "Question 1: Value 'slider' is not a valid"),
        ([("text", "", [], True)], {}, "Question 1: This field cannot be blank."),
        (
            QUESTIONS,
            {
                "opens_at": timezone.now(),
                "closes_at": timezone.now() - datetime.timedelta(days=1),
            },
            "The form must close after it opens.",
        ),
        (QUESTIONS, {"title": ""}, "This field cannot be blank."),
    ],
)
def test_a_form_with_bad_questions_or_dates_is_refused(
    caseworker, scheme_year, questions, fields, message
):
    values = {"title": "Skjema", **fields}
    with refused(ValidationError, message):
        services.save_form(caseworker, scheme_year.scheme, questions=questions, **values)
    assert not FeedbackForm.objects.exists() and not Question.objects.exists()


# --- answering ------------------------------------------------------------------------------------


def test_a_person_answers_once(form, member, participant):
    response = services.answer_form(
        member, form, participant, answers(form, "5", "Ja", ("Kurs", "Mentor"), "  Takk!  ")
    )
    assert (response.respondent, response.organisation) == (member, participant)
    stored = {a.question.kind: a for a in response.answers.select_related("question")}
    assert stored["rating"].rating == 5
    assert stored["single"].choices == ["Ja"]
    assert stored["multiple"].choices == ["Kurs", "Mentor"]
    assert stored["text"].text == "Takk!"
    for again in (answers(form, "1"), answers(form, "99")):  # even with other or wrong answers
        with refused(ValidationError, "You have already answered this form. Thank you!"):
            services.answer_form(member, form, participant, again)


def test_two_people_of_one_organisation_answer_each_for_themselves(form, member, participant):
    colleague = factories.member_of(participant, role="member")
    services.answer_form(member, form, participant, answers(form))
    services.answer_form(colleague, form, participant, answers(form))
    assert Response.objects.filter(organisation=participant).count() == 2


def test_an_optional_question_left_empty_stores_no_answer(form, member, participant):
    response = services.answer_form(member, form, participant, answers(form, text="   "))
    assert sorted(response.answers.values_list("question__kind", flat=True)) == [
        "multiple",
        "rating",
        "single",
    ]


def test_a_choice_ticked_twice_counts_once(form, member, participant):
    services.answer_form(member, form, participant, answers(form, chosen=["Kurs", "Kurs"]))
    assert Answer.objects.get(question__kind="multiple").choices == ["Kurs"]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"rating": ""}, "Please answer this question."),
        ({"rating": "9"}, "Choose a number from 1 to 5."),
        ({"rating": "fire"}, "Choose a number from 1 to 5."),
        ({"single": "Kanskje"}, "Choose one of the answers."),
        ({"single": ""}, "Please answer this question."),
        ({"chosen": ["Kurs", "Ferie"]}, "Choose among the answers."),
        ({"chosen": []}, "Please answer this question."),
    ],
)
def test_bad_answers_are_refused(form, member, participant, change, message):
    with refused(ValidationError, message):
        services.answer_form(member, form, participant, answers(form, **change))


def test_a_required_text_of_spaces_is_no_answer(caseworker, scheme_year, member, participant):
    form = services.save_form(
        caseworker,
        scheme_year.scheme,
        title="Ett spørsmål",
        questions=[("text", "Hva lærte dere?", [], True)],
    )
    question = form.questions.get()
    with refused(ValidationError, "Please answer this question."):
        services.answer_form(member, form, participant, {question.pk: "   "})


def test_a_closed_or_not_yet_open_form_takes_no_answers(
    caseworker, scheme_year, form, member, participant
):
    now = timezone.now()
    for opens_at, closes_at in (
        (now - datetime.timedelta(days=10), now - datetime.timedelta(days=1)),
        (now + datetime.timedelta(days=1), now + datetime.timedelta(days=10)),
    ):
        services.save_form(
            caseworker,
            scheme_year.scheme,
            form=form,
            title=form.title,
            opens_at=opens_at,
            closes_at=closes_at,
            questions=QUESTIONS,
        )
        form.refresh_from_db()
        with refused(ValidationError, "This form is not open for answers."):
            services.answer_form(member, form, participant, answers(form))


def test_only_organisation_people_answer_and_only_for_their_own_organisation(
    form, member, other_participant, caseworker, evaluator
):
    administrator = caseworker.memberships.get().organisation
    evaluator_org = evaluator.memberships.get().organisation
    for actor, organisation in (
        (member, other_participant),
        (caseworker, administrator),
        (evaluator, evaluator_org),
    ):
        with refused(PermissionDenied):
            services.answer_form(actor, form, organisation, answers(form))


def test_a_form_about_an_event_is_answered_by_its_audience(caseworker, gathering, mentor):
    form = services.save_form(
        caseworker,
        gathering.scheme_year.scheme,
        event=gathering,
        title="Om samlingen",
        questions=[("rating", "Hvordan var dagen?", [], True)],
    )
    question = form.questions.get()
    with refused(PermissionDenied):  # the gathering was for participants
        services.answer_form(mentor, form, mentor.memberships.get().organisation, {question.pk: 4})


def test_answering_leaves_no_trace_of_who_answered_in_the_history(form, member, participant):
    """The form's history says an answer came in (so reports know the data changed), but
    not from whom or what."""
    timeline, history = TimelineEvent.objects.count(), LogEntry.objects.count()
    services.answer_form(member, form, participant, answers(form, text="Hemmelig"))
    assert TimelineEvent.objects.count() == timeline + 1
    event = TimelineEvent.objects.latest("pk")
    assert event.actor is None and event.detail == "" and event.target == form
    assert LogEntry.objects.count() == history


# --- the results ----------------------------------------------------------------------------------

ANSWERED = [
    ("5", "Ja", ("Kurs", "Mentor"), "Mentoren var gull verdt."),
    ("4", "Ja", ("Kurs", "Samlinger"), ""),
    ("4", "Vet ikke", ("Kurs",), "Flere kveldskurs."),
    ("2", "Ja", ("Tilskuddet", "Mentor", "Samlinger"), ""),
]


@pytest.fixture
def answered(form, scheme_year):
    people = []
    for rating, single, chosen, text in ANSWERED:
        person, organisation = respondent(scheme_year)
        services.answer_form(
            person, form, organisation, answers(form, rating, single, chosen, text)
        )
        people.append((person, organisation))
    return people


def test_results_are_aggregated_exactly(form, answered, django_assert_num_queries):
    with django_assert_num_queries(2):
        rating, single, multiple, text = feedback.results(form)
    assert rating.answered == 4 and rating.average == 3.75
    assert rating.counts == [("1", 0), ("2", 1), ("3", 0), ("4", 2), ("5", 1)]
    assert single.answered == 4
    assert single.counts == [("Ja", 3), ("Nei", 0), ("Vet ikke", 1)]
    assert multiple.counts == [("Kurs", 3), ("Mentor", 2), ("Samlinger", 2), ("Tilskuddet", 1)]
    assert text.answered == 2  # the optional question left empty twice
    assert text.texts == ["Flere kveldskurs.", "Mentoren var gull verdt."]  # sorted, not by who
    assert rating.texts == [] and text.counts == [] and text.average is None


def test_results_of_a_form_nobody_answered(form):
    rating, single, _multiple, text = feedback.results(form)
    assert rating.answered == 0 and rating.average is None
    assert rating.counts == [(str(n), 0) for n in range(1, 6)]
    assert single.counts == [("Ja", 0), ("Nei", 0), ("Vet ikke", 0)]
    assert text.texts == []


def test_results_carry_no_names(form, answered):
    names = {name for person, organisation in answered for name in (person, organisation)}
    for result in feedback.results(form):
        assert set(vars(result)) == {"question", "answered", "average", "counts", "texts"}
        values = [label for label, _count in result.counts] + result.texts
        assert not any(str(name) in str(value) for name in names for value in values)


def test_the_evaluator_reads_the_results_page_without_names(client, form, answered, evaluator):
    client.force_login(evaluator)
    response = client.get(reverse("courses:form_results", args=[form.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Mentoren var gull verdt." in page and "Flere kveldskurs." in page
    assert "3.8 of 5" in page  # 3.75, shown with one decimal
    for person, organisation in answered:
        for name in (person.full_name, person.email, organisation.name):
            assert name not in page
    # The evaluator reads; answering is for the organisations.
    evaluator_org = evaluator.memberships.get().organisation
    with refused(PermissionDenied):
        services.answer_form(evaluator, form, evaluator_org, answers(form))


def test_names_written_in_free_text_are_blanked_out_for_the_evaluator(
    client, form, evaluator, caseworker, scheme_year
):
    scheme_year.scheme.smallest_group = 1  # one answer is enough to show results here
    scheme_year.scheme.save()
    person, organisation = respondent(scheme_year)
    text = f"Takk til {person.full_name} i {organisation.name}, ring 91234567."
    services.answer_form(person, form, organisation, answers(form, 4, "Ja", ["Kurs"], text))
    client.force_login(evaluator)
    page = client.get(reverse("courses:form_results", args=[form.pk])).content.decode()
    assert "Takk til" in page
    for name in (person.full_name, organisation.name, "91234567"):
        assert name not in page
    client.force_login(caseworker)  # the scheme's caseworker reads the answer as written
    page = client.get(reverse("courses:form_results", args=[form.pk])).content.decode()
    assert person.full_name in page


def test_the_evaluator_sees_fewer_than_the_smallest_group_as_fewer_than(
    client, form, answered, evaluator, caseworker
):
    client.force_login(evaluator)
    page = client.get(reverse("courses:form_results", args=[form.pk])).content.decode()
    assert "4 people have answered" in page  # four answers: the form's results are shown
    assert "fewer than 3" in page  # the rating 2 and the rating 5 were given by one each
    assert "<svg" not in page  # no bars whose height tells the number
    client.force_login(caseworker)
    page = client.get(reverse("courses:form_results", args=[form.pk])).content.decode()
    assert "fewer than 3" not in page and "færre enn 3" not in page  # exact counts


def test_a_form_answered_by_fewer_than_the_smallest_group_shows_the_evaluator_nothing(
    client, form, evaluator, scheme_year
):
    for _ in range(2):
        person, organisation = respondent(scheme_year)
        services.answer_form(person, form, organisation, answers(form, text="Veldig bra kurs."))
    client.force_login(evaluator)
    page = client.get(reverse("courses:form_results", args=[form.pk])).content.decode()
    assert "Fewer than 3 people have answered" in page
    assert "Veldig bra kurs." not in page and "Average" not in page


def test_results_are_for_the_schemes_caseworkers_and_the_evaluators_only(
    client, form, answered, caseworker, other_caseworker, member
):
    url = reverse("courses:form_results", args=[form.pk])
    client.force_login(caseworker)
    assert client.get(url).status_code == 200
    client.force_login(other_caseworker)
    assert client.get(url).status_code == 404
    client.force_login(member)
    assert client.get(url).status_code == 403


def test_the_evaluators_dashboard_leads_to_the_results(client, evaluator, form, answered):
    client.force_login(evaluator)
    page = client.get(reverse("dashboard")).content.decode()
    assert reverse("courses:form_results", args=[form.pk]) in page
    assert "4 answers" in page
    assert reverse("reports:list") in page
