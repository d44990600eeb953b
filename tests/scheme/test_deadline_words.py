"""One wording of a deadline everywhere (``scheme.formatting.format_deadline`` and the
``deadline`` filter): "by 23.01.2025" ahead, "by today" on the day, "the deadline passed
23.01.2025" after; never "by" a date that has passed beside "passed" for the same date."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from scheme.formatting import format_deadline

DAY = datetime.date(2025, 1, 23)


@pytest.mark.parametrize(
    "today, words",
    [
        (DAY - datetime.timedelta(days=1), "by 23.01.2025"),
        (DAY, "by today"),
        (DAY + datetime.timedelta(days=1), "the deadline passed 23.01.2025"),
    ],
)
def test_a_deadline_is_worded_from_the_date_and_today(today, words):
    with translation.override("en"):
        assert format_deadline(DAY, today) == words


def test_the_filter_words_the_deadline_against_the_local_today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: DAY)
    template = Template("{% load deadlines %}{{ day|deadline }}|{{ none|deadline }}")
    with translation.override("en"):
        assert template.render(Context({"day": DAY, "none": None})) == "by today|"
