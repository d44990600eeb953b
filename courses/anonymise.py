"""Free text without names: for evaluators, who see only what cannot point to a person or an
organisation.

The one place that says what an anonymised summary blanks out (``anonymised``) and who reads a
feedback form's results anonymised (``results_for``); the results page for evaluators and the
evaluation summary (``reports.figures.evaluation``) both use it.
"""

import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from courses import feedback
from courses.models import Registration
from organisations.models import Organisation
from scheme.roles import access_for

REDACTED = "[…]"


class Scrubber:
    """Blanks out the names of organisations and people, e-mail addresses, phone numbers and
    organisation numbers in free text."""

    EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
    # Phone and organisation numbers: eight digits or more, perhaps in groups (not dates).
    NUMBER = re.compile(r"(?<!\w)\+?\d(?: ?\d){7,}(?!\w)")

    def __init__(self, names=(), name_parts=()):
        self.names = self._pattern(names, re.IGNORECASE)
        self.parts = self._pattern(name_parts, 0)

    @staticmethod
    def _pattern(words, flags):
        words = sorted({w.strip() for w in words if w and len(w.strip()) >= 2}, key=len)
        if not words:
            return None
        alternatives = "|".join(re.escape(word) for word in reversed(words))
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", flags)

    @classmethod
    def for_portal(cls) -> "Scrubber":
        """Every organisation's name, every person's full name and the parts of it."""
        people = set(get_user_model().objects.values_list("full_name", flat=True))
        people |= set(Registration.objects.values_list("person_name", flat=True))
        parts = {part for name in people for part in name.split() if part[:1].isupper()}
        return cls(set(Organisation.objects.values_list("name", flat=True)) | people, parts)

    def __call__(self, text: str) -> str:
        text = self.EMAIL.sub(REDACTED, text or "")
        for pattern in (self.names, self.parts):
            if pattern is not None:
                text = pattern.sub(REDACTED, text)
        return self.NUMBER.sub(REDACTED, text)


@dataclass
class FormSummary:
    """A feedback form's results as a summary shows them."""

    title: str
    about: str  # the event's title, or "" for a scheme-wide form
    questions: list  # courses.feedback.QuestionResult


def anonymised_texts(texts, scrub=None) -> list[str]:
    """Free text for a summary: names blanked out, empty ones left out, in alphabetical order
    (so the order tells nothing about who wrote first)."""
    scrub = scrub or Scrubber.for_portal()
    return sorted(scrub(text.strip()) for text in texts if text and text.strip())


def anonymised(form, scrub=None) -> FormSummary:
    """``form``'s results with every text a reader sees blanked: the title, the event's title,
    each question, the choices offered and the free-text answers. Ratings and counts carry
    nothing to blank."""
    scrub = scrub or Scrubber.for_portal()
    questions = feedback.results(form)
    for result in questions:
        result.question.text = scrub(result.question.text)
        result.counts = [(scrub(label), count) for label, count in result.counts]
        result.texts = anonymised_texts(result.texts, scrub)
    about = scrub(form.event.title) if form.event_id else ""
    return FormSummary(scrub(form.title), about, questions)


def results_for(user, form) -> FormSummary:
    """``form``'s results as ``user`` may read them: as written for the caseworkers of the body
    running its scheme, anonymised for everyone else allowed to read them (evaluators)."""
    if access_for(user).administers(form.scheme):
        about = form.event.title if form.event_id else ""
        return FormSummary(form.title, about, feedback.results(form))
    return anonymised(form)
