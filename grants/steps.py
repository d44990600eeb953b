"""The steps of the application form and the grant report form, and how far each has come.

Whether a step is done is not decided here: a step is missing when the service's check
(``services.missing_for_submission``, ``services.missing_from_report``) names its part, so the
step list and the refusal to send can never disagree. The template partial
``grants/partials/steps.html`` shows the list.
"""

from dataclasses import dataclass
from typing import NamedTuple

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

DONE, MISSING, OPTIONAL = "done", "missing", "optional"


class Step(NamedTuple):
    part: str  # the part the service's Missing names, and the step's slug in the URL
    title: str
    optional: bool = False  # nothing in it is needed to send


APPLICATION_STEPS = [
    Step("amount", _("Amount and budget")),
    Step("activities", _("Activities")),
    Step("needs", _("Needs"), optional=True),
    Step("documents", _("Documents")),
]
REPORT_STEPS = [
    Step("results", _("Results")),
    Step("activities", _("Activities and people")),
    Step("accounts", _("Accounts")),
    Step("auditor", _("Auditor")),
]
# The last step of every form, after the steps that are filled in: its page has no state.
SEND = Step("send", _("Check and send"))


def with_send(steps) -> list[Step]:
    """The steps as the tabs show them and count them: the form's own, then check and send."""
    return [*steps, SEND]


@dataclass(frozen=True)
class ShownStep:
    """A step as the partial shows it: where it leads and how far it has come (the last step,
    check and send, has no state)."""

    slug: str
    title: str
    url: str
    state: str | None
    current: bool

    @property
    def is_done(self) -> bool:
        return self.state == DONE

    @property
    def is_missing(self) -> bool:
        return self.state == MISSING

    @property
    def is_optional(self) -> bool:
        return self.state == OPTIONAL


def report_steps(report) -> list[Step]:
    """The report's steps: the auditor's only when the grant needs an audit."""
    return [step for step in REPORT_STEPS if step.part != "auditor" or report.award.needs_audit]


def state_of(step, missing_parts, filled_optional=False) -> str:
    if step.optional:
        return DONE if filled_optional else OPTIONAL
    return MISSING if step.part in missing_parts else DONE


def step_list(
    steps, missing, *, current, edit_url, pk, send_url, filled_optional=frozenset()
) -> list[ShownStep]:
    """Each step with its title, link (``edit_url`` with ``pk`` and the part), state and
    whether it is the one shown, then the last step (check and send). ``missing`` is the
    service's list of ``Missing(part, message)``; ``filled_optional`` the optional parts the
    organisation has filled in anyway."""
    missing_parts = {problem.part for problem in missing}
    return [
        ShownStep(
            step.part,
            step.title,
            send_url if step is SEND else reverse(edit_url, args=[pk, step.part]),
            None if step is SEND else state_of(step, missing_parts, step.part in filled_optional),
            step.part == current,
        )
        for step in with_send(steps)
    ]


def problem_list(steps, missing, *, edit_url, pk) -> list[dict]:
    """What the service says is missing, each with the step that fixes it and its link."""
    titles = {step.part: step.title for step in steps}
    return [
        {
            "text": str(problem.message),
            "step": titles[problem.part],
            "url": reverse(edit_url, args=[pk, problem.part]),
        }
        for problem in missing
    ]


def where_in(steps, current) -> dict:
    """The template's words for where ``current`` is among ``steps``, counted as the tabs
    show them (check and send included, so "Step 1 of 5" above five tabs)."""
    shown = with_send(steps)
    position = [step.part for step in shown].index(current)
    return {
        "step": current,
        "step_title": shown[position].title,
        "step_number": position + 1,
        "step_count": len(shown),
        "is_last": position == len(steps) - 1,  # the next page is check and send
    }


def next_part(steps, current) -> str | None:
    """The step after ``current``, or None after the last (then comes check and send)."""
    parts = [step.part for step in steps]
    position = parts.index(current)
    return parts[position + 1] if position + 1 < len(parts) else None
