"""Nothing in an evaluator's output points to an organisation, a person or a place: names from
the register planted in every free text that reaches the evaluator (check-in comments, a
feedback form's title, question, choices and answers) are blanked in the evaluation summary and
on the results page for evaluators, and a group smaller than the scheme's smallest group is
shown as "fewer than"."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from courses import services as courses
from courses.anonymise import REDACTED, Scrubber, at_least
from mentoring import services as mentoring
from reports.builders import builder_for
from tests import factories
from tests.reports import dataset
from tests.reports.test_pdfs import Pdf

PLANTED = (
    "LNU og Færder frivilligsentral hjalp oss i Dønna (Solfjellsjøen) sammen med Aisha Ali og "
    "Landsrådet for Norges barne- og ungdomsorganisasjoner."
)
NAMES = ["LNU", "Færder", "frivilligsentral", "Dønna", "Solfjellsjøen", "Aisha", "Ali",
         "Landsrådet"]  # fmt: skip


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def planted(db):
    """The data set with the register's organisations, places and people named in every free
    text an evaluator reads, and a form answered by three organisations."""
    data = dataset.build()
    factories.OrganisationFactory(
        kind="mentor", name="Landsrådet for Norges barne- og ungdomsorganisasjoner (LNU)"
    )
    factories.OrganisationFactory(
        kind="mentor", name="Færder frivilligsentral", municipality="Færder"
    )
    factories.OrganisationFactory(name="Kvinnenettverket", municipality="Dønna",
                                  postal_place="Solfjellsjøen")  # fmt: skip
    mentoring.answer_check_in(data.mentor_3, data.pairing_3, "first", good_fit=True,
                              comment=PLANTED)  # fmt: skip
    form = courses.save_form(
        data.caseworker,
        data.scheme,
        title="Skjema om LNU i Dønna",
        questions=[
            ("text", f"Hva sa {PLANTED}", [], True),
            ("single", "Hvem hjalp?", ["Færder frivilligsentral", "LNU", "Ingen"], True),
        ],
    )
    text, single = form.questions.all()
    for member, organisation in zip((data.member_a, data.member_b, data.member_c),
                                    data.participants, strict=True):  # fmt: skip
        courses.answer_form(member, form, organisation, {text.pk: PLANTED, single.pk: "LNU"})
    data.form = form
    return data


def survivors(text: str) -> list[str]:
    flat = re.sub(r"\s+", " ", text.replace("\xa0", " "))
    return [name for name in NAMES if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", flat)]


def test_no_name_survives_into_the_evaluation_summary(planted):
    evaluator = factories.member_of(factories.OrganisationFactory(kind="evaluator"))
    with translation.override("nb"):
        content, _name = builder_for("evaluation").make(
            evaluator, {"scheme": planted.scheme.pk}, lambda percent, step="": None
        )
    pdf = Pdf(content)
    assert survivors(pdf.text) == []
    assert pdf.says("[…] og […] hjalp oss i […] ([…]) sammen med […] og […].")
    assert pdf.says("Skjema om […] i […]")
    assert pdf.says("3 svar")  # the form was answered by three: its results are shown


def test_no_name_survives_onto_the_evaluators_results_page(client, planted):
    evaluator = factories.member_of(factories.OrganisationFactory(kind="evaluator"))
    client.force_login(evaluator)
    page = client.get(reverse("courses:form_results", args=[planted.form.pk]))
    assert page.status_code == 200
    body = re.sub(r"<[^>]+>", " ", page.content.decode())
    assert survivors(body) == []


def test_a_form_answered_by_fewer_than_the_smallest_group_shows_no_results(planted):
    planted.scheme.smallest_group = 4
    planted.scheme.save(update_fields=["smallest_group"])
    with translation.override("nb"):
        content, _name = builder_for("evaluation").make(
            factories.UserFactory(is_superuser=True),
            {"scheme": planted.scheme.pk},
            lambda percent, step="": None,
        )
    pdf = Pdf(content)
    assert pdf.says("Færre enn 4 svar")
    assert not pdf.says("Hvem hjalp?")
    assert pdf.says("færre enn 4")  # the check-in answers, one a side


def test_the_pattern_is_built_once_and_blanks_short_forms_and_places(
    planted, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        scrub = Scrubber.for_portal()
    with django_assert_max_num_queries(0):
        blanked = [scrub(PLANTED) for _n in range(100)]
    assert survivors(blanked[0]) == []
    assert scrub("Vi møtte lnu i kantina") == "Vi møtte lnu i kantina"  # a short form: as written
    assert scrub("landsrådet for norges barne- og ungdomsorganisasjoner") == REDACTED


def test_a_small_group_is_shown_as_fewer_than_the_smallest():
    with translation.override("nb"):
        assert [at_least(n, 3) for n in (0, 1, 2, 3, 10)] == [
            0, "færre enn 3", "færre enn 3", 3, 10
        ]  # fmt: skip


def test_a_rating_chosen_by_fewer_than_the_smallest_group_is_not_counted_in_the_summary(planted):
    """The evaluation summary follows the results page's rule (courses.anonymise): a rating
    given by fewer than the smallest group reads "fewer than", with no chart telling it."""
    data = planted
    form = courses.save_form(
        data.caseworker, data.scheme, title="Vurdering",
        questions=[("rating", "Hvor nyttig var kurset?", [], True)],
    )  # fmt: skip
    (rating,) = form.questions.all()
    for member, organisation, given in zip((data.member_a, data.member_b, data.member_c),
                                           data.participants, (2, 4, 4), strict=True):  # fmt: skip
        courses.answer_form(member, form, organisation, {rating.pk: given})
    with translation.override("nb"):
        content, _name = builder_for("evaluation").make(
            factories.UserFactory(is_superuser=True),
            {"scheme": planted.scheme.pk},
            lambda percent, step="": None,
        )
    pdf = Pdf(content)
    assert pdf.says("Hvor nyttig var kurset?")
    assert pdf.says("Gjennomsnitt: 3,3 av 5 · svar: 3")
    assert pdf.says("2 færre enn 3")  # the rating 2, given once
    assert pdf.says("4 færre enn 3")  # the rating 4, given twice
    # No row or chart label tells the count after the rating ("4 2"). Looked for in the
    # question's part only: elsewhere the report holds organisation numbers and amounts.
    question = pdf.text.split("Hvor nyttig var kurset?", 1)[1][:300]
    assert "4 2" not in question and "2 1" not in question
