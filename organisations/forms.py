from django import forms
from django.contrib.auth import password_validation
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from organisations.models import (
    Activity,
    Branch,
    Collaboration,
    Organisation,
    PreviousApplication,
)
from organisations.orgnr import clean_orgnr, format_orgnr
from scheme.models import User
from scheme.once import SubmitOnce
from scheme.roles import MemberRole

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YES_NO_UNKNOWN = [("", _("Not known")), ("true", _("Yes")), ("false", _("No"))]


class OrgNumberField(forms.CharField):
    """Accepts ``974 761 076`` or ``974761076``; stores the nine digits."""

    def __init__(self, **kwargs):
        kwargs["max_length"] = 11  # room for the spaces people type
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def prepare_value(self, value):
        return format_orgnr(value) if value and str(value).isdigit() else value

    def to_python(self, value):
        value = super().to_python(value)
        return clean_orgnr(value) if value else value


def nullable_boolean(label):
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO_UNKNOWN,
        coerce=lambda value: value == "true",
        empty_value=None,
        required=False,
    )


class ProfileForm(forms.ModelForm):
    """The organisation's own profile. Caseworkers also see the kind and the number."""

    in_voluntary_register = nullable_boolean(_("Registered in Frivillighetsregisteret"))
    member_based = nullable_boolean(_("Member-based"))
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = [
            "kind",
            "org_number",
            "name",
            "in_voluntary_register",
            "voluntary_register_since",
            "founded",
            "street_address",
            "postal_code",
            "postal_place",
            "municipality",
            "municipality_number",
            "county",
            "email",
            "phone",
            "website",
            "social_media",
            "description",
            "target_groups",
            "competence_needs",
            "languages",
            "member_based",
            "members_count",
            "paying_members_count",
        ]
        field_classes = {"org_number": OrgNumberField}
        widgets = {
            "voluntary_register_since": DATE,
            "founded": DATE,
            "social_media": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 4}),
            "target_groups": forms.CheckboxSelectMultiple,
            "competence_needs": forms.CheckboxSelectMultiple,
            "languages": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, access, **kwargs):
        """``access`` decides the fields: the number for the register's keeper, the kind for
        admins (a caseworker registering an organisation picks among the kinds they keep)."""
        super().__init__(*args, **kwargs)
        organisation = self.instance
        if organisation.pk is None:
            self.fields["kind"].choices = [
                (kind, label)
                for kind, label in self.fields["kind"].choices
                if kind and access.can_create_organisation(kind)
            ]
        else:
            if not access.can_change_kind():
                del self.fields["kind"]
            if not access.can_change_org_number(organisation):
                del self.fields["org_number"]
        for name in ("in_voluntary_register", "member_based"):
            value = self.initial.get(name)
            self.initial[name] = "" if value is None else str(value).lower()

    def clean_postal_code(self):
        code = self.cleaned_data["postal_code"].strip()
        if code and not (code.isdigit() and len(code) == 4):
            raise forms.ValidationError(_("A postal code has four digits."))
        return code

    def clean_social_media(self):
        lines = [line.strip() for line in self.cleaned_data["social_media"].splitlines()]
        validate = forms.URLField(assume_scheme="https").clean
        return "\n".join(validate(line) for line in lines if line)


class InvitationForm(SubmitOnce, forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, initial=MemberRole.MEMBER)
    title = forms.CharField(label=_("Title"), max_length=100, required=False)


class JoinForm(forms.Form):
    """A new person's account, made when they accept an invitation from its e-mailed link."""

    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
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

    def __init__(self, *args, email, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are not the same."))
        elif first:
            person = User(email=self.email, full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(first, person)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices)


def _parts_formset(model, fields, widgets=None):
    return inlineformset_factory(
        Organisation, model, fields=fields, widgets=widgets or {}, extra=1, can_delete=True
    )


PART_FORMSETS = {
    "branches": _parts_formset(
        Branch, ["name", "municipality", "county", "founded"], {"founded": DATE}
    ),
    "activities": _parts_formset(
        Activity, ["name", "frequency", "typical_participants", "description"]
    ),
    "collaborations": _parts_formset(
        Collaboration,
        ["partner_kind", "partner_name", "since", "status", "description"],
        {"since": DATE},
    ),
    "previous-applications": _parts_formset(
        PreviousApplication, ["year", "grantor", "grantor_name", "amount", "outcome"]
    ),
}
