"""Filling a page's small many-to-many lists with fewer queries than ``prefetch_related``
(one per list): the lists of several relations in one query, and an empty list set without
asking the database when an annotation already says there is nothing."""

from django.db import DEFAULT_DB_ALIAS
from django.db.models import CharField, IntegerField, Value, prefetch_related_objects

from scheme.compiled import kept


def set_prefetched(obj, name, items) -> None:
    """Put ``items`` in ``obj``'s cache for the relation ``name``, as ``prefetch_related``
    does, so that ``obj.<name>.all()`` reads them without a query."""
    cache = obj.__dict__.setdefault("_prefetched_objects_cache", {})
    queryset = getattr(obj, name).all()
    queryset._result_cache = list(items)
    queryset._prefetch_done = True
    cache[name] = queryset


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


@kept(id_lists=["owners"])
def _lists_rows(model, names, owners):
    """The rows of the lists ``names`` of ``owners`` (``_list_rows``), in one query."""
    selects = [_list_rows(model, name, owners, n) for n, name in enumerate(names)]
    return selects[0].union(*selects[1:], all=True)


def _order(item) -> str:
    return getattr(item, "name_nb", None) or getattr(item, "name", "")


def prefetch_lists(objects, names, known=None):
    """Fill the many-to-many lists ``names`` of ``objects`` (of one model) as
    ``prefetch_related`` would, from one query (a union of one select per list) instead of
    one per list. Named lists are built from the row; other lists take their items from
    ``known`` (list name -> {id: object already loaded}, e.g. a pairing's organisations)."""
    if not objects:
        return
    model, owners = type(objects[0]), [obj.pk for obj in objects]
    found = {(obj.pk, name): [] for obj in objects for name in names}
    missing = {}  # list name -> [(owner id, item id)] neither named nor among ``known``
    for number, owner, item, *text in _lists_rows(model, tuple(names), owners=owners):
        name = names[number]
        loaded = (known or {}).get(name, {})
        if item in loaded:
            found[(owner, name)].append(loaded[item])
        elif text[0]:
            related = model._meta.get_field(name).related_model
            found[(owner, name)].append(
                related.from_db(DEFAULT_DB_ALIAS, NAMED_FIELDS, [item, *text])
            )
        else:
            missing.setdefault(name, []).append((owner, item))
    for name, pairs in missing.items():  # rare: one query per such list, never one per row
        read = model._meta.get_field(name).related_model.objects.in_bulk({i for _, i in pairs})
        for owner, item in pairs:
            found[(owner, name)].append(read[item])
    for obj in objects:
        for name in names:
            # In the related model's order (by name: both NamedChoice's and organisations').
            set_prefetched(obj, name, sorted(found[(obj.pk, name)], key=_order))


def prefetch_where(objects, flag, prefetch) -> None:
    """``prefetch`` (a ``Prefetch``, best a kept one) for the ``objects`` whose annotation
    ``flag`` is true (one query, none when no object has any); the others get an empty list
    without a query."""
    having = [obj for obj in objects if getattr(obj, flag)]
    prefetch_related_objects(having, prefetch)
    for obj in objects:
        if not getattr(obj, flag):
            set_prefetched(obj, prefetch.prefetch_through, [])
