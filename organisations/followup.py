"""The follow-up a year after a scheme's period (goal 5): the organisations that took part
record the grants they applied for, and got, from other schemes and bodies since the period.

The rules, in one place: when the follow-up opens and is due, which schemes an organisation
is followed up for, and which recorded grants are the scheme's own (never counted as grants
from others: the scheme's own grants are its awards, not rows on the profile).
"""

import datetime

from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from organisations.models import FollowUp
from scheme import registry
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


def follow_ups(organisation, today: datetime.date) -> list[tuple]:
    """The schemes the organisation took part in whose follow-up has opened: (scheme, its last
    year, the answer or None), the newest first. Two queries."""
    years = SchemeYear.objects.filter(registry.years_taken_part([organisation.pk]))
    schemes = (
        Scheme.objects.filter(pk__in=years.values("scheme_id"))
        .annotate(last_year=Max("years__year"))
        .order_by("-last_year", "name")
    )
    opened = [scheme for scheme in schemes if is_open(scheme.last_year, today)]
    if not opened:
        return []
    answers = {
        answer.scheme_id: answer
        for answer in FollowUp.objects.filter(organisation=organisation, scheme__in=opened)
    }
    return [(scheme, scheme.last_year, answers.get(scheme.pk)) for scheme in opened]


def schemes_json(organisation_pk):
    """The schemes the organisation took part in, each with its last year and when its
    follow-up was answered, as JSON rows that come with the organisation's own query."""
    years = SchemeYear.objects.filter(registry.years_taken_part([organisation_pk]))
    last = SchemeYear.objects.filter(scheme=OuterRef("pk")).order_by("-year").values("year")
    answers = FollowUp.objects.filter(scheme=OuterRef("pk"), organisation_id=organisation_pk)
    return JSONRows(
        Scheme.objects.filter(pk__in=years.values("scheme_id")).order_by(),
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


def _moment(text):
    """A stored time read back from JSON (SQLite gives it in UTC without the offset)."""
    if not text:
        return None
    moment = parse_datetime(text)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, datetime.UTC)


def waiting(taking_part_rows, answered_scheme_ids, today) -> list[tuple[int, int]]:
    """(scheme id, last year) of the follow-ups open and not answered, from the rows the
    dashboard already has (``scheme_id`` and ``scheme_last_year`` per year taken part in)."""
    last = {row["scheme_id"]: row["scheme_last_year"] for row in taking_part_rows or []}
    return sorted(
        (scheme_id, year)
        for scheme_id, year in last.items()
        if year and is_open(year, today) and scheme_id not in answered_scheme_ids
    )
