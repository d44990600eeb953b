"""Income lines of the grant report's accounts have income categories, expense lines the
budget's categories (issue 13): one rule (AccountLine.categories_for) checked by the form and
by save_accounts; the reconciliation shows income by category and the grant from the
administering body against what was paid out; so does the annual report's accounts part."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from grants import services
from grants.forms.applicant import accounts_formset
from grants.models import AccountLine, BudgetCategory, IncomeCategory, LineKind
from reports.figures.annual import annual_figures
from tests import factories
from tests.grants.conftest import fill_report


@pytest.fixture
def accepted(awarded, member):
    services.accept_award(member, awarded)
    return awarded


def accounts_data(lines, extra=1):
    data = {
        "accounts-TOTAL_FORMS": str(len(lines) + extra),
        "accounts-INITIAL_FORMS": "0",
        "accounts-MIN_NUM_FORMS": "0",
        "accounts-MAX_NUM_FORMS": "1000",
    }
    for number, (kind, category, description, amount) in enumerate(lines):
        data.update(
            {
                f"accounts-{number}-kind": kind,
                f"accounts-{number}-category": category,
                f"accounts-{number}-description": description,
                f"accounts-{number}-amount": amount,
            }
        )
    return data


def test_the_rule_on_the_model():
    assert AccountLine.categories_for(LineKind.INCOME) == list(IncomeCategory.choices)
    assert AccountLine.categories_for(LineKind.EXPENSE) == list(BudgetCategory.choices)
    assert AccountLine.categories_for("") == []
    assert AccountLine.category_fits("income", "gifts")
    assert not AccountLine.category_fits("income", "salary")
    assert AccountLine.category_fits("expense", "salary")
    assert not AccountLine.category_fits("expense", "scheme_grant")


def test_the_form_offers_both_kinds_grouped_and_refuses_a_misfit():
    formset = accounts_formset(
        accounts_data([("income", "salary", "Lønn?", "100"), ("expense", "gifts", "", "5")])
    )
    assert not formset.is_valid()
    income_error, expense_error = (form.errors["category"][0] for form in formset.forms[:2])
    assert "Choose an income category for an income line" in income_error
    assert "gifts" in income_error.lower()
    assert "Choose an expense category for an expense line" in expense_error
    choices = dict(formset.forms[0].fields["category"].choices)
    assert {value for value, _label in choices["Income"]} == set(IncomeCategory.values)
    assert {value for value, _label in choices["Expense"]} == set(BudgetCategory.values)


def test_the_service_refuses_a_misfit_with_the_line_number(member, accepted):
    report = accepted.report
    with pytest.raises(ValidationError) as refused:
        services.save_accounts(
            member,
            report,
            [
                ("expense", "salary", "Lønn", Decimal("100")),
                ("income", "rent", "Husleie?", Decimal("50")),
            ],
        )
    assert "Line 2:" in " ".join(refused.value.messages)
    assert "income category" in " ".join(refused.value.messages)
    assert not report.account_lines.exists()


def test_the_database_refuses_a_misfit_too(accepted):
    with pytest.raises(IntegrityError), transaction.atomic():
        AccountLine.objects.create(
            report=accepted.report, kind="income", category="salary", amount=Decimal("1")
        )


def test_the_accounts_page_keeps_the_input_and_says_what_fits(client, member, accepted):
    report = accepted.report
    client.force_login(member)
    url = reverse("grants:report_edit", args=[report.pk, "accounts"])
    response = client.post(url, accounts_data([("income", "travel", "Reisestøtte", "700")]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose an income category for an income line" in page
    assert "Reisestøtte" in page and 'value="700"' in page
    assert not report.account_lines.exists()
    response = client.post(
        url,
        accounts_data(
            [
                ("income", "scheme_grant", "Tilskudd", "95000"),
                ("income", "gifts", "Innsamling", "2000"),
                ("expense", "salary", "Lønn", "90000"),
            ]
        ),
    )
    assert response.status_code == 302
    assert report.account_lines.count() == 3


def test_the_reconciliation_shows_income_by_category_and_the_grant_against_payments(
    client, member, caseworker, accepted
):
    report = accepted.report
    first = accepted.instalments.first()
    factories.pay(accepted, first.amount, timezone.localdate(), instalment=first)
    services.save_accounts(
        member,
        report,
        [
            ("income", "scheme_grant", "Tilskudd", Decimal("40000")),
            ("income", "own_income", "Kafé", Decimal("3000")),
            ("income", "gifts", "Innsamling", Decimal("2000")),
            ("expense", "salary", "Lønn", Decimal("30000")),
        ],
    )
    totals = report.totals()
    by_category = {category: amount for category, _label, amount in totals["income_by_category"]}
    assert by_category == {
        "scheme_grant": Decimal("40000"),
        "own_income": Decimal("3000"),
        "other_grants": Decimal("0"),
        "gifts": Decimal("2000"),
    }
    assert totals["income"] == Decimal("45000")
    assert totals["scheme_grant"] == Decimal("40000")
    assert totals["disbursed"] == first.amount
    assert totals["scheme_grant_difference"] == Decimal("40000") - first.amount
    client.force_login(member)
    page = client.get(reverse("grants:report", args=[report.pk])).content.decode()
    assert "Income by where it came from" in page
    assert "Grant from the administering body in the accounts" in page
    assert "40,000" in page and "3,000" in page
    client.force_login(caseworker)  # the caseworker's reconciliation shows the same
    page = client.get(reverse("grants:review_report", args=[report.pk])).content.decode()
    assert "Grant from the administering body in the accounts" in page


def test_the_annual_report_gives_income_by_category(member, accepted):
    report = fill_report(member, accepted.report)
    services.save_accounts(
        member,
        report,
        [
            ("income", "scheme_grant", "Tilskudd", Decimal("60000")),
            ("income", "other_grants", "Kommunen", Decimal("10000")),
            ("expense", "salary", "Lønn", Decimal("70000")),
        ],
    )
    services.submit_report(member, report)
    figures = annual_figures(accepted.scheme_year, timezone.localdate())
    assert figures.income_by_category == {
        "scheme_grant": Decimal("60000"),
        "own_income": Decimal("0"),
        "other_grants": Decimal("10000"),
        "gifts": Decimal("0"),
    }
    assert figures.income == Decimal("70000")
    assert figures.spent_by_category[BudgetCategory.SALARY] == Decimal("70000")
    rows = {str(label): (amount, share) for label, amount, share in figures.income_rows()}
    assert rows["other grants"] == (Decimal("10000"), "14\xa0%")
