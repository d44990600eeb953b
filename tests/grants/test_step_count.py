""" "Step 1 of 5" above five tabs: the heading counts the same list of steps the tabs show
(``grants.steps.with_send``), check and send included."""

import re

import pytest
from django.urls import reverse

from grants import steps
from tests.grants.conftest import complete_application


def _heading_and_tabs(response):
    page = response.content.decode()
    heading = re.search(r"<h1>Step (\d+) of (\d+):", page)
    return (int(heading[1]), int(heading[2])), len(response.context["steps"])


@pytest.mark.parametrize("step, number", [("amount", 1), ("documents", 4)])
def test_the_application_step_is_counted_among_all_the_tabs(
    client, member, call, participant, step, number
):
    draft = complete_application(member, call, participant)
    client.force_login(member)
    response = client.get(reverse("grants:application_edit", args=[draft.pk, step]))
    (shown, total), tabs = _heading_and_tabs(response)
    assert (shown, total, tabs) == (number, 5, 5)


def test_the_report_step_is_counted_among_all_the_tabs(client, member, awarded):
    client.force_login(member)
    report = awarded.report
    response = client.get(reverse("grants:report_edit", args=[report.pk, "results"]))
    (shown, total), tabs = _heading_and_tabs(response)
    assert shown == 1
    assert total == tabs == len(steps.report_steps(report)) + 1


def test_the_last_step_before_sending_says_so():
    words = steps.where_in(steps.APPLICATION_STEPS, "documents")
    assert words["is_last"]
    assert not steps.where_in(steps.APPLICATION_STEPS, "needs")["is_last"]
