"""What the pairing forms offer to search among (scheme/choices.py): the participants waiting
for a mentor, and the mentor organisations' people who may be a pairing's contact. The forms'
fields and their endpoints (mentoring/views/choices.py) both take the rows from here."""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from mentoring.models import Pairing, PairingMember
from organisations import choices
from organisations.models import Membership, Organisation
from scheme import registry
from scheme.choices import SearchChoiceField, SearchSelect
from scheme.models import SchemeYear
from scheme.roles import OrganisationKind

PERSON_MESSAGES = {
    "required": _("Choose an answer."),
    "invalid_choice": _("That person cannot be chosen here. Search again and choose one."),
    "not_found": _("Nobody here has the e-mail address or name “%(text)s”."),
    "several": _("Several people match “%(text)s”. Write the e-mail address."),
}


def newest_years(access):
    """The newest year of each scheme the caseworker's body runs."""
    newest = SchemeYear.objects.filter(
        year=Subquery(
            SchemeYear.objects.filter(scheme=OuterRef("scheme"))
            .order_by("-year")
            .values("year")[:1]
        )
    )
    return access.administered(newest)


def waiting_for_a_mentor(access, years=None):
    """Participants taking part in the newest year of a scheme the caseworker's body runs
    (an award in it) that are in no live pairing; ``years``: those years, if read already."""
    years = newest_years(access) if years is None else years
    paired = PairingMember.objects.filter(pairing__in=Pairing.objects.live())
    return (
        Organisation.objects.participants()
        .filter(registry.organisations_taking_part(*years))
        .exclude(pk__in=paired.values("organisation_id"))
        .order_by("name", "id")
    )


def participants_field(access, asked=(), **kwargs):
    """The participants waiting for a mentor, searched; and those ``asked`` for (named in the
    link or the posted form, so that a form sent twice reaches the service, which says it was
    saved already)."""
    rows = Organisation.objects.participants().filter(
        Q(pk__in=waiting_for_a_mentor(access).values("pk"))
        | Q(pk__in=[int(pk) for pk in asked if str(pk).isdigit()])
    )
    url = reverse_lazy("mentoring:waiting")
    return choices.search_field(rows.order_by("name", "id"), url, multiple=True, **kwargs)


def mentor_people(mentors=None):
    """Active people of mentor organisations (of ``mentors``, organisations or ids, when
    given), each with the name of a mentor organisation of theirs (``mentor_name``)."""
    memberships = Membership.objects.filter(
        user=OuterRef("pk"), organisation__kind=OrganisationKind.MENTOR
    )
    if mentors is not None:
        memberships = memberships.filter(organisation__in=mentors)
    return (
        get_user_model()
        .objects.filter(Exists(memberships), is_active=True)
        .annotate(mentor_name=Subquery(memberships.order_by("pk").values("organisation__name")[:1]))
        .order_by("full_name", "id")
    )


def person_label(person) -> str:
    return f"{person} ({person.mentor_name})"


def search(rows, text: str):
    """An e-mail address finds its person; anything else part of a name."""
    if "@" in text:
        return rows.filter(email__iexact=text)
    return rows.filter(Q(full_name__icontains=text) | Q(email__istartswith=text))


def mentor_contact_search_field(**kwargs):
    """Any mentor organisation's person; the browser searches among the people of the mentor
    chosen in the form's ``mentor`` field."""
    url = reverse_lazy("mentoring:mentor_people")
    widget = SearchSelect(
        url,
        depends_on="mentor",
        typed_help=_("Without the search: write the person's e-mail address or exact name."),
    )
    return SearchChoiceField(
        mentor_people(),
        url=url,
        search=search,
        row_label=person_label,
        messages=PERSON_MESSAGES,
        widget=widget,
        **kwargs,
    )
