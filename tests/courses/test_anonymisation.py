"""One anonymisation (``courses.anonymise``): the evaluators' results page and the evaluation
summary blank out the same things — a name in an answer, in a question, in a choice and in the
form's title — and the scheme's own caseworkers read the results as written."""

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import services
from courses.anonymise import REDACTED, FormSummary, Scrubber, anonymised, results_for
from reports.figures.evaluation import evaluation_figures
from tests.courses.test_feedback import respondent


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def named(caseworker, scheme_year):
    """A form whose title, question and choice name an organisation and a person, answered
    with both names in the free text."""
    person, organisation = respondent(scheme_year)
    form = services.save_form(
        caseworker,
        scheme_year.scheme,
        title=f"Skjema for {organisation.name}",
        questions=[
            ("text", f"Hva lærte dere av {person.full_name}?", [], True),
            ("single", "Hvem hjalp mest?", [organisation.name, "Ingen"], True),
        ],
    )
    text_q, single_q = form.questions.all()
    services.answer_form(
        person,
        form,
        organisation,
        {
            text_q.pk: f"Takk til {person.full_name} i {organisation.name}!",
            single_q.pk: organisation.name,
        },
    )
    return form, person, organisation


def shown(summary) -> list[str]:
    """Every text a summary shows, in order."""
    texts = [summary.title]
    for result in summary.questions:
        texts.append(result.question.text)
        texts += [label for label, _count in result.counts]
        texts += result.texts
    return texts


BLANKED = [
    f"Skjema for {REDACTED}",
    f"Hva lærte dere av {REDACTED}?",
    f"Takk til {REDACTED} i {REDACTED}!",
    "Hvem hjalp mest?",
    REDACTED,
    "Ingen",
]


def test_every_text_of_the_summary_is_blanked(named):
    form, _person, _organisation = named
    assert shown(anonymised(form)) == BLANKED


def test_the_results_page_and_the_evaluation_blank_the_same(client, named, evaluator, scheme_year):
    form, person, organisation = named
    scheme_year.scheme.smallest_group = 1  # one answer is enough to show results here
    scheme_year.scheme.save()
    [evaluated] = evaluation_figures(scheme_year.scheme, timezone.localdate()).feedback
    assert shown(FormSummary(evaluated.title, "", evaluated.questions)) == BLANKED
    client.force_login(evaluator)
    page = client.get(reverse("courses:form_results", args=[form.pk])).content.decode()
    for text in BLANKED:
        assert text in page
    for name in (person.full_name, organisation.name):
        assert name not in page


def test_the_schemes_caseworkers_read_the_results_as_written(client, named, caseworker, evaluator):
    form, person, _organisation = named
    assert person.full_name in " ".join(shown(results_for(caseworker, form)))
    assert person.full_name not in " ".join(shown(results_for(evaluator, form)))
    client.force_login(caseworker)
    page = client.get(reverse("courses:form_results", args=[form.pk])).content.decode()
    assert f"Hva lærte dere av {person.full_name}?" in page


def test_the_kept_pattern_follows_every_change_to_the_register(named, django_assert_num_queries):
    _form, person, organisation = named
    scrub = Scrubber.for_portal()
    with django_assert_num_queries(1):  # the names are read each time, the pattern reused
        assert Scrubber.for_portal() is scrub
    organisation.name = "Fargerike Fellesskap"
    organisation.save()
    type(person).objects.filter(pk=person.pk).update(full_name="Ola Omdøpt")  # no signal
    scrub = Scrubber.for_portal()
    assert scrub("Fargerike fellesskap takker Ola Omdøpt") == f"{REDACTED} takker {REDACTED}"
