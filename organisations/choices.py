"""Choosing organisations in forms by searching (scheme/choices.py): which organisations each
kind of choice offers, the fields that offer them, and the endpoint the browser searches. A
form's field and the endpoint take their rows from the same entry of ``OFFERS``."""

from django.http import Http404
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from organisations.models import Organisation
from organisations.orgnr import format_orgnr
from scheme.choices import (
    SearchChoiceField,
    SearchMultipleChoiceField,
    SearchSelectMultiple,
    search_page,
)
from scheme.roles import OrganisationKind, Role, access_for, require, require_role


def _organisations():
    return Organisation.objects.order_by("name", "id")


# What each kind of choice offers (before ``visible_to``).
OFFERS = {
    # who gives an event or a programme item: any organisation but the evaluators
    "hosts": lambda: _organisations().exclude(kind=OrganisationKind.EVALUATOR),
    "participants": lambda: _organisations().filter(kind=OrganisationKind.PARTICIPANT),
    "mentors": lambda: _organisations().filter(kind=OrganisationKind.MENTOR),
}


def label(organisation) -> str:
    """The name and the number, since names repeat in a register of thousands."""
    return f"{organisation.name} ({format_orgnr(organisation.org_number)})"


def search(rows, text: str):
    """Digits find by the start of the organisation number (its unique index); anything else
    by part of the name (the trigram index on PostgreSQL, migration 0003)."""
    digits = text.replace(" ", "")
    if digits.isdigit():
        return rows.filter(org_number__startswith=digits)
    return rows.filter(name__icontains=text)


def search_field(rows, url, multiple=False, **kwargs):
    """A field that searches the organisations ``rows`` through the endpoint at ``url``."""
    if multiple:
        widget = SearchSelectMultiple(
            url,
            typed_help=_(
                "Without the search: write organisation numbers or exact names, one per line."
            ),
        )
        return SearchMultipleChoiceField(
            rows, url=url, search=search, row_label=label, widget=widget, **kwargs
        )
    return SearchChoiceField(rows, url=url, search=search, row_label=label, **kwargs)


def offered_field(offer: str, multiple=False, **kwargs):
    """A search field over the organisations ``OFFERS[offer]`` gives."""
    url = reverse_lazy("organisations:choices", args=[offer])
    return search_field(OFFERS[offer](), url, multiple, **kwargs)


def rows_for_search(rows):
    """Only what a search result shows."""
    return rows.only("id", "name", "org_number")


def organisation_choices(request, offer):
    """A page of the organisations ``offer`` gives that the user may see: for caseworkers,
    whose forms these are (403 for anyone else)."""
    require_role(request.user, Role.CASEWORKER)
    if offer not in OFFERS:
        raise Http404
    rows = OFFERS[offer]().visible_to(request.user)
    return search_page(request, rows_for_search(rows), search, label)


def partner_rows():
    """What a collaboration may name as its partner from the register: the participant and
    mentor organisations, which anyone may find by name or number anyway (``findable``)."""
    return (
        Organisation.objects.findable()
        .filter(kind__in=(OrganisationKind.PARTICIPANT, OrganisationKind.MENTOR))
        .order_by("name", "id")
    )


def partner_field(**kwargs):
    """The search field of a collaboration's partner in the register."""
    url = reverse_lazy("organisations:partner_choices")
    return search_field(partner_rows(), url, **kwargs)


def partner_choices(request):
    """A page of the possible partners, for anyone who keeps an organisation's profile lists
    (``Access.keeps_profiles``); 403 for anyone else."""
    require(access_for(request.user).keeps_profiles)
    return search_page(request, rows_for_search(partner_rows()), search, label)
