"""The endpoints the pairing forms' searches ask (scheme/choices.py)."""

from mentoring import choices
from organisations import choices as organisation_choices
from scheme.choices import search_page
from scheme.roles import Role, require_role


def mentor_people_choices(request):
    """A page of the people of mentor organisations (of the one in ``?mentor=`` when given),
    for caseworkers, whose forms these are (403 for anyone else)."""
    require_role(request.user, Role.CASEWORKER)
    mentor = request.GET.get("mentor", "")
    rows = choices.mentor_people([int(mentor)] if mentor.isdigit() else None)
    rows = rows.only("id", "full_name", "email")
    return search_page(request, rows, choices.search, choices.person_label)


def waiting_choices(request):
    """A page of the participants waiting for a mentor in the caseworker's schemes (403 for
    anyone else)."""
    access = require_role(request.user, Role.CASEWORKER)
    rows = organisation_choices.rows_for_search(choices.waiting_for_a_mentor(access))
    return search_page(request, rows, organisation_choices.search, organisation_choices.label)
