"""Who confirms a meeting is the meeting's rule (``Meeting.confirmation_refusal``), and the
pages say it to the right side: the side that confirms is told it does, the side that logged
is told the other side does; the next step names the meeting to confirm, which need not be
the last one."""

import datetime

from django.urls import reverse

from mentoring.models import Pairing
from mentoring.progress import progress, with_progress_data
from tests.mentoring.conftest import meet

YOU_CONFIRM = "Not yet: you confirm it with the button below."
OTHER_SIDE = "Not yet. The other side confirms the meeting."


def _meeting_page(client, user, pairing):
    client.force_login(user)
    return client.get(reverse("mentoring:pairing", args=[pairing.pk])).content.decode()


def test_the_side_that_confirms_is_told_it_confirms(client, pairing, mentor, member):
    meet(mentor, pairing, datetime.date.today() - datetime.timedelta(days=3))
    page = _meeting_page(client, member, pairing)
    assert YOU_CONFIRM in page
    assert OTHER_SIDE not in page


def test_the_side_that_logged_is_told_the_other_side_confirms(client, pairing, mentor):
    meet(mentor, pairing, datetime.date.today() - datetime.timedelta(days=3))
    page = _meeting_page(client, mentor, pairing)
    assert OTHER_SIDE in page
    assert YOU_CONFIRM not in page


def test_the_caseworker_is_told_only_that_it_is_not_confirmed(client, pairing, mentor, caseworker):
    meet(mentor, pairing, datetime.date.today() - datetime.timedelta(days=3))
    page = _meeting_page(client, caseworker, pairing)
    assert "Not yet." in page
    assert YOU_CONFIRM not in page and OTHER_SIDE not in page


def test_the_next_step_names_the_unconfirmed_meeting_not_the_last(pairing, mentor, member):
    today = datetime.date.today()
    older = meet(mentor, pairing, today - datetime.timedelta(days=20))
    meet(member, pairing, today - datetime.timedelta(days=5))  # the last one, by the other side
    annotated = with_progress_data(Pairing.objects.filter(pk=pairing.pk), today).get()
    action = str(progress(annotated, today, 6).next_action)
    assert action == f"confirm the meeting of {older.held_on:%d.%m.%Y}"
    assert "last" not in action
