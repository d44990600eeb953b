from django import forms
from django.contrib.auth import password_validation
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from organisations import followup
from organisations.choices import partner_field
from organisations.geography import County
from organisations.models import (
    REGISTERED_PARTNERS,
    SELF_SERVICE_KINDS,
    Activity,
    Branch,
    Collaboration,
    JoinRequest,
    Organisation,
    PartnerKind,
    PreviousApplication,
    RegistrationRequest,
    roles_for,
)
from organisations.orgnr import clean_orgnr, format_orgnr
from scheme.forms_common import NamedChoicesField, PortalForm, PortalModelForm
from scheme.models import User
from scheme.once import SubmitOnce
from scheme.roles import MemberRole
from scheme.validators import SHORT_TEXT

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


class PostalCodeCheck:
    """Form mixin: a postal code is four digits."""

    def clean_postal_code(self):
        code = self.cleaned_data["postal_code"].strip()
        if code and not (code.isdigit() and len(code) == 4):
            raise forms.ValidationError(_("A postal code has four digits."))
        return code


class ProfileForm(PostalCodeCheck, PortalModelForm):
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
        field_classes = {
            "org_number": OrgNumberField,
            "target_groups": NamedChoicesField,
            "competence_needs": NamedChoicesField,
            "languages": NamedChoicesField,
        }
        widgets = {
            "voluntary_register_since": DATE,
            "founded": DATE,
            "social_media": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 4}),
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

    def clean_social_media(self):
        lines = [line.strip() for line in self.cleaned_data["social_media"].splitlines()]
        validate = forms.URLField(assume_scheme="https").clean
        return "\n".join(validate(line) for line in lines if line)


class OrgNumberForm(PortalForm):
    """The first step of registering: the number, to look the organisation up."""

    org_number = OrgNumberField(
        label=_("Organisation number"),
        help_text=_("Nine digits, as in the Brønnøysund registers, for example 974 761 076."),
    )


class RegistrationForm(SubmitOnce, PostalCodeCheck, PortalModelForm):
    """What a person sends to register their organisation: the register's details (fetched,
    and theirs to correct), how to reach the organisation, and what it does."""

    kind = forms.ChoiceField(
        label=_("What kind of organisation is it?"),
        choices=[(kind.value, capfirst(kind.label)) for kind in SELF_SERVICE_KINDS],
        widget=forms.RadioSelect,
        help_text=_(
            "A participant organisation applies for grants and gets a mentor; a mentor "
            "organisation (usually a large, established one) mentors the participants."
        ),
    )
    in_voluntary_register = nullable_boolean(_("Registered in Frivillighetsregisteret"))
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = RegistrationRequest
        fields = [
            "kind",
            "name",
            "founded",
            "in_voluntary_register",
            "street_address",
            "postal_code",
            "postal_place",
            "municipality",
            "municipality_number",
            "county",
            "email",
            "phone",
            "website",
            "description",
            "target_groups",
            "activity_name",
            "activity_frequency",
            "activity_participants",
        ]
        field_classes = {"target_groups": NamedChoicesField}
        widgets = {
            "founded": DATE,
            "municipality_number": forms.HiddenInput,
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "email": _("The organisation's e-mail address, or yours if it has none."),
            "activity_name": _("For example a language café, homework help or a football team."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        value = self.initial.get("in_voluntary_register")
        self.initial["in_voluntary_register"] = "" if value is None else str(value).lower()

    def clean(self):
        data = super().clean()
        if not data.get("email") and not data.get("phone") and "email" not in self.errors:
            self.add_error("email", _("Give an e-mail address or a phone number."))
        return data


class JoinSearchForm(PortalForm):
    q = forms.CharField(
        label=_("Organisation number or name"),
        min_length=3,
        max_length=200,
        help_text=_("At least three letters of the name, or the nine digits of the number."),
    )


class JoinRequestForm(SubmitOnce, PortalModelForm):
    class Meta:
        model = JoinRequest
        fields = ["message"]
        widgets = {"message": forms.Textarea(attrs={"rows": 3})}


class RoleChoice:
    """Forms with a ``role``: given the ``organisation``, they offer only the roles its kind
    has (the approver role only in administering bodies)."""

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["role"]
        field.error_messages["invalid_choice"] = _("Choose one of the roles in the list.")
        if organisation is not None:
            field.choices = roles_for(organisation.kind)


class JoinAnswerForm(RoleChoice, PortalForm):
    """A leader's answer to a request to join: the role when approving."""

    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, initial=MemberRole.MEMBER)


class RejectionForm(PortalForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=SHORT_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The person is told this reason by e-mail."),
    )


class InvitationForm(RoleChoice, SubmitOnce, PortalForm):
    email = forms.EmailField(label=_("E-mail address"))
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, initial=MemberRole.MEMBER)
    title = forms.CharField(label=_("Title"), max_length=100, required=False)


class JoinForm(PortalForm):
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


class MemberRoleForm(RoleChoice, PortalForm):
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices)


def _parts_formset(model, fields, widgets=None, **kwargs):
    return inlineformset_factory(
        Organisation,
        model,
        fields=fields,
        widgets=widgets or {},
        extra=1,
        can_delete=True,
        fk_name="organisation",
        **kwargs,
    )


