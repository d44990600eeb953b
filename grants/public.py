"""What the grants app shows the public: the open calls and who was awarded grants.

A call by invitation (``RoundKind.CLOSED``) is never shown. An open call is shown from
``ANNOUNCED_BEFORE`` its opening, and stays, as history, after it closes. Awarded grants are
listed by organisation (name, organisation number, municipality), amount, scheme and year:
organisations only, never a person, and nothing from the application. Public bodies publish
who got public money.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import django_filters
from django.db.models import Count, Exists, F, OuterRef, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from grants.models import Award, Round, RoundKind
from organisations import eligibility as admission
from organisations.models import Organisation
from organisations.orgnr import format_orgnr
from scheme.compiled import kept
from scheme.file_names import file_stem
from scheme.forms_common import KeptFilterSet
from scheme.models import SchemeYear, schemes_by_name
from scheme.registry import Panel, register_public_section
from scheme.web import counted_page

# A call is announced this long before it opens, so a caseworker can prepare one in peace
# before that; until then its page answers 404 like a call that does not exist.
ANNOUNCED_BEFORE = datetime.timedelta(weeks=8)

OPEN, SOON, CLOSED = "open", "soon", "closed"


def public_calls(today=None):
    """The calls anyone may read about: open calls (not by invitation) announced by ``today``."""
    today = today or timezone.localdate()
    return Round.objects.filter(
        kind=RoundKind.OPEN, opens_on__lte=today + ANNOUNCED_BEFORE
    ).select_related("scheme_year__scheme")


def current_calls(today=None):
    """Open now or opening soon, the nearest deadline first."""
    today = today or timezone.localdate()
    return public_calls(today).filter(closes_on__gte=today).order_by("closes_on", "opens_on", "id")


def past_calls(today=None):
    today = today or timezone.localdate()
    return public_calls(today).filter(closes_on__lt=today).order_by("-closes_on", "-id")


@dataclass(frozen=True)
class PublicCall:
    """A call as the public reads it: its state on ``today`` and who may apply, in words."""

    round: Round
    today: datetime.date

    @property
    def state(self) -> str:
        if self.round.is_open(self.today):
            return OPEN
        return SOON if self.round.opens_on > self.today else CLOSED

    # The states by name, for the templates.
    @property
    def is_open(self) -> bool:
        return self.state == OPEN

    @property
    def opens_soon(self) -> bool:
        return self.state == SOON

    @property
    def is_closed(self) -> bool:
        return self.state == CLOSED

    @property
    def scheme_year(self) -> SchemeYear:
        return self.round.scheme_year

    @property
    def who_may_apply(self) -> str:
        if self.round.continuation:
            return _("Organisations already taking part in the scheme.")
        return _(
            "Every voluntary organisation that meets the criteria below. Register your "
            "organisation in the portal to apply."
        )

    @property
    def criteria(self) -> list[str]:
        """The rules the eligibility check applies, in words for someone about to apply. The
        list comes from the check itself (``organisations.eligibility``, run for a blank
        organisation, which reads nothing from the database), so it is exactly the one that
        will be applied on the call's deadline."""
        if self.round.continuation:
            return [_("Admitted earlier; the admission rules are not checked again.")]
        blank = admission.check_eligibility(
            Organisation(), self.scheme_year, on=self.round.closes_on, previous_applications=[]
        )
        return [self._in_words(criterion) for criterion in blank.criteria]

    def _in_words(self, criterion) -> str:
        year = self.scheme_year
        if criterion.code == "registered":
            return _("The organisation is registered in Frivillighetsregisteret by the deadline.")
        if criterion.code == "age":
            age = year.max_organisation_age_years
            return ngettext(
                "It was founded less than %(years)d year before the deadline.",
                "It was founded less than %(years)d years before the deadline.",
                age,
            ) % {"years": age}
        if criterion.code == "applied":
            window = year.previous_application_window(self.round.closes_on)
            return _(
                "It applied for a grant from IMDi or a municipality in %(first)d–%(last)d "
                "(tell us about it on the organisation's profile)."
            ) % {"first": window[0], "last": window[-1]}
        if criterion.code == "purpose":
            return _(
                "It works for immigrants and their children to take part in work and "
                "society. The caseworker judges this from your description and activities."
            )
        return str(criterion.label)


def as_public(calls, today=None) -> list[PublicCall]:
    today = today or timezone.localdate()
    return [PublicCall(call, today) for call in calls]


def get_public_call(pk, today=None) -> PublicCall | None:
    """The call with its scheme, goals and award conditions, if the public may read it."""
    call = (
        public_calls(today)
        .select_related("scheme_year__scheme__administrator")
        .prefetch_related("scheme_year__scheme__goals", "scheme_year__scheme__conditions")
        .filter(pk=pk)
        .first()
    )
    return PublicCall(call, today or timezone.localdate()) if call else None


# --- awarded grants ------------------------------------------------------------------------


