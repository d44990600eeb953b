"""The maximum grant is per organisation per scheme year, over its awards in every call of that
year: the second call of a year offers only what is left, sending asks for no more, and the
caseworker can neither propose nor award more, not even two caseworkers deciding at once.

The concurrent test needs PostgreSQL (real row locks), as tests/grants/test_budget_concurrency.py.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone, translation

from grants import services
from grants.models import Assessment, Award
from scheme.formatting import format_nok
from tests import factories
from tests.concurrency import at_once
from tests.grants.conftest import complete_application, refused

D = Decimal
TODAY = timezone.localdate


def nok(amount):
    """The amount as the English pages and messages write it."""
    with translation.override("en"):
        return format_nok(D(amount))


def open_call(caseworker, scheme_year, title):
    """Another call of the same scheme year, open to every participant organisation."""
    return services.save_round(
        caseworker,
        scheme_year=scheme_year,
        title=title,
        kind="open",
        opens_on=TODAY() - datetime.timedelta(days=5),
        closes_on=TODAY() + datetime.timedelta(days=25),
        guidance="Ekstra midler.",
    )


def apply_and_submit(member, call, participant, amount):
    return services.submit_application(
        member, complete_application(member, call, participant, amount=D(amount))
    )


def award(caseworker, application, amount):
    services.declare_impartiality(caseworker, application, has_conflict=False)
    return services.award_grant(caseworker, application, amount=D(amount), reasons="God plan.")


@pytest.fixture
def second_call(caseworker, scheme_year):
    return open_call(caseworker, scheme_year, "Ekstra søknadsrunde")


@pytest.fixture
def awarded_60000(member, call, participant, caseworker):
    """The organisation has 60 000 of the year's 110 000 from the first call."""
    return award(caseworker, apply_and_submit(member, call, participant, "60000"), "60000")


def awarded_total(participant, scheme_year):
    awards = Award.objects.in_year(scheme_year).filter(application__organisation=participant)
    return awards.aggregate(total=Sum("amount"))["total"] or D(0)


# --- what the organisation is told ----------------------------------------------------------------


def test_the_room_is_the_maximum_less_the_years_awards(
    awarded_60000, participant, other_participant, scheme_year
):
    room = services.yearly_room(participant.pk, scheme_year)
    assert (room.maximum, room.awarded, room.left) == (D("110000"), D("60000"), D("50000"))
    assert services.yearly_room(other_participant.pk, scheme_year).left == D("110000")


def test_the_second_call_offers_only_what_is_left(client, member, awarded_60000, second_call):
    client.force_login(member)
    page = client.get(reverse("grants:home")).content.decode()
    assert f"You can apply for up to {nok('50000')}." in page
    assert f"has been awarded {nok('60000')} this year already" in page
    assert f"You can apply for up to {nok('110000')}" not in page


def test_the_amount_step_says_what_is_left(client, member, participant, awarded_60000, second_call):
    draft = services.start_application(member, second_call, participant)
    client.force_login(member)
    response = client.get(reverse("grants:application_edit", args=[draft.pk, "amount"]))
    help_text = str(response.context["form"].fields["amount"].help_text)
    assert f"awarded {nok('60000')} this year already" in help_text
    assert f"at most {nok('50000')}" in help_text


def test_sending_more_than_is_left_is_refused(member, participant, awarded_60000, second_call):
    application = complete_application(member, second_call, participant, amount=D("50001"))
    application.refresh_from_db()
    problems = [str(p.message) for p in services.missing_for_submission(application)]
    assert any(f"at most {nok('50000')}" in problem for problem in problems), problems
    refused(
        ValidationError,
        lambda: services.submit_application(member, application),
        f"awarded {nok('60000')} this year already",
        f"at most {nok('50000')}",
        objects=[application],
    )
    services.save_application(member, application, amount=D("50000"))
    services.save_budget(member, application, [("salary", "Lønn", D("50000"))])
    assert services.submit_application(member, application).status == "submitted"


def test_the_send_page_shows_the_problem(client, member, participant, awarded_60000, second_call):
    application = complete_application(member, second_call, participant, amount=D("90000"))
    client.force_login(member)
    page = client.get(reverse("grants:application_submit", args=[application.pk]))
    assert f"at most {nok('50000')}" in page.content.decode()


def test_an_organisation_at_its_maximum_cannot_start_another(
    client, member, call, participant, caseworker, second_call
):
    award(caseworker, apply_and_submit(member, call, participant, "99000"), "99000")
    third_call = open_call(caseworker, call.scheme_year, "Tredje runde")
    award(caseworker, apply_and_submit(member, third_call, participant, "11000"), "11000")
    refused(
        ValidationError,
        lambda: services.start_application(member, second_call, participant),
        "already been awarded the year's maximum",
    )
    client.force_login(member)
    page = client.get(reverse("grants:home")).content.decode()
    assert f"already been awarded the year's maximum of {nok('110000')}" in page
    assert reverse("grants:start", args=[second_call.pk, participant.pk]) not in page
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert f"#call-{second_call.pk}" not in dashboard  # no "apply to" either


