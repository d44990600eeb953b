"""The annual plan against what was held: one row per planned item with the events that
fulfil it, and the events held outside the plan."""

from dataclasses import dataclass

from django.db.models import Prefetch

from courses.models import AnnualPlan, Event, PlannedItem
from scheme.compiled import kept


@dataclass(frozen=True)
class PlanRow:
    item: object
    events: list

    @property
    def held(self) -> bool:
        return any(event.is_held() for event in self.events)


@kept(params=["plan_id"])
def items_of_plan(plan_id):
    """A plan's items, with their competence areas."""
    return PlannedItem.objects.filter(plan=plan_id).prefetch_related("competence_areas")


@kept(params=["scheme_year_id"])
def plan_of_year(scheme_year_id):
    """The scheme year's annual plan (none or one)."""
    return AnnualPlan.objects.filter(scheme_year=scheme_year_id)


def _held_or_to_come():
    return Event.objects.filter(cancelled_at__isnull=True).order_by("starts_at")


@kept(params=["scheme_year_id"])
def _planned_items(scheme_year_id):
    """The year's planned items, each with its events not cancelled."""
    events = Prefetch("events", queryset=_held_or_to_come())
    items = PlannedItem.objects.filter(plan__scheme_year=scheme_year_id)
    return items.prefetch_related(events).order_by("month", "id")


@kept(params=["scheme_year_id"])
def _unplanned_events(scheme_year_id):
    """The year's events not cancelled that no planned item names."""
    return _held_or_to_come().filter(scheme_year=scheme_year_id, planned_item__isnull=True)


def plan_against_held(scheme_year) -> dict:
    """``rows`` (each planned item with its events), ``unplanned`` events and the totals."""
    items = list(_planned_items(scheme_year_id=scheme_year.pk))
    rows = [PlanRow(item=item, events=list(item.events.all())) for item in items]
    unplanned = list(_unplanned_events(scheme_year_id=scheme_year.pk))
    held = [event for event in unplanned if event.is_held()]
    return {
        "rows": rows,
        "unplanned": unplanned,
        "planned": len(rows),
        "planned_and_held": sum(row.held for row in rows),
        "held_outside_plan": len(held),
    }
