"""Feedback form results, aggregated per question. Free text is listed without names, so the
same results serve caseworkers and evaluators."""

from collections import Counter
from dataclasses import dataclass, field

from courses.models import Answer, QuestionKind
from scheme.compiled import kept


@dataclass
class QuestionResult:
    question: object
    answered: int = 0
    average: float | None = None
    counts: list = field(default_factory=list)  # (label, count), in the question's order
    texts: list = field(default_factory=list)


def results(form) -> list[QuestionResult]:
    """Every question of ``form`` with its aggregate, in two queries."""
    questions = list(form.questions.all())
    answers_by_question = {question.pk: [] for question in questions}
    for answer in _answers_to(form_id=form.pk):
        answers_by_question[answer.question_id].append(answer)
    return [_aggregate(question, answers_by_question[question.pk]) for question in questions]


@kept(params=["form_id"])
def _answers_to(form_id):
    answers = Answer.objects.filter(question__form_id=form_id)
    return answers.only("question_id", "rating", "choices", "text")


def _aggregate(question, answers) -> QuestionResult:
    result = QuestionResult(question=question, answered=len(answers))
    if question.kind == QuestionKind.RATING:
        ratings = [a.rating for a in answers if a.rating is not None]
        tally = Counter(ratings)
        result.counts = [(str(value), tally[value]) for value in range(1, 6)]
        result.average = round(sum(ratings) / len(ratings), 2) if ratings else None
    elif question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        tally = Counter(choice for a in answers for choice in a.choices)
        result.counts = [(choice, tally[choice]) for choice in question.choices]
    else:
        result.texts = sorted(a.text for a in answers if a.text)
    return result