def register_municipalities() -> list[tuple[str, str]]:
    """The municipalities the register holds (of the organisations in it), by name: Norway
    has a few hundred, so a plain list."""
    rows = (
        Organisation.objects.exclude(municipality_number="")
        .exclude(municipality="")
        .order_by("municipality", "municipality_number")
        .values_list("municipality_number", "municipality")
        .distinct()
    )
    return list(dict(rows).items())


class CollaborationForm(PortalModelForm):
    """One collaboration: its partner named from the register where it is there (a fellow
    participant or mentor organisation, a municipality, a county authority), else in words.
    ``Collaboration.clean`` decides what fits the kind; this form fills in the name shown."""

    partner = partner_field(
        required=False,
        label=_("Partner organisation in the register"),
        help_text=_("For a fellow participant or a mentor organisation."),
        empty_label=_("Not chosen"),
    )
    partner_municipality_number = forms.ChoiceField(
        label=_("Municipality"), required=False, help_text=_("For a municipality.")
    )

    class Meta:
        model = Collaboration
        fields = [
            "partner_kind",
            "partner",
            "partner_municipality_number",
            "partner_county",
            "partner_name",
            "since",
            "status",
            "description",
        ]
        labels = {"partner_county": _("County"), "partner_name": _("Partner's name")}
        help_texts = {
            "partner_county": _("For a county authority."),
            "partner_name": _(
                "For a partner not in the register, such as an immigrant council. Filled in "
                "from the register when you choose there."
            ),
        }

    def __init__(self, *args, municipalities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.municipalities = dict(municipalities)
        self.fields["partner_municipality_number"].choices = [
            ("", _("Not in the list")),
            *((number, f"{name} ({number})") for number, name in self.municipalities.items()),
        ]
        self.fields["partner_name"].required = False
        if self.instance.partner_id:  # read with the formset's rows: no query of its own
            self.fields["partner"].prepare_value(self.instance.partner)

    def clean(self):
        data = super().clean()
        kind, partner = data.get("partner_kind"), data.get("partner")
        if kind in REGISTERED_PARTNERS and partner:
            data["partner_name"] = partner.name
        elif not data.get("partner_name", "").strip():
            data["partner_name"] = self._place_name(data)
        if not data.get("partner_name") and kind not in REGISTERED_PARTNERS:
            self.add_error(
                "partner_name", _("Write the partner's name, or choose it from the register.")
            )
        return data

    def _place_name(self, data) -> str:
        """The name of the municipality or county chosen, for a partner left unnamed."""
        kind = data.get("partner_kind")
        number, county = data.get("partner_municipality_number"), data.get("partner_county")
        if kind == PartnerKind.MUNICIPALITY and number in self.municipalities:
            return self.municipalities[number]
        if kind == PartnerKind.COUNTY and county:
            return str(County(county).label)
        return ""


class CollaborationFormSet(BaseInlineFormSet):
    """Reads the rows with their partners, and the register's municipalities once for all."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Collaboration.objects.select_related("partner"))
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        if not hasattr(self, "_municipalities"):
            self._municipalities = register_municipalities()
        return {**super().get_form_kwargs(index), "municipalities": self._municipalities}


PART_FORMSETS = {
    "branches": _parts_formset(
        Branch, ["name", "municipality", "county", "founded"], {"founded": DATE}
    ),
    "activities": _parts_formset(
        Activity, ["name", "frequency", "typical_participants", "description"]
    ),
    "collaborations": _parts_formset(
        Collaboration,
        CollaborationForm.Meta.fields,
        {"since": DATE},
        form=CollaborationForm,
        formset=CollaborationFormSet,
    ),
    "previous-applications": _parts_formset(
        PreviousApplication, ["year", "grantor", "grantor_name", "amount", "outcome"]
    ),
}


class FollowUpGrantForm(PortalModelForm):
    """One grant applied for elsewhere after the scheme's period, in the follow-up."""

    class Meta:
        model = PreviousApplication
        fields = ["year", "grantor", "grantor_name", "amount", "outcome"]
        labels = {"grantor_name": _("Grantor or scheme")}

    def __init__(self, *args, scheme, first_year, **kwargs):
        super().__init__(*args, **kwargs)
        self.scheme, self.first_year = scheme, first_year
        self.fields["year"].help_text = _("%(year)s or later.") % {"year": first_year}

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not self.first_year <= year <= timezone.localdate().year:
            raise forms.ValidationError(
                _("Give a year from %(first)s to this year: the years after the scheme.")
                % {"first": self.first_year}
            )
        return year

    def clean_grantor_name(self):
        name = self.cleaned_data["grantor_name"]
        if followup.names_the_scheme(name, self.scheme):
            raise forms.ValidationError(
                _("Leave out the grants from this scheme: only grants from others count here.")
            )
        return name


class FollowUpFormSet(BaseInlineFormSet):
    """The organisation's grants applied for elsewhere in the years after the scheme."""

    def __init__(self, *args, scheme, first_year, **kwargs):
        self.scheme, self.first_year = scheme, first_year
        kwargs["queryset"] = PreviousApplication.objects.filter(year__gte=first_year)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {
            **super().get_form_kwargs(index),
            "scheme": self.scheme,
            "first_year": self.first_year,
        }


FOLLOW_UP_FORMSET = _parts_formset(
    PreviousApplication,
    FollowUpGrantForm.Meta.fields,
    form=FollowUpGrantForm,
    formset=FollowUpFormSet,
)
