"""A mentor logging a meeting and the participant confirming it, in a real browser.

A caseworker has paired a mentor organisation with a participant through the services. The
mentor logs a meeting with a task for the participant; the participant confirms the meeting
from their mentoring page, ticks the task off, and sees the meeting confirmed on the pairing's
page. Every page is checked with axe.

The browser is an English user's (``page_en``), so the few texts the test reads do not depend
on the Norwegian translations; everything else is found by id, name or address.
"""

import datetime
import re

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from mentoring import services
from mentoring.models import Meeting, Task
from tests import factories
from tests.e2e.conftest import assert_accessible, log_in, log_out, seed_competence_areas, url_of

SUMMARY = "We went through the accounts and the board's annual plan."
NOTES = "Their treasurer is new and needs help with the bank's system."
TASK = "Send the draft accounts to the mentor"


def assert_sent_once_on_double_click(page):
    """A form that is posting is not sent again: a second click while the first is on its way
    sends nothing, and the button says it is busy (static/js/portal.js). The sending itself is
    stopped here, after the portal's script has had its say, and the page is loaded again."""
    sent = page.evaluate(
        """() => new Promise(resolve => {
            let sent = 0;
            document.addEventListener("submit", event => {
                if (!event.defaultPrevented) sent++;
                event.preventDefault();
            });
            const button = document.querySelector("main form button[type=submit]");
            button.click();
            button.click();
            resolve([sent, button.getAttribute("aria-disabled")]);
        })"""
    )
    assert sent == [1, "true"]
    page.reload()


def _setup():
    """This year's scheme, a mentor organisation with an offer and a person, a participant with
    a member, and a pairing a caseworker made a month ago."""
    today = timezone.localdate()
    scheme_year = factories.SchemeYearFactory(year=today.year)
    caseworker = factories.caseworker(scheme_year.scheme.administrator)
    areas = seed_competence_areas()
    mentor_org = factories.OrganisationFactory(kind="mentor", name="Mentor AS", county="03")
    mentor = factories.member_of(mentor_org, role="contact", full_name="Marte Mentor")
    services.save_offer(
        caseworker,
        mentor_org,
        capacity=2,
        regions=["east"],
        competence_areas=areas.filter(code__in=["accounts", "board-work"]),
    )
    participant = factories.OrganisationFactory(kind="participant", name="Grønland Leksehjelp")
    member = factories.member_of(participant, full_name="Pia Deltaker")
    pairing = services.create_pairing(
        caseworker,
        scheme_year.scheme,
        mentor_org,
        [participant],
        starts_on=today - datetime.timedelta(days=30),
        mentor_contact=mentor,
    )
    return pairing, mentor, member, participant, areas


