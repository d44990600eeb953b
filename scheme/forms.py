from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from scheme import second_factor
from scheme.forms_common import PortalForm, PortalModelForm
from scheme.models import SchemeYear, User
from scheme.services import YEAR_FIELDS


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": _(
            "The e-mail address or password is wrong. Check both and try again, "
            "or reset your password."
        ),
        "inactive": _("This account is no longer active. Contact the caseworker."),
    }


class AccountForm(PortalModelForm):
    class Meta:
        model = User
        fields = ["full_name", "phone", "language", "notify_by"]
        widgets = {
            "phone": forms.TextInput(attrs={"autocomplete": "tel"}),
            "notify_by": forms.RadioSelect,
        }
        help_texts = {
            "notify_by": _(
                "Decisions, letters and deadlines are always e-mailed at once. The weekly "
                "e-mail gathers the week's announcements, unread messages and what is due."
            )
        }


class SchemeYearRulesForm(PortalModelForm):
    class Meta:
        model = SchemeYear
        fields = YEAR_FIELDS
        widgets = {"report_due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class AuthenticatorCodeForm(PortalForm):
    """The six digits from the app being set up."""

    token = forms.RegexField(
        label=_("Code from the app"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("The code has six digits.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )

    def clean_token(self):
        return self.cleaned_data["token"].strip()


class SecondFactorForm(PortalForm):
    """The login's second step: the app's six digits, or one of the recovery codes."""

    token = forms.CharField(
        label=_("Code from the app, or a recovery code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )

    def clean_token(self):
        code = second_factor.normalise_code(self.cleaned_data["token"])
        if not second_factor.looks_like_code(code):
            raise forms.ValidationError(
                _("Type the six digits the app shows, or one of your recovery codes.")
            )
        return code
