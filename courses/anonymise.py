"""Free text without names: for evaluators, who see only what cannot point to a person, an
organisation or the place it works in.

The one place that says what an anonymised summary blanks out (``Scrubber``, ``anonymised``),
how small a group may be shown (``at_least``, ``small_group_results``) and who reads a feedback
form's results anonymised (``results_for``); the results page for evaluators and the evaluation
summary (``reports.figures.evaluation``, ``reports.builders.documents``) both use it.
"""

import re
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext

from courses import feedback
from courses.models import PARTICIPATING_KINDS, Registration
from organisations.models import Organisation
from scheme.roles import access_for

REDACTED = "[…]"
# "Kristent Interkulturelt Arbeid (KIA)": the short form in parentheses at a name's end.
SHORT_FORM = re.compile(r"\s*\(([^()]+)\)\s*$")


def _alternatives(words) -> str | None:
    """``words`` as one regular-expression alternation, longest first (so a whole name wins
    over a part of it), or None when there are none."""
    words = sorted({w.strip() for w in words if w and len(w.strip()) >= 2}, key=len)
    if not words:
        return None
    return "|".join(re.escape(word) for word in reversed(words))


def _people() -> set[str]:
    """The names of the portal's people and of those registered for events."""
    people = set(get_user_model().objects.values_list("full_name", flat=True))
    return people | set(Registration.objects.values_list("person_name", flat=True))


def _add_name(name: str, names: set, short_forms: set) -> None:
    """``name`` into ``names``, with the name without its short form; the short form
    ("KIA") into ``short_forms``."""
    names.add(name)
    if short := SHORT_FORM.search(name):
        names.add(name[: short.start()])
        short_forms.add(short.group(1).strip())


# The register's columns a portal scrubber reads, table by table (``_register_names`` says
# which are names and which places).
_REGISTER = (
    ("scheme.User", ("full_name",)),
    ("courses.Registration", ("person_name",)),
    ("organisations.Organisation", ("name", "municipality", "postal_place")),
    ("organisations.Collaboration", ("partner_name",)),
    ("organisations.Branch", ("name", "municipality")),
)

# Joins the values of a column (the ASCII unit separator: no name has it; one that did would
# be blanked in its parts, each part where it stands alone too).
SEPARATOR = "\x1f"


def _register_columns() -> tuple[str, ...]:
    """Every column of ``_REGISTER`` as one string of its values (``SEPARATOR`` between them),
    in one query that reads each table once: the database joins the values, so the page reads
    eight strings instead of some 25 000 rows."""
    join = (
        "STRING_AGG(%s, CHR(31))"
        if connection.vendor == "postgresql"
        else "GROUP_CONCAT(%s, CHAR(31))"
    )
    width = max(len(fields) for _label, fields in _REGISTER)
    selects = []
    for n, (label, fields) in enumerate(_REGISTER):
        meta = apps.get_model(label)._meta
        columns = [join % connection.ops.quote_name(meta.get_field(f).column) for f in fields]
        columns += ["NULL"] * (width - len(fields))
        selects.append(
            f"SELECT {n}, {', '.join(columns)} FROM {connection.ops.quote_name(meta.db_table)}"
        )
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects) + " ORDER BY 1")
        rows = cursor.fetchall()
    return tuple(
        value
        for (_n, *values), (_label, fields) in zip(rows, _REGISTER, strict=True)
        for value in values[: len(fields)]
    )


def _register_names(columns):
    """(names, proper nouns) from ``_register_columns``: every organisation's name with and
    without its short form, people's names, and the places and partners the register records.
    Names are matched in any case; short forms, single name parts and places only as written
    (capitalised), so that ordinary words are left alone."""
    (
        users,
        registered,
        organisations,
        municipalities,
        postal_places,
        partners,
        branches,
        branch_municipalities,
    ) = (set((values or "").split(SEPARATOR)) for values in columns)
    people = users | registered
    names, proper = set(people), municipalities | postal_places | branch_municipalities
    for name in organisations:
        _add_name(name, names, proper)
    names |= partners | branches
    proper |= {part for name in people for part in name.split() if part[:1].isupper()}
    return names, proper


_portal_scrubber = None  # (the register's columns, the Scrubber built from them)


