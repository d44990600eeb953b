"""Create forms that save once, however often they are sent.

A form with :class:`SubmitOnce` carries a hidden one-time token; the service that saves it
spends the token with :func:`spend_form_token` inside its transaction. A second post of the
same form (a double click, the back button, two tabs) then saves nothing and gets a plain
message. A failed save rolls the token back with everything else, so the user can fix the
form and send it again.
"""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from scheme.models import FormSubmission

TOKEN_FIELD = "form_token"


class AlreadySent(ValidationError):
    """The form was sent before and its change is saved; nothing was saved again."""

    def __init__(self):
        super().__init__(
            _("This form was already sent, and it was saved once. Nothing more was saved."),
            code="already_sent",
        )


class SubmitOnce:
    """Form mixin: adds the hidden one-time token (``cleaned_data["form_token"]``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Not required: a client that sends no token (a script, an old page) is not checked.
        self.fields[TOKEN_FIELD] = forms.UUIDField(
            widget=forms.HiddenInput, initial=uuid.uuid4, required=False
        )

    def pop_form_token(self, data: dict | None = None):
        """Take the token out of ``data`` (the cleaned data by default) for the service."""
        return (self.cleaned_data if data is None else data).pop(TOKEN_FIELD, None)


class TokenOnlyForm(SubmitOnce, forms.Form):
    """Just the token: for formsets and forms that are only a button."""

    def token(self):
        return self.cleaned_data.get(TOKEN_FIELD) if self.is_valid() else None


def spend_form_token(actor, token) -> None:
    """Mark the form as saved; raise AlreadySent when it was. No token: nothing to check
    (services called from code, not from a form)."""
    if token is None:
        return
    try:
        with transaction.atomic():
            FormSubmission.objects.create(token=token, user=actor)
    except IntegrityError:
        raise AlreadySent from None
