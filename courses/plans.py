"""The annual plan against what was held: one row per planned item with the events that
fulfil it, and the events held outside the plan."""

from dataclasses import dataclass

from django.db.models import Prefetch

from courses.models import Event, PlannedItem


@dataclass(frozen=True)
class PlanRow:
    item: object
    events: list

    @property
    def held(self) -> bool:
        return any(event.is_held() for event in self.events)


def plan_against_held(scheme_year) -> dict:
    """``rows`` (each planned item with its events), ``unplanned`` events and the totals."""
    events = Event.objects.filter(cancelled_at__isnull=True).order_by("starts_at")
    items = list(
        PlannedItem.objects.filter(plan__scheme_year=scheme_year)
        .prefetch_related(Prefetch("events", queryset=events))
        .order_by("month", "id")
    )
    rows = [PlanRow(item=item, events=list(item.events.all())) for item in items]
    unplanned = list(events.filter(scheme_year=scheme_year, planned_item__isnull=True))
    held = [event for event in unplanned if event.is_held()]
    return {
        "rows": rows,
        "unplanned": unplanned,
        "planned": len(rows),
        "planned_and_held": sum(row.held for row in rows),
        "held_outside_plan": len(held),
    }
