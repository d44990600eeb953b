"""No template compares a state, kind, status or outcome to a raw string (issue 17).

Templates ask the model's or the figure's predicate (``job.is_done``, ``report.is_approved``)
or print its label, so a state's meaning lives in one place. The only comparisons allowed are a
filter form's: the value the person chose (``request.GET``) or the option shown as selected.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
STATE_WORDS = r"[\w.]*(?:status|state|kind|outcome)\b"
STRING = r"[\"'][^\"']*[\"']"
RAW_STATE = re.compile(
    rf"(?P<left>{STATE_WORDS})\s*(?:==|!=)\s*{STRING}|{STRING}\s*(?:==|!=)\s*(?P<right>{STATE_WORDS})"
)


def compares_a_state_by_hand(line: str) -> bool:
    if " selected" in line:
        return False
    return any(
        not (match["left"] or match["right"]).startswith("request.GET")
        for match in RAW_STATE.finditer(line)
    )


def raw_state_comparisons(folder: Path) -> list[str]:
    return [
        f"{path.relative_to(folder)}:{number}"
        for path in sorted(folder.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if compares_a_state_by_hand(line)
    ]


@pytest.mark.parametrize(
    "line",
    [
        '{% if job.status == "done" %}',
        "{% elif row.report_state != 'late' %}",
        '{% if "fail" == eligibility.outcome %}',
        '{% if organisation.kind == "mentor" %}',
        '{% if status == "pending" %}',
    ],
)
def test_a_raw_comparison_is_found(line):
    assert compares_a_state_by_hand(line)


@pytest.mark.parametrize(
    "line",
    [
        '{% if request.GET.status == "open" %}',
        '<option value="late"{% if chosen.status == "late" %} selected{% endif %}>',
        "{% if job.is_done %}",
        "{{ row.report_state.label }}",
        "{% if result.question.kind == kinds.RATING %}",
    ],
)
def test_predicates_and_filter_forms_pass(line):
    assert not compares_a_state_by_hand(line)


def test_no_template_compares_a_state_to_a_raw_string():
    assert raw_state_comparisons(TEMPLATES) == []
