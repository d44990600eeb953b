"""Who may order which report: the rules in ``scheme.roles``, from the roles alone (the
order view's matrix is in tests/reports/test_order_policy.py)."""

from types import SimpleNamespace

import pytest

from scheme.roles import ANONYMOUS, Access, MemberRole, OrganisationKind, Role

BODY, OTHER_BODY, EMPTY_BODY, ORGANISATION, MENTORS, EVALUATORS = 1, 2, 3, 10, 20, 30

SCHEME = SimpleNamespace(administrator_id=BODY)
OTHER_SCHEME = SimpleNamespace(administrator_id=OTHER_BODY)
SCHEME_YEAR = SimpleNamespace(scheme=SCHEME)
PARTICIPANT = SimpleNamespace(pk=ORGANISATION, kind=OrganisationKind.PARTICIPANT)
MENTOR_ORGANISATION = SimpleNamespace(pk=MENTORS, kind=OrganisationKind.MENTOR)


def member(organisation_id, kind, role):
    return Access(roles=frozenset({role}), memberships={organisation_id: (kind, MemberRole.MEMBER)})


USERS = {
    "admin": Access(roles=frozenset({Role.ADMIN})),
    "caseworker": member(BODY, OrganisationKind.ADMINISTRATOR, Role.CASEWORKER),
    "other body": member(OTHER_BODY, OrganisationKind.ADMINISTRATOR, Role.CASEWORKER),
    "body without schemes": member(EMPTY_BODY, OrganisationKind.ADMINISTRATOR, Role.CASEWORKER),
    "member": member(ORGANISATION, OrganisationKind.PARTICIPANT, Role.MEMBER),
    "mentor": member(MENTORS, OrganisationKind.MENTOR, Role.MENTOR),
    "evaluator": member(EVALUATORS, OrganisationKind.EVALUATOR, Role.EVALUATOR),
    "anonymous": ANONYMOUS,
}

# The schemes each caseworker's body runs (what their organisation report covers).
RUNS = {"admin": [SCHEME, OTHER_SCHEME], "caseworker": [SCHEME], "other body": [OTHER_SCHEME]}


def questions(who):
    access = USERS[who]
    schemes = RUNS.get(who, [])
    return {
        "annual": access.may_order_annual_report(SCHEME_YEAR),
        "evaluation": access.may_order_evaluation(SCHEME),
        "organisation, whole": access.may_order_organisation_report(PARTICIPANT),
        "organisation, own schemes": access.may_order_organisation_report(PARTICIPANT, schemes),
        "organisation, this scheme": access.may_order_organisation_report(PARTICIPANT, [SCHEME]),
        "mentor organisation": access.may_order_organisation_report(
            MENTOR_ORGANISATION, schemes or None
        ),
        "exports, own schemes": access.may_export(schemes),
    }


ANSWERS = {
    "admin": {"annual", "evaluation", "organisation, own schemes", "organisation, this scheme",
              "exports, own schemes"},
    "caseworker": {"annual", "evaluation", "organisation, own schemes",
                   "organisation, this scheme", "exports, own schemes"},
    "other body": {"organisation, own schemes", "exports, own schemes"},
    "body without schemes": set(),
    "member": {"organisation, whole"},
    "mentor": set(),
    "evaluator": {"evaluation"},
    "anonymous": set(),
}  # fmt: skip


@pytest.mark.parametrize("who", USERS)
def test_who_may_order_which_report_about_what(who):
    allowed = {question for question, answer in questions(who).items() if answer}
    assert allowed == ANSWERS[who]


OFFERED = {
    "admin": {"annual", "evaluation", "organisation", "award letter", "exports"},
    "caseworker": {"annual", "evaluation", "organisation", "award letter", "exports"},
    "other body": {"annual", "evaluation", "organisation", "award letter", "exports"},
    "body without schemes": {"annual", "evaluation", "organisation", "award letter", "exports"},
    "member": {"organisation", "award letter"},
    "mentor": set(),
    "evaluator": {"evaluation"},
    "anonymous": set(),
}


@pytest.mark.parametrize("who", USERS)
def test_which_kinds_are_offered_at_all(who):
    access = USERS[who]
    offered = {
        "annual": access.may_order_annual_report(),
        "evaluation": access.may_order_evaluation(),
        "organisation": access.may_order_organisation_report(),
        "award letter": access.may_order_award_letter(),
        "exports": access.may_export(),
    }
    assert {kind for kind, answer in offered.items() if answer} == OFFERED[who]


def test_no_scheme_is_not_every_scheme():
    """``all([])`` is true: a body that runs no scheme must not pass as running them all."""
    for who in ("admin", "caseworker", "body without schemes"):
        assert not USERS[who].administers_all([])
        assert not USERS[who].may_export([])
        assert not USERS[who].may_order_organisation_report(PARTICIPANT, [])