@dataclass(frozen=True)
class AwardedGrant:
    """One line of the public list: only what the public may read."""

    organisation: str
    organisation_number: str
    municipality: str
    amount: Decimal
    scheme: str
    year: int
    demo: bool

    @property
    def organisation_number_display(self) -> str:
        return format_orgnr(self.organisation_number)


_AWARDED_COLUMNS = {
    "organisation": F("application__organisation__name"),
    "organisation_number": F("application__organisation__org_number"),
    "municipality": F("application__organisation__municipality"),
    "granted": F("amount"),
    "scheme_name": F("application__round__scheme_year__scheme__name"),
    "grant_year": F("application__round__scheme_year__year"),
    "demo": F("application__organisation__is_demo"),
}


# Newest year first: the columns' lookups, so the count of a filtered list needs no joins
# for them.
AWARDED_ORDER = (
    "-application__round__scheme_year__year",
    "application__round__scheme_year__scheme__name",
    "application__organisation__name",
    "pk",
)


def awarded_grants():
    """Every award, newest year first (the rows still to be read as ``public_columns``)."""
    return Award.objects.order_by(*AWARDED_ORDER)


def public_columns(awards):
    """The awards as rows of the public columns only (in the order of ``AwardedGrant``'s
    fields), so nothing else is ever read."""
    return awards.annotate(**_AWARDED_COLUMNS).values_list(*_AWARDED_COLUMNS)


def awarded_lines(rows) -> list[AwardedGrant]:
    return [AwardedGrant(*row) for row in rows]


@kept
def _years_awarded():
    """The years with an award: each year asks whether one exists, no join over them all."""
    awarded = Award.objects.filter(application__round__scheme_year=OuterRef("pk"))
    years = SchemeYear.objects.filter(Exists(awarded)).values_list("year", flat=True)
    return years.distinct().order_by("-year")


def years_with_awards() -> list[tuple[int, int]]:
    return [(year, year) for year in _years_awarded()]


def scheme_choices() -> list[tuple[str, str]]:
    return [(scheme.slug, str(scheme)) for scheme in schemes_by_name()]


class AwardedFilter(KeptFilterSet):
    """The list by scheme (its slug in the address) and year."""

    scheme = django_filters.ChoiceFilter(
        label=gettext_lazy("Scheme"),
        field_name="application__round__scheme_year__scheme__slug",
        choices=scheme_choices,
        empty_label=gettext_lazy("All schemes"),
    )
    year = django_filters.ChoiceFilter(
        label=gettext_lazy("Year"),
        field_name="application__round__scheme_year__year",
        choices=years_with_awards,
        empty_label=gettext_lazy("All years"),
    )

    class Meta:
        model = Award
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            field.widget.attrs["class"] = "form-select"

    def file_stem(self) -> str:
        """``awarded-grants``, with the scheme and year chosen: ``awarded-grants-slug-2024``
        (``tildelte-tilskudd-slug-2024`` in Norwegian)."""
        data = self.form.cleaned_data
        words = file_stem(pgettext("file name", "awarded grants"))
        parts = [words, data.get("scheme"), data.get("year")]
        return "-".join(str(part) for part in parts if part)


@kept
def awarded_page(values, per_page: int, number: int):
    """Page ``number`` of the awarded grants filtered by ``values`` (``AwardedFilter``'s), as
    ``public_columns`` rows with the count of all."""
    awards = AwardedFilter(queryset=awarded_grants()).filter_by(awarded_grants(), values)
    return counted_page(public_columns(awards), number, per_page)


@kept(params=["scheme_id"])
def awarded_by_year(scheme_id):
    """The scheme's awards per year: how many organisations and how much, newest first."""
    return (
        Award.objects.filter(application__round__scheme_year__scheme=scheme_id)
        .values(grant_year=F("application__round__scheme_year__year"))
        .annotate(count=Count("pk"), total=Sum("amount"))
        .order_by("-grant_year")
    )


# --- what the landing page and a scheme's page show ----------------------------------------


@kept(params=["scheme_id"])
def _calls_of(today, scheme_id):
    """A scheme's public calls, the latest deadline first."""
    calls = public_calls(today).filter(scheme_year__scheme=scheme_id)
    return calls.order_by("-closes_on", "-id")


def public_section(scheme):
    """The landing page: the calls open now and soon. A scheme's page: its calls, open, soon
    and past, and its awards per year."""
    today = timezone.localdate()
    if scheme is None:
        calls = current_calls(today).prefetch_related(
            "scheme_year__scheme__goals", "scheme_year__scheme__conditions"
        )
        return Panel("grants/public/landing_section.html", {"calls": as_public(calls, today)})
    context = {
        "scheme": scheme,
        "calls": as_public(_calls_of(today, scheme_id=scheme.pk), today),
        "awarded_by_year": list(awarded_by_year(scheme_id=scheme.pk)),
    }
    return Panel("grants/public/scheme_section.html", context)


def register():
    register_public_section(public_section)
