"""State changes of the core domain. Each runs in one transaction and leaves a timeline line."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from scheme import audit
from scheme.models import SchemeYear
from scheme.roles import require_administers
from scheme.verbs import event_verb

ACCOUNT_UPDATED = event_verb("account.updated", _("updated their account details"))
YEAR_RULES_CHANGED = event_verb("scheme.year_rules_changed", _("changed the rules for a year"))
YEAR_OPENED = event_verb("scheme.year_opened", _("opened a new scheme year"))

RULE_FIELDS = [
    "max_grant",
    "audit_threshold",
    "mentor_compensation",
    "budget_frame",
    "min_mentor_meetings",
    "max_attendees_per_organisation",
    "report_due_date",
    "max_organisation_age_years",
    "previous_application_years",
]
# What the year cost, recorded on the same page but not a rule: a new year starts without it.
RECORDED_FIELDS = ["staff_cost"]
YEAR_FIELDS = RULE_FIELDS + RECORDED_FIELDS


@transaction.atomic
def update_account(actor, *, full_name: str, phone: str, language: str, notify_by: str):
    actor.full_name, actor.phone, actor.language = full_name, phone, language
    actor.notify_by = notify_by
    actor.full_clean()
    actor.save(update_fields=["full_name", "phone", "language", "notify_by"])
    audit.record(actor, ACCOUNT_UPDATED, actor)
    return actor


@transaction.atomic
def change_year_rules(actor, scheme_year: SchemeYear, **rules) -> SchemeYear:
    """Change a year's rules and its recorded staff cost; only the scheme's administering body
    may."""
    year = SchemeYear.objects.select_for_update().get(pk=scheme_year.pk)
    require_administers(actor, year.scheme)
    changed = [name for name in YEAR_FIELDS if name in rules and getattr(year, name) != rules[name]]
    for name in changed:
        setattr(year, name, rules[name])
    year.full_clean()
    year.save()
    if changed:
        labels = ", ".join(str(SchemeYear._meta.get_field(n).verbose_name) for n in changed)
        audit.record(actor, YEAR_RULES_CHANGED, year.scheme, detail=f"{year.year}: {labels}")
    return year


@transaction.atomic
def open_next_year(actor, scheme) -> SchemeYear:
    """Start the year after the latest one, with the same rules and the due date moved on; a
    new scheme starts this year with the pilot's rules (report due 23 January after), which
    the caseworker then sets on the year's page."""
    require_administers(actor, scheme)
    latest = scheme.years.select_for_update().order_by("-year").first()
    if latest is None:
        new_year = timezone.localdate().year
        rules = {"report_due_date": datetime.date(new_year + 1, 1, 23)}
    else:
        new_year = latest.year + 1
        rules = {name: getattr(latest, name) for name in RULE_FIELDS}
        rules["report_due_date"] = _same_day_next_year(latest.report_due_date)
    year = SchemeYear(scheme=scheme, year=new_year, **rules)
    year.full_clean()
    year.save()
    audit.record(actor, YEAR_OPENED, scheme, detail=str(new_year))
    return year


def _same_day_next_year(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)
