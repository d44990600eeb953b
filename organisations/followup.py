"""The follow-up a year after a scheme's period (goal 5): the organisations that took part
record the grants they applied for, and got, from other schemes and bodies since the period.

The rules, in one place: when the follow-up opens and is due (a year after the last year the
scheme awarded the organisation a grant), which schemes an organisation is followed up for,
and which recorded grants are the scheme's own (never counted as grants from others: the
scheme's own grants are its awards, not rows on the profile).
"""

import datetime

from django.db.models import OuterRef, Q, Subquery, Value
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from organisations.models import FollowUp, Organisation
from scheme.models import Scheme, SchemeYear
from scheme.queries import JSONRows


def opens_on(last_year: int) -> datetime.date:
    """A whole calendar year after the period (which ends on 31 December of its last year)."""
    return datetime.date(last_year + 2, 1, 1)


def due_on(last_year: int) -> datetime.date:
    return datetime.date(last_year + 2, 3, 31)


def is_open(last_year: int, today: datetime.date) -> bool:
    return today >= opens_on(last_year)


def names_the_scheme(grantor_name: str, scheme) -> bool:
    """Whether a recorded grant is the scheme's own: it names the scheme (by its name or short
    name). Such a row is refused in the follow-up and left out of the grants from others."""
    text = grantor_name.casefold()
    names = (scheme.name, scheme.short_name)
    return any(name and name.casefold() in text for name in names)


def award_years(organisation) -> Q:
    """A Q over SchemeYear: the years the organisation (an ``OuterRef`` to its id, as
    ``registry.years_taken_part`` takes one) was awarded a grant in. Goal 5 is about project
    support "etter endt tilskudd": the follow-up counts from its last grant."""
    from grants.models import years_awarded  # grants builds on organisations

    return years_awarded(organisation)


def schemes_json(organisation_pk):
    """The schemes that awarded the organisation a grant, each with the last year it did and
    when its follow-up was answered, as JSON rows that come with the organisation's query.
    ``organisation_pk``: its id, or ``OuterRef("pk")`` for each organisation of the outer
    query (one subquery that need not be built again for another organisation)."""
    if not isinstance(organisation_pk, OuterRef):
        organisation_pk = Value(organisation_pk)
    # The organisation as an alias of each query that names it, the inner ones referring out.
    schemes = Scheme.objects.alias(followed_organisation=organisation_pk)
    years = SchemeYear.objects.alias(awarded_organisation=OuterRef("followed_organisation")).filter(
        award_years(OuterRef("awarded_organisation"))
    )
    last = years.filter(scheme=OuterRef("pk")).order_by("-year").values("year")
    answers = FollowUp.objects.filter(
        scheme=OuterRef("pk"), organisation_id=OuterRef("followed_organisation")
    )
    return JSONRows(
        schemes.filter(pk__in=years.values("scheme_id")).order_by(),
        id="id",
        name="name",
        last_year=Subquery(last[:1]),
        answered_at=Subquery(answers.values("answered_at")[:1]),
    )


def opened(rows, today: datetime.date) -> list[dict]:
    """Of ``schemes_json``'s rows, those whose follow-up has opened, the newest first, with
    ``answered_at`` a datetime (or None)."""
    rows = [
        {**row, "answered_at": _moment(row["answered_at"])}
        for row in rows or []
        if row["last_year"] and is_open(row["last_year"], today)
    ]
    return sorted(rows, key=lambda row: (-row["last_year"], row["name"]))


def opened_for(organisation, scheme_pk, today: datetime.date) -> dict | None:
    """The organisation's follow-up after the scheme (an ``opened`` row), or None when it has
    not opened: one query."""
    rows = (
        Organisation.objects.filter(pk=organisation.pk)
        .annotate(rows=schemes_json(organisation.pk))
        .values_list("rows", flat=True)
        .get()
    )
    return next((row for row in opened(rows, today) if row["id"] == scheme_pk), None)


def _moment(text):
    """A stored time read back from JSON (SQLite gives it in UTC without the offset)."""
    if not text:
        return None
    moment = parse_datetime(text)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, datetime.UTC)
