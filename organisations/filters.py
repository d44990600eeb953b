import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from organisations.geography import County
from organisations.models import Organisation, TargetGroup
from scheme.forms_common import StableOrderingFilter
from scheme.roles import OrganisationKind


class OrganisationOrderingFilter(StableOrderingFilter):
    nullable = {"founded"}
    tie_breakers = ("name", "id")


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or organisation number"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Type"), choices=OrganisationKind.choices)
    county = django_filters.ChoiceFilter(label=_("County"), choices=County.choices)
    target_group = django_filters.ModelChoiceFilter(
        label=_("Target group"), field_name="target_groups", queryset=TargetGroup.objects.all()
    )
    founded_year = django_filters.NumberFilter(
        label=_("Year founded"), field_name="founded", lookup_expr="year"
    )
    order = OrganisationOrderingFilter(
        label=_("Sort by"),
        fields=(("name", "name"), ("founded", "founded"), ("county", "county")),
        field_labels={"name": _("name"), "founded": _("founding date"), "county": _("county")},
    )

    class Meta:
        model = Organisation
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Bootstrap classes on the widgets, so the template can render Django's plain field
        # groups (the lightest form markup, on a page caseworkers open all day).
        for field in self.form.fields.values():
            is_select = hasattr(field, "choices")
            field.widget.attrs["class"] = "form-select" if is_select else "form-control"

    def search(self, queryset, name, value):
        digits = value.replace(" ", "")
        condition = Q(name__icontains=value.strip())
        if digits.isdigit():
            condition |= Q(org_number__startswith=digits)
        return queryset.filter(condition)
