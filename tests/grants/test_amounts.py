"""Amounts as people in Norway write them, one field for every amount in the portal, and a
budget check that names what it could not read instead of calling it "not filled in"."""

from decimal import Decimal

import pytest
from django import forms
from django.urls import reverse

from scheme.fields import NokAmountField, plain_amount
from tests.grants.conftest import complete_application


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("150000", "150000"),
        ("150 000", "150000"),
        ("150\u00a0000", "150000"),  # a no-break space, as copied from a spreadsheet
        ("150\u202f000", "150000"),  # a narrow no-break space
        ("150 000,50", "150000.50"),
        ("150.000", "150000"),
        ("1.234,50", "1234.50"),
        ("99.5", "99.5"),
        ("95 000 kr", "95000"),
        ("NOK 95000", "95000"),
    ],
)
def test_norwegian_amounts_are_read(typed, amount):
    assert NokAmountField().clean(typed) == Decimal(amount)


@pytest.mark.parametrize("typed", ["150 000 000 000 000", "tusen", "1,2,3", "-5"])
def test_what_is_not_an_amount_is_refused_in_plain_words(typed):
    with pytest.raises(forms.ValidationError) as refused:
        NokAmountField().clean(typed)
    assert "Ensure" not in " ".join(refused.value.messages)


def test_plain_amount_leaves_a_decimal_dot_alone():
    assert plain_amount("12.5") == "12.5"


def test_every_amount_input_of_the_portal_is_the_one_field():
    from grants.forms import applicant, caseworker
    from mentoring.forms import CompensationForm, PaymentForm

    fields = [
        applicant.AmountForm.base_fields["amount"],
        applicant.BudgetLineForm.base_fields["amount"],
        applicant.AccountLineForm.base_fields["amount"],
        caseworker.money("Amount"),
        CompensationForm.base_fields["amount"],
        PaymentForm.base_fields["amount"],
    ]
    assert all(isinstance(field, NokAmountField) for field in fields)


def budget_post(amount, *lines):
    data = {
        "amount": amount,
        "budget-TOTAL_FORMS": str(len(lines)),
        "budget-INITIAL_FORMS": "0",
        "budget-MIN_NUM_FORMS": "0",
        "budget-MAX_NUM_FORMS": "1000",
    }
    for number, line_amount in enumerate(lines):
        data[f"budget-{number}-category"] = "activities"
        data[f"budget-{number}-amount"] = line_amount
    return data


def test_a_spaced_amount_is_saved(client, member, call, participant):
    application = complete_application(member, call, participant)
    client.force_login(member)
    page = reverse("grants:application_edit", args=[application.pk, "amount"])
    response = client.post(page, budget_post("90 000", "60 000", "30\u00a0000"))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.amount == Decimal("90000")


def test_the_budget_check_names_the_amounts_it_cannot_read(client, member, call, participant):
    application = complete_application(member, call, participant)
    client.force_login(member)
    page = reverse("grants:application_edit", args=[application.pk, "amount"])
    response = client.post(page, budget_post("nitti tusen", "60 000", "30 000 kroner"))
    content = response.content.decode()
    check = content[content.index('id="sum-heading"') :]
    assert "not filled in" not in check
    assert "not a valid amount" in check
    assert "Line 2: “30 000 kroner” is not a valid amount, so it is not counted." in check
    assert 'data-sum="budget"' in check  # the page adds the lines up while people type
    assert 'href="#id_budget-1-amount"' in content  # and the summary links to the line
