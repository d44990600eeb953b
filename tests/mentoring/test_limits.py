"""Bounds on what people type in mentoring: every free-text field has a maximum that the form
shows (``maxlength``, counted under the field) and the model enforces on every path
(``full_clean`` in the services), and every date lies between 1900 and 2100 (a payment not in
the future). A refused call saves, notifies and e-mails nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from mentoring import services
from mentoring.models import Flag, Meeting, Task
from scheme.validators import MESSAGE_TEXT, SHORT_TEXT
from tests.mentoring.conftest import meet, refused

TODAY = timezone.localdate()
FAR_FUTURE = datetime.date(9999, 12, 31)
YEAR_ONE = datetime.date(1, 1, 1)
TOO_LONG = "at most"  # "Ensure this value has at most 5000 characters (it has 5001)."
IMPLAUSIBLE = "between 1900 and 2100"


def url(name, *args):
    return reverse(f"mentoring:{name}", args=args)


def text(length):
    return "x" * length


# --- free text on the service path ----------------------------------------------------------------


def test_a_two_million_character_flag_is_neither_stored_nor_mailed(pairing, member, mailoutbox):
    for length in (2_000_000, MESSAGE_TEXT + 1):
        refused(
            ValidationError,
            lambda length=length: services.raise_flag(member, pairing, text(length)),
            TOO_LONG,
        )
    assert mailoutbox == []
    assert services.raise_flag(member, pairing, text(MESSAGE_TEXT)).pk


@pytest.mark.parametrize(
    ("field", "limit"), [("summary", MESSAGE_TEXT), ("notes", MESSAGE_TEXT), ("attendees", 300)]
)
def test_a_meetings_text_has_a_maximum(pairing, mentor, field, limit):
    error = refused(
        ValidationError, lambda: meet(mentor, pairing, **{field: text(limit + 1)}), TOO_LONG
    )
    assert list(error.message_dict) == [field]
    assert meet(mentor, pairing, **{field: text(limit)}).pk


def test_a_tasks_title_has_a_maximum(pairing, mentor, participant):
    refused(
        ValidationError,
        lambda: meet(mentor, pairing, tasks=[(text(201), participant, TODAY)]),
        TOO_LONG,
    )


def test_a_check_in_comment_has_a_maximum(pairing, mentor, member):
    meet(mentor, pairing)
    refused(
        ValidationError,
        lambda: services.answer_check_in(
            member, pairing, "first", good_fit=False, comment=text(SHORT_TEXT + 1)
        ),
        TOO_LONG,
    )


def test_a_flags_outcome_has_a_maximum(pairing, member, caseworker):
    flag = services.raise_flag(member, pairing, "Det går ikke.")
    refused(
        ValidationError,
        lambda: services.resolve_flag(caseworker, flag, text(SHORT_TEXT + 1)),
        TOO_LONG,
        objects=[flag],
    )


def test_the_reasons_for_ending_and_replacing_have_a_maximum(caseworker, pairing, other_mentor_org):
    error = refused(
        ValidationError,
        lambda: services.replace_mentor(
            caseworker, pairing, other_mentor_org, reason=text(SHORT_TEXT + 1)
        ),
        TOO_LONG,
        objects=[pairing],
    )
    assert list(error.message_dict) == ["reason"]  # the form's field
    error = refused(
        ValidationError,
        lambda: services.set_status(caseworker, pairing, "ended", reason=text(SHORT_TEXT + 1)),
        TOO_LONG,
        objects=[pairing],
    )
    assert list(error.message_dict) == ["reason"]


def test_an_offers_wishes_have_a_maximum(caseworker, offer, mentor_org):
    refused(
        ValidationError,
        lambda: services.save_offer(caseworker, mentor_org, wishes=text(SHORT_TEXT + 1)),
        TOO_LONG,
        objects=[offer],
    )


# --- dates on the service path --------------------------------------------------------------------


@pytest.mark.parametrize("day", [YEAR_ONE, FAR_FUTURE])
def test_a_pairing_starts_on_a_plausible_date(
    caseworker, scheme_year, mentor_org, offer, participant, day
):
    error = refused(
        ValidationError,
        lambda: services.create_pairing(
            caseworker, scheme_year.scheme, mentor_org, [participant], starts_on=day
        ),
        IMPLAUSIBLE,
    )
    assert list(error.message_dict) == ["starts_on"]


def test_a_new_mentor_starts_on_a_plausible_date(caseworker, pairing, other_mentor_org):
    error = refused(
        ValidationError,
        lambda: services.replace_mentor(
            caseworker, pairing, other_mentor_org, reason="Bytte.", starts_on=FAR_FUTURE
        ),
        IMPLAUSIBLE,
        objects=[pairing],
    )
    assert set(error.message_dict) == {"starts_on"}


def test_a_task_is_due_on_a_plausible_date(pairing, mentor, participant):
    refused(
        ValidationError,
        lambda: meet(mentor, pairing, tasks=[("Noe", participant, FAR_FUTURE)]),
        IMPLAUSIBLE,
    )


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (FAR_FUTURE, IMPLAUSIBLE),
        (TODAY + datetime.timedelta(days=1), "cannot be in the future"),
        (YEAR_ONE, IMPLAUSIBLE),
    ],
)
def test_a_payment_was_made_on_a_plausible_day_not_in_the_future(
    caseworker, scheme_year, mentor_org, day, words
):
    compensation = services.set_compensation(caseworker, mentor_org, scheme_year)
    error = refused(
        ValidationError,
        lambda: services.record_compensation_payment(
            caseworker, compensation, amount=Decimal("100"), paid_on=day
        ),
        words,
        objects=[compensation],
    )
    assert list(error.message_dict) == ["paid_on"]


# --- the forms say so -----------------------------------------------------------------------------


def test_the_forms_show_their_maxima(client, member, mentor, caseworker, pairing, mentor_org):
    meet(mentor, pairing)
    flag = services.raise_flag(member, pairing, "Det går ikke.")
    pages = [
        (member, url("meeting_log", pairing.pk), [MESSAGE_TEXT, MESSAGE_TEXT, 300, 200]),
        (member, url("flag", pairing.pk), [MESSAGE_TEXT]),
        (member, url("check_in", pairing.pk, "first"), [SHORT_TEXT]),
        (mentor, url("offer", mentor_org.pk), [SHORT_TEXT]),
        (caseworker, url("flag_handle", flag.pk), [SHORT_TEXT]),
        (caseworker, url("replace", pairing.pk), [SHORT_TEXT]),
        (caseworker, url("status", pairing.pk), [SHORT_TEXT]),
    ]
    for person, path, maxima in pages:
        client.force_login(person)
        page = client.get(path).content.decode()
        for maximum in maxima:
            assert f'maxlength="{maximum}"' in page, (path, maximum)


def test_a_too_long_flag_is_explained_by_the_form(client, member, pairing):
    client.force_login(member)
    response = client.post(url("flag", pairing.pk), {"message": text(MESSAGE_TEXT + 1)})
    assert response.status_code == 200
    assert "message" in response.context["form"].errors
    assert not Flag.objects.exists()


def test_implausible_dates_are_explained_by_the_forms(
    client, member, caseworker, pairing, participant, scheme_year, mentor_org
):
    client.force_login(member)
    data = {
        "held_on": TODAY.isoformat(),
        "mode": "digital",
        "duration_minutes": "60",
        "attendees": "Kari",
        "summary": "Møte.",
        "notes_visibility": "pair",
        "tasks-TOTAL_FORMS": "1",
        "tasks-INITIAL_FORMS": "0",
        "tasks-MIN_NUM_FORMS": "0",
        "tasks-MAX_NUM_FORMS": "10",
        "tasks-0-title": "Noe",
        "tasks-0-owner": str(participant.pk),
        "tasks-0-due_on": FAR_FUTURE.isoformat(),
    }
    response = client.post(url("meeting_log", pairing.pk), data)
    assert "due_on" in response.context["formset"].errors[0]
    assert not Meeting.objects.exists() and not Task.objects.exists()
    compensation = services.set_compensation(caseworker, mentor_org, scheme_year)
    client.force_login(caseworker)
    response = client.post(
        url("compensation_detail", compensation.pk),
        {"amount": "100", "paid_on": FAR_FUTURE.isoformat()},
    )
    assert "paid_on" in response.context["form"].errors
    assert not compensation.payments.exists()
