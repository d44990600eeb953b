"""The workflow table: who may take a step, from which states, and the reason when not."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template import Context, Template
from django.test import RequestFactory

from scheme.roles import Role
from scheme.states import Transition, Workflow
from tests import factories


class Case:
    def __init__(self, status, ready=True):
        self.status = status
        self.ready = ready


FLOW = Workflow(
    "status",
    [
        Transition(
            "send",
            "Send",
            frozenset({"draft"}),
            "sent",
            refusal="Only a draft can be sent.",
            guard=lambda case: None if case.ready else "Something is missing.",
        ),
        Transition(
            "decide",
            "Decide",
            frozenset({"sent"}),
            "decided",
            refusal="Only a sent case is decided.",
            who=lambda access, case: access.has(Role.CASEWORKER),
        ),
    ],
)
Case.workflow = FLOW


def test_a_step_is_taken_from_its_states_and_leads_to_its_target(db):
    person = factories.UserFactory()
    case = Case("draft")
    FLOW.require(person, case, "send")
    FLOW.move(case, "send")
    assert case.status == "sent"


def test_the_wrong_moment_gives_the_reason_and_the_wrong_person_is_refused(db, caseworker):
    person = factories.UserFactory()
    with pytest.raises(ValidationError, match="Only a draft"):
        FLOW.require(person, Case("sent"), "send")
    with pytest.raises(ValidationError, match="Something is missing"):
        FLOW.require(person, Case("draft", ready=False), "send")
    with pytest.raises(PermissionDenied):
        FLOW.require(person, Case("sent"), "decide")
    FLOW.require(caseworker, Case("sent"), "decide")


def test_available_lists_what_the_actor_can_do_now(db, caseworker):
    person = factories.UserFactory()
    assert [t.name for t in FLOW.available(person, Case("draft"))] == ["send"]
    assert [t.name for t in FLOW.available(person, Case("sent"))] == []
    assert [t.name for t in FLOW.available(caseworker, Case("sent"))] == ["decide"]


def test_the_template_asks_the_workflow(db, caseworker):
    request = RequestFactory().get("/")
    request.user = caseworker
    page = Template(
        '{% load states %}{% allowed case "decide" as can %}{% if can %}yes{% else %}no{% endif %}'
    )
    assert page.render(Context({"request": request, "case": Case("sent")})) == "yes"
    assert page.render(Context({"request": request, "case": Case("draft")})) == "no"


def test_names_are_unique():
    with pytest.raises(ValueError):
        Workflow("status", [FLOW["send"], FLOW["send"]])
