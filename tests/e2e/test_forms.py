"""Forms that help while people type, and still work without a script: the budget adds up as
the amounts are typed (the server still decides on saving), and leaving a step with changes
that are not saved asks first."""

from django.urls import reverse
from playwright.sync_api import expect

from grants import services
from tests.e2e.conftest import assert_accessible, log_in, url_of
from tests.e2e.test_grants import _setup


def _amount_step(page, live_server):
    participant, member, _caseworker, call = _setup()
    application = services.start_application(member, call, participant)
    log_in(page, live_server, member)
    step = reverse("grants:application_edit", args=[application.pk, "amount"])
    page.goto(live_server.url + step)
    return step


def test_the_budget_adds_up_while_the_amounts_are_typed(page_en, live_server):
    page = page_en
    _amount_step(page, live_server)
    total = page.locator('[data-sum="budget"]')
    expect(total).to_have_text("NOK\u00a00")

    page.select_option("#id_budget-0-category", "salary")
    page.fill("#id_budget-0-amount", "60 000")
    page.select_option("#id_budget-1-category", "activities")
    page.fill("#id_budget-1-amount", "30\u00a0000,50")
    expect(total).to_have_text("NOK\u00a090,000.50")

    page.check("#id_budget-1-DELETE")
    expect(total).to_have_text("NOK\u00a060,000")
    page.uncheck("#id_budget-1-DELETE")
    page.fill("#id_budget-0-amount", "sixty")  # not an amount: left out, named on saving
    expect(total).to_have_text("NOK\u00a030,000.50")
    assert_accessible(page)


def test_leaving_a_changed_step_asks_first_but_saving_does_not(page_en, live_server):
    page = page_en
    step = _amount_step(page, live_server)
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    page.click("#id_amount")
    page.keyboard.type("90000")
    page.locator(f'header a[href="{reverse("dashboard")}"]').first.click()
    expect(page).to_have_url(url_of(live_server, step))
    assert dialogs == ["beforeunload"]

    page.locator("main form[data-warn-unsaved] button[type=submit]:not([name])").click()
    expect(page.locator("#id_amount")).to_have_value("90000")
    assert dialogs == ["beforeunload"]  # sending the form is not leaving it