# --- what the caseworker may propose and award ---------------------------------------------------


def submitted_before_the_first_award(member, call, participant, caseworker, second_call):
    """Two applications of 90 000 each, in two calls of one year, both sent before either is
    decided: together they ask for more than the year's maximum."""
    first = apply_and_submit(member, call, participant, "90000")
    second = apply_and_submit(member, second_call, participant, "90000")
    for application in (first, second):
        services.declare_impartiality(caseworker, application, has_conflict=False)
        services.save_assessment(
            caseworker, application, scores={"activity": (4, ""), "need": (4, "")}
        )
    return first, second


def test_the_award_is_refused_beyond_the_yearly_maximum(
    member, call, participant, caseworker, second_call, scheme_year
):
    first, second = submitted_before_the_first_award(
        member, call, participant, caseworker, second_call
    )
    services.award_grant(caseworker, first, amount=D("90000"), reasons="God plan.")
    error = refused(
        ValidationError,
        lambda: services.award_grant(caseworker, second, amount=D("20001"), reasons="Ja."),
        f"has been awarded {nok('90000')} this year already",
        f"at most {nok('20000')}",
        objects=[second],
    )
    assert "amount" in error.message_dict
    services.award_grant(caseworker, second, amount=D("20000"), reasons="Resten av rammen.")
    assert awarded_total(participant, scheme_year) == D("110000")


def test_the_proposal_is_refused_beyond_the_yearly_maximum(
    member, call, participant, caseworker, second_call
):
    first, second = submitted_before_the_first_award(
        member, call, participant, caseworker, second_call
    )
    services.award_grant(caseworker, first, amount=D("90000"), reasons="God plan.")
    error = refused(
        ValidationError,
        lambda: services.set_proposal(
            caseworker, second, proposed=True, rank=1, proposed_amount=D("30000")
        ),
        f"at most {nok('20000')}",
        objects=[Assessment.objects.get(application=second)],
    )
    assert "proposed_amount" in error.message_dict
    services.set_proposal(caseworker, second, proposed=True, rank=1, proposed_amount=D("20000"))


def test_the_portfolio_shows_the_refused_proposal_on_its_row(
    client, member, call, participant, caseworker, second_call
):
    first, second = submitted_before_the_first_award(
        member, call, participant, caseworker, second_call
    )
    services.award_grant(caseworker, first, amount=D("90000"), reasons="God plan.")
    client.force_login(caseworker)
    response = client.post(
        reverse("grants:propose", args=[second.pk]),
        {
            "propose-proposed": "yes",
            "propose-rank": "1",
            "propose-proposed_amount": "30000",
            "next": "portfolio",
        },
    )
    assert response.status_code == 200
    assert f"at most {nok('20000')}" in str(response.context["bound_form"].errors)
    assert not Assessment.objects.get(application=second).proposed


def test_awards_in_other_years_do_not_count(member, call, participant, caseworker, scheme_year):
    next_year = factories.SchemeYearFactory(scheme=scheme_year.scheme, year=scheme_year.year + 1)
    award(caseworker, apply_and_submit(member, call, participant, "99000"), "99000")
    assert services.yearly_room(participant.pk, next_year).left == next_year.max_grant


# --- two caseworkers at once --------------------------------------------------------------------


def test_two_awards_at_once_in_two_calls_never_pass_the_maximum(
    postgres, transactional_db, member, call, participant, caseworker, other_caseworker, scheme_year
):
    second_call = open_call(caseworker, scheme_year, "Ekstra søknadsrunde")
    first = apply_and_submit(member, call, participant, "90000")
    second = apply_and_submit(member, second_call, participant, "90000")
    for application in (first, second):
        services.declare_impartiality(caseworker, application, has_conflict=False)
        services.declare_impartiality(other_caseworker, application, has_conflict=False)
    made, errors, crashes = at_once(
        [
            lambda: services.award_grant(caseworker, first, amount=D("90000"), reasons="Ja."),
            lambda: services.award_grant(
                other_caseworker, second, amount=D("90000"), reasons="Ja."
            ),
        ]
    )
    assert crashes == []
    assert len(made) == 1, errors
    (refusal,) = errors
    assert f"has been awarded {nok('90000')} this year already" in refusal
    assert f"at most {nok('20000')}" in refusal
    assert awarded_total(participant, scheme_year) == D("90000")
