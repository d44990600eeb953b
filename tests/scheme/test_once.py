"""A create form saves once: its one-time token is spent in the service's transaction."""

import datetime
import uuid

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction

from scheme.models import FormSubmission
from scheme.once import AlreadySent, SubmitOnce, spend_form_token
from scheme.validators import not_in_future, plausible_date
from tests import factories
from tests.concurrency import at_once


class NoteForm(SubmitOnce, forms.Form):
    pass


def test_the_form_carries_a_fresh_token_and_keeps_the_posted_one():
    first, second = NoteForm(), NoteForm()
    assert first["form_token"].value() != second["form_token"].value()
    token = uuid.uuid4()
    bound = NoteForm({"form_token": str(token)})
    assert bound.is_valid()
    assert bound.pop_form_token() == token
    assert "form_token" not in bound.cleaned_data


def test_a_token_is_spent_once(db):
    user = factories.UserFactory()
    token = uuid.uuid4()
    spend_form_token(user, token)
    with pytest.raises(AlreadySent):
        spend_form_token(user, token)
    assert FormSubmission.objects.filter(token=token).count() == 1


def test_a_failed_save_gives_the_token_back(db):
    user = factories.UserFactory()
    token = uuid.uuid4()
    with pytest.raises(ValueError), transaction.atomic():
        spend_form_token(user, token)
        raise ValueError("the rest of the change failed")
    spend_form_token(user, token)  # sent again after fixing the form: saved


def test_no_token_is_no_check(db):
    spend_form_token(factories.UserFactory(), None)
    assert not FormSubmission.objects.exists()


def test_two_posts_at_once_save_once(postgres, transactional_db):
    user = factories.UserFactory()
    token = uuid.uuid4()

    def post():
        with transaction.atomic():
            spend_form_token(user, token)

    made, errors, crashes = at_once([post] * 4, expected=(AlreadySent,))
    assert crashes == []
    assert len(made) == 1
    assert (
        errors == ["This form was already sent, and it was saved once. Nothing more was saved."] * 3
    )


@pytest.mark.parametrize("year", [1, 1899, 2101, 9999])
def test_implausible_dates_are_refused(year):
    with pytest.raises(ValidationError):
        plausible_date(datetime.date(year, 6, 1))


def test_plausible_and_past_dates_pass():
    plausible_date(datetime.date(1900, 1, 1))
    plausible_date(datetime.date(2100, 12, 31))
    not_in_future(datetime.date.today())
