from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from scheme.models import User, UserManager


class NameAndAddressForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def clean_email(self):
        return UserManager.normalize_email(self.cleaned_data["email"])


class NewPasswordForm(forms.Form):
    """Two password fields that must agree and pass the portal's password rules, judged
    against the person's name and address (each subclass says who by ``person(data)``)."""

    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("The same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are not the same."))
        elif first:
            try:
                password_validation.validate_password(first, self.person(data))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class SignUpForm(NameAndAddressForm, NewPasswordForm):
    """Signing up without ID-porten: name, e-mail address and password."""

    field_order = ["full_name", "email", "password1", "password2"]

    def person(self, data) -> User:
        return User(email=data.get("email", ""), full_name=data.get("full_name", ""))


class ChoosePasswordForm(NewPasswordForm):
    """The password of a sign-up whose link was opened in another browser than the one that
    signed up."""

    def __init__(self, *args, email: str, full_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email, self.full_name = email, full_name

    def person(self, data) -> User:
        return User(email=self.email, full_name=self.full_name)


class AddressForm(NameAndAddressForm):
    """After a first ID-porten login: the name and e-mail address to confirm (ID-porten
    gives neither)."""