class Scrubber:
    """Blanks out, in one pass of one pattern built once, the names of organisations (and
    their short forms), people and places in the register, e-mail addresses, phone numbers
    and organisation numbers in free text."""

    EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    # Phone and organisation numbers: eight digits or more, perhaps in groups (not dates).
    NUMBER = r"(?<!\w)\+?\d(?: ?\d){7,}(?!\w)"

    def __init__(self, names=(), name_parts=()):
        branches = [self.EMAIL]
        if found := _alternatives(names):
            branches.append(rf"(?<!\w)(?i:{found})(?!\w)")
        if found := _alternatives(name_parts):
            branches.append(rf"(?<!\w)(?:{found})(?!\w)")
        branches.append(self.NUMBER)
        self.pattern = re.compile("|".join(f"(?:{branch})" for branch in branches))

    @classmethod
    def for_portal(cls) -> "Scrubber":
        """Every name the register knows (``_register_names``). Building the pattern of some
        13 000 names takes far longer than reading them, so the last one built is kept with the
        names it was built from and used again while the register holds exactly those names:
        the names are read every time, so it is never out of date."""
        global _portal_scrubber
        columns = _register_columns()
        if _portal_scrubber is None or _portal_scrubber[0] != columns:
            _portal_scrubber = (columns, cls(*_register_names(columns)))
        return _portal_scrubber[1]

    @classmethod
    def for_providers(cls) -> "Scrubber":
        """For who gave an event when they are not in the portal (a course provider such as a
        national umbrella body, named in public): the names of the participant and mentor
        organisations (and their short forms) and of people are blanked, not places or the
        names of other bodies."""
        names, short = _people(), set()
        for name in Organisation.objects.filter(kind__in=PARTICIPATING_KINDS).values_list(
            "name", flat=True
        ):
            _add_name(name, names, short)
        return cls(names, short)

    def __call__(self, text: str) -> str:
        return self.pattern.sub(REDACTED, text or "")


def at_least(count: int, smallest: int):
    """``count``, or "fewer than ``smallest``" for a group so small that it could point to an
    organisation or a person (the scheme's ``smallest_group``). None is no one: 0 is shown."""
    if 0 < count < smallest:
        return gettext("fewer than %(n)d") % {"n": smallest}
    return count


@dataclass
class FormSummary:
    """A feedback form's results as a summary shows them."""

    title: str
    about: str  # the event's title, or "" for a scheme-wide form
    questions: list  # courses.feedback.QuestionResult
    anonymised: bool = False
    # Answered by fewer than the scheme's smallest group: no results shown (anonymised only).
    too_few: bool = False
    responses: int | None = None  # how many answered, when the summary is read for a page


def anonymised_texts(texts, scrub=None) -> list[str]:
    """Free text for a summary: names blanked out, empty ones left out, in alphabetical order
    (so the order tells nothing about who wrote first)."""
    scrub = scrub or Scrubber.for_portal()
    return sorted(scrub(text.strip()) for text in texts if text and text.strip())


def anonymised(form, scrub=None, questions=None) -> FormSummary:
    """``form``'s results (or ``questions``, results already read) with every text a reader
    sees blanked: the title, the event's title, each question, the choices offered and the
    free-text answers. Ratings and counts carry nothing to blank."""
    scrub = scrub or Scrubber.for_portal()
    questions = feedback.results(form) if questions is None else questions
    for result in questions:
        result.question.text = scrub(result.question.text)
        result.counts = [(scrub(label), count) for label, count in result.counts]
        result.texts = anonymised_texts(result.texts, scrub)
    about = scrub(form.event.title) if form.event_id else ""
    return FormSummary(scrub(form.title), about, questions)


def results_for(user, form) -> FormSummary:
    """``form``'s results as ``user`` may read them: as written for the caseworkers of the body
    running its scheme, anonymised for everyone else allowed to read them (evaluators): names
    blanked, a form answered by fewer than the scheme's smallest group shows no results (and
    its answers are not read), and a count below it reads "fewer than" (with no chart, whose
    bars would tell the number)."""
    responses = form.responses.count()
    if access_for(user).administers(form.scheme):
        about = form.event.title if form.event_id else ""
        return FormSummary(form.title, about, feedback.results(form), responses=responses)
    smallest = form.scheme.smallest_group
    summary = anonymised(form, questions=[] if responses < smallest else None)
    summary.anonymised = True
    summary.responses = responses
    summary.too_few = responses < smallest
    summary.questions = small_group_results(summary.questions, responses, smallest)
    return summary


def small_group_results(questions, responses: int, smallest: int) -> list:
    """The small-group rule for a form's results (``courses.feedback.QuestionResult``) read
    anonymised: none when the form was answered by fewer than ``smallest``; otherwise each
    count (answers to a question, each choice or rating) below it reads "fewer than", so a
    reader shows no chart whose bars would tell the number."""
    if responses < smallest:
        return []
    for result in questions:
        result.answered = at_least(result.answered, smallest)
        result.counts = [(label, at_least(count, smallest)) for label, count in result.counts]
    return questions
