"""The charts show their title, an axis with its unit and every label whole: a long label
wraps onto more lines instead of losing its end (the participant's name, in a pairing)."""

import re
from html import unescape

import pytest

from reports.charts import Bar, bar_chart, column_chart, grouped_bars, stacked_bars

PAIRING = "Kristent Interkulturelt Arbeid (KIA) – Somalisk kvinnenettverk Bergen"


def shown_words(svg: str) -> list[str]:
    """The words of every text element, in order: what a reader sees."""
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    return " ".join(unescape(text).replace("\xa0", " ") for text in texts).split()


def whole(label: str, svg: str) -> bool:
    """Whether every word of ``label`` is shown (a word broken at a line end counts whole)."""
    joined = " ".join(shown_words(svg)).replace("- ", "")
    return all(word in joined.split() for word in label.split())


TITLE, UNIT = "Møter per mentorpar", "møter holdt"
COLUMN = "Organisasjonsutvikling og styrearbeid i små foreninger"


@pytest.mark.parametrize(
    ("svg", "label", "figure"),
    [
        (bar_chart([Bar(PAIRING, 12_500)], title=TITLE, unit=UNIT), PAIRING, "12 500"),
        (stacked_bars([(PAIRING, [3, 1])], ["lønn", "aktiviteter"], title=TITLE, unit=UNIT),
         PAIRING, "100 %"),
        (grouped_bars([(PAIRING, [12_500, 2])], ["etterspurt", "arrangementer"], title=TITLE,
                      unit=UNIT), PAIRING, "12 500"),
        (column_chart([Bar(COLUMN, 12_500), Bar("2024", 3)], title=TITLE, unit=UNIT), COLUMN,
         "12 500"),
    ],
    ids=["bars", "stacked", "grouped", "columns"],
)  # fmt: skip
def test_a_chart_shows_its_title_its_unit_and_whole_labels(svg, label, figure):
    words = " ".join(shown_words(svg))
    assert TITLE in words
    assert UNIT in words
    assert figure in words  # numbers with the thousands space
    assert whole(label, svg)
    assert "…" not in svg


def test_a_word_too_long_for_its_line_is_broken_not_dropped():
    svg = bar_chart([Bar("Ungdomsorganisasjonsfellesskapsforbundet", 1)], title="t", unit="u")
    assert whole("Ungdomsorganisasjonsfellesskapsforbundet", svg)


def test_each_label_gets_the_rows_it_needs():
    short = bar_chart([Bar("A", 1)], title="t", unit="u")
    long = bar_chart([Bar(PAIRING * 2, 1)], title="t", unit="u")
    height = lambda svg: int(re.search(r'height="(\d+)"', svg).group(1))  # noqa: E731
    assert height(long) > height(short)
