"""The dashboard words a deadline once and the same way in the due list and in the grants
panel (``scheme.formatting.format_deadline``)."""

import datetime

from django.urls import reverse
from django.utils import timezone

from grants import services
from scheme.formatting import format_deadline


def test_the_dashboard_words_an_overdue_report_the_same_in_the_list_and_the_panel(
    client, member, awarded_without_account, monkeypatch
):
    award = services.accept_award(member, awarded_without_account)
    due = award.report.due_on
    later = due + datetime.timedelta(days=3)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)
    client.force_login(member)
    page = client.get(reverse("dashboard")).content.decode()
    passed = format_deadline(due, later)
    assert passed.startswith("the deadline passed")
    assert page.count(passed) >= 2  # the due item and the grants panel's next step
    assert f"by {due:%d.%m.%Y}" not in page
    assert "overdue since" not in page
