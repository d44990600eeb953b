"""What the mentoring pages share: reaching a pairing the user may see, the user's side in it,
and where a small action returns to."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from mentoring.models import Pairing
from mentoring.progress import progress_pairings
from scheme.compiled import kept_per_access
from scheme.web import only_or_404


def pairing_queryset(today, **member_annotations):
    """Pairings with their progress annotations for ``today``, scheme, mentor and members
    (annotated with ``member_annotations``)."""
    return (
        progress_pairings(today)
        .select_related("scheme__administrator", "mentor_contact")
        .with_members(**member_annotations)
    )


@kept_per_access(params=["pk"])
def _step_pairing(user, pk):
    """The pairing, if the user may see it, with what the page of one step names and its
    workflow asks: the scheme, the mentor, the agreement and the members with their contact
    people. Not the progress, which only the pairing page shows: its annotations cost more
    to build than the rest of a form page."""
    pairings = Pairing.objects.select_related("scheme", "mentor", "agreement").with_members()
    return pairings.visible_to(user).filter(pk=pk)


def visible_pairing(request, pk):
    """A pairing the user may see (``_step_pairing``), 404 when hidden."""
    return only_or_404(_step_pairing(request.user, pk=pk))


def side_or_403(request, pairing):
    """The user's organisation in the pairing; a caseworker looking on gets 403."""
    side = pairing.side_of(request.user)
    if side is None:
        raise PermissionDenied
    return side


def step_refusal(request, obj, name) -> str:
    """Why the user cannot take the step ``name`` of ``obj``'s workflow now ("" when they
    can); PermissionDenied when they may never take it."""
    decision = obj.workflow.decide(request.user, obj, name)
    if not decision.permitted:
        raise PermissionDenied
    return decision.reason


def back(request, fallback):
    """Where a small action returns to: the page it was sent from, when that is ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


def pairing_url(pairing, anchor=""):
    url = reverse("mentoring:pairing", args=[pairing.pk if hasattr(pairing, "pk") else pairing])
    return f"{url}#{anchor}" if anchor else url
