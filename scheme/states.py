"""Case objects' states and the steps between them, written once per model.

A :class:`Workflow` is a table beside a model: for each transition the states it may start
from, the state it leads to, who may take it and, when it cannot be taken, why. Services call
``workflow.require(actor, obj, name)`` before they change anything; templates ask
``{% allowed obj "withdraw" as can_withdraw %}`` (``scheme.templatetags.states``) or loop over
``workflow.available(actor, obj)``. Neither repeats the rule.

The model names its workflow in a ``workflow`` class attribute, so the template tag finds it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError

from scheme.roles import Access, access_for

Who = Callable[[Access, object], bool]
Guard = Callable[[object], str | None]


def anyone(access: Access, obj) -> bool:
    return True


@dataclass(frozen=True)
class Transition:
    """One step of a workflow.

    ``who(access, obj)`` says whether the actor may take it at all (no: PermissionDenied);
    ``sources`` are the states it starts from (else ``refusal``, a ValidationError); ``guard``
    returns the reason when something besides the state stops it (else None).
    """

    name: str
    label: str
    sources: frozenset
    target: str | None
    refusal: str
    who: Who = anyone
    guard: Guard | None = None


@dataclass(frozen=True)
class Decision:
    """Whether a transition can be taken now, and the reason when not."""

    allowed: bool
    reason: str = ""
    permitted: bool = True  # False: the actor may never take it here (PermissionDenied)

    def __bool__(self):
        return self.allowed


@dataclass
class Workflow:
    """The transitions of one model's ``state_field``."""

    state_field: str
    transitions: list[Transition] = field(default_factory=list)

    def __post_init__(self):
        self._by_name = {transition.name: transition for transition in self.transitions}
        if len(self._by_name) != len(self.transitions):
            raise ValueError("Each transition needs its own name.")

    def __getitem__(self, name) -> Transition:
        return self._by_name[name]

    def state_of(self, obj) -> str:
        return getattr(obj, self.state_field)

    def decide(self, actor, obj, name) -> Decision:
        """Whether ``actor`` may take ``name`` on ``obj`` now, and why not."""
        transition = self[name]
        if not transition.who(access_for(actor), obj):
            return Decision(False, permitted=False)
        if self.state_of(obj) not in transition.sources:
            return Decision(False, str(transition.refusal))
        reason = transition.guard(obj) if transition.guard else None
        return Decision(False, str(reason)) if reason else Decision(True)

    def require(self, actor, obj, name) -> Transition:
        """The service's check: PermissionDenied for the wrong person, a ValidationError with
        the reason for the wrong moment."""
        decision = self.decide(actor, obj, name)
        if not decision.permitted:
            raise PermissionDenied
        if not decision:
            raise ValidationError(decision.reason, code="invalid_state")
        return self[name]

    def move(self, obj, name) -> None:
        """Set ``obj``'s state to where ``name`` leads (the service saves it)."""
        target = self[name].target
        if target is not None:
            setattr(obj, self.state_field, target)

    def available(self, actor, obj) -> list[Transition]:
        """The transitions the actor can take on ``obj`` now, in the table's order."""
        return [t for t in self.transitions if self.decide(actor, obj, t.name)]
