"""What the mentoring pages share: reaching a pairing the user may see, the user's side in it,
and where a small action returns to."""

from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS
from django.db.models import CharField, IntegerField, Value
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from mentoring.models import Pairing
from mentoring.progress import with_progress_data
from scheme.web import get_visible_or_404


def pairing_queryset(**member_annotations):
    """Pairings with their progress annotations, scheme, mentor and members (annotated with
    ``member_annotations``)."""
    return (
        with_progress_data(Pairing.objects.all(), timezone.localdate())
        .select_related("scheme__administrator", "mentor_contact")
        .with_members(**member_annotations)
    )


NAMED_FIELDS = ("id", "code", "name_nb", "name_en")


def _list_rows(model, name, owners, number):
    """The rows of the many-to-many list ``name`` of ``owners`` as (list number, owner id,
    item id, code, name_nb, name_en); the names only for the short named lists
    (``NamedChoice``: competence areas, target groups, languages), empty for others."""
    field = model._meta.get_field(name)
    owner, item = field.m2m_field_name(), field.m2m_reverse_field_name()
    named = {"code", "name_nb"} <= {f.name for f in field.related_model._meta.fields}
    text = [f"{item}__{column}" if named else Value("", CharField()) for column in NAMED_FIELDS[1:]]
    return (
        field.remote_field.through.objects.filter(**{f"{owner}_id__in": owners})
        .order_by()
        .annotate(list=Value(number, IntegerField()))
        .values_list("list", f"{owner}_id", f"{item}_id", *text)
    )


def _order(item) -> str:
    return getattr(item, "name_nb", None) or getattr(item, "name", "")


def prefetch_lists(objects, names, known=None):
    """Fill the many-to-many lists ``names`` of ``objects`` (of one model) as
    ``prefetch_related`` would, from one query (a union of one select per list) instead of
    one per list. Named lists are built from the row; other lists take their items from
    ``known`` (id -> object already loaded, e.g. a pairing's organisations)."""
    if not objects:
        return
    model, owners = type(objects[0]), [obj.pk for obj in objects]
    selects = [_list_rows(model, name, owners, n) for n, name in enumerate(names)]
    found = {(obj.pk, name): [] for obj in objects for name in names}
    for number, owner, item, *text in selects[0].union(*selects[1:], all=True):
        name = names[number]
        related = model._meta.get_field(name).related_model
        if known is not None and item in known:
            value = known[item]
        elif text[0]:
            value = related.from_db(DEFAULT_DB_ALIAS, NAMED_FIELDS, [item, *text])
        else:
            value = related.objects.get(pk=item)  # not among ``known``: rare, read alone
        found[(owner, name)].append(value)
    for obj in objects:
        cache = obj.__dict__.setdefault("_prefetched_objects_cache", {})
        for name in names:
            items = getattr(obj, name).all()
            # In the related model's order (by name: both NamedChoice's and organisations').
            items._result_cache = sorted(found[(obj.pk, name)], key=_order)
            items._prefetch_done = True
            cache[name] = items


def visible_pairing(request, pk, queryset=None):
    """A pairing the user may see (of ``queryset``, by default ``pairing_queryset()``), 404
    when hidden."""
    if queryset is None:
        queryset = pairing_queryset()
    return get_visible_or_404(queryset, request.user, pk=pk)


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