def test_a_mentor_logs_a_meeting_and_the_participant_confirms_it(page_en, live_server):
    page = page_en
    pairing, mentor, member, participant, areas = _setup()
    today = timezone.localdate()
    held_on = today - datetime.timedelta(days=2)
    due_on = today + datetime.timedelta(days=14)
    topics = list(areas.filter(code__in=["accounts", "board-work"]))
    home = reverse("mentoring:home")
    pairing_url = reverse("mentoring:pairing", args=[pairing.pk])

    # --- the mentor logs the meeting -------------------------------------------------------
    log_in(page, live_server, mentor)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator(f'header nav a[href="{home}"]').click()
    expect(page).to_have_url(url_of(live_server, home))
    assert_accessible(page)
    page.locator(f'main h2 a[href="{pairing_url}"]').click()
    expect(page).to_have_url(url_of(live_server, pairing_url))
    assert_accessible(page)
    log_url = reverse("mentoring:meeting_log", args=[pairing.pk])
    page.locator(f'main a[href="{log_url}"]').first.click()
    expect(page).to_have_url(url_of(live_server, log_url))
    assert_accessible(page)
    assert_sent_once_on_double_click(page)

    page.fill("#id_held_on", held_on.isoformat())
    page.fill("#id_duration_minutes", "90")
    digital = page.locator('input[name="mode"][value="digital"]')
    digital.focus()
    page.keyboard.press("Space")
    expect(digital).to_be_checked()
    page.locator('input[name="initiative"][value="mentor"]').check()
    page.fill("#id_attendees", "Marte (mentor), Pia and the treasurer")
    for area in topics:
        page.locator(f'input[name="topics"][value="{area.pk}"]').check()
    page.fill("#id_summary", SUMMARY)
    # The text area says how much room is left (static/js/portal.js).
    expect(page.locator("#id_summary-count")).to_have_text(re.compile(rf"^{len(SUMMARY)} of "))
    page.fill("#id_notes", NOTES)
    page.locator('input[name="notes_visibility"][value="pair"]').check()
    page.fill("#id_tasks-0-title", TASK)
    page.select_option("#id_tasks-0-owner", str(participant.pk))
    page.fill("#id_tasks-0-due_on", due_on.isoformat())
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(url_of(live_server, pairing_url))
    expect(page.locator("main .messages .alert-success")).to_contain_text(participant.name)
    meeting = Meeting.objects.get(pairing=pairing)  # one meeting, not two
    article = page.locator(f"#meeting-{meeting.pk}")
    expect(article).to_contain_text(SUMMARY)
    expect(article).to_contain_text(NOTES)
    expect(article.locator("dd").last).to_have_text("Not yet. The other side confirms the meeting.")
    # The mentor cannot confirm their own meeting.
    confirm_url = reverse("mentoring:meeting_confirm", args=[meeting.pk])
    expect(page.locator(f'form[action="{confirm_url}"]')).to_have_count(0)
    assert_accessible(page)
    assert (meeting.held_on, meeting.mode, meeting.duration_minutes) == (held_on, "digital", 90)
    assert set(meeting.topics.all()) == set(topics)
    assert meeting.notes_visibility == "pair"
    task = Task.objects.get(meeting=meeting)
    assert (task.title, task.owner, task.due_on) == (TASK, participant, due_on)
    log_out(page, live_server)

    # --- the participant confirms it and ticks off the task --------------------------------
    log_in(page, live_server, member)
    page.locator(f'header nav a[href="{home}"]').click()
    expect(page).to_have_url(url_of(live_server, home))
    confirm = page.locator(f'main form[action="{confirm_url}"] button[type=submit]')
    expect(confirm).to_be_visible()
    task_url = reverse("mentoring:task_done", args=[task.pk])
    expect(page.locator(f'main form[action="{task_url}"]')).to_be_visible()
    assert_accessible(page)
    confirm.focus()
    page.keyboard.press("Enter")

    expect(page).to_have_url(url_of(live_server, home))
    expect(page.locator("main .messages .alert-success")).to_be_visible()
    expect(page.locator(f'main form[action="{confirm_url}"]')).to_have_count(0)
    assert_accessible(page)
    page.locator(f'main form[action="{task_url}"] button[type=submit]').click()
    expect(page).to_have_url(url_of(live_server, home))
    expect(page.locator("main .messages .alert-success")).to_contain_text(TASK)
    expect(page.locator(f'main form[action="{task_url}"]')).to_have_count(0)
    assert_accessible(page)

    # The pairing's page shows the meeting confirmed and the task done.
    page.locator(f'main h2 a[href="{pairing_url}"]').click()
    expect(page).to_have_url(url_of(live_server, pairing_url))
    article = page.locator(f"#meeting-{meeting.pk}")
    expect(article).to_contain_text(NOTES)  # the pair reads its notes
    expect(article.locator("dd").last).to_contain_text(f"Yes, by {member.full_name}")
    tasks = page.locator("#tasks")
    expect(tasks.locator("table")).to_have_count(1)  # only the table of tasks done
    tasks.locator("details summary").click()
    expect(tasks.locator("details table tbody tr")).to_have_text([re.compile(re.escape(TASK))])
    assert_accessible(page)

    meeting.refresh_from_db()
    task.refresh_from_db()
    assert meeting.confirmed_by == member and meeting.confirmed_at is not None
    assert task.done_by == member and task.done_at is not None
