"""Queries whose SQL follows from the user's access alone, built and compiled once per process.

Building and compiling a queryset costs 1–2 ms of Python per query, on many pages more than
running it. Which rows a user may read (a model's ``visible_to``), and what a dashboard shows
them, depend on who asks: their id, roles and memberships (``scheme.roles.Access``), and on a
few arguments such as the day; not on the data. Such a query's SQL and parameters are the
same on every request until the access or an argument changes, so they are kept under that
key (with the language and time zone, which compiled SQL may hold), for the last
:data:`MAX_KEPT` keys of each query.

Two forms: :func:`per_access` keeps a subquery for ``pk__in=``; :func:`kept_per_access` keeps
a whole queryset, whose rows are read again on every call without building or compiling it.
:class:`KeptPrefetch` does the same for the query of a ``Prefetch`` of a reverse foreign key.
A builder must run no query (:class:`BuildRanAQuery` otherwise) and read no clock: the time
is an argument (a day) or the database's ``Now()``.
"""

import copy
import functools
import json
import threading
import weakref

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import ForeignKey, ManyToOneRel, Model, OneToOneRel, Prefetch, Q
from django.db.models.expressions import Expression, RawSQL
from django.db.models.query import QuerySet
from django.db.models.sql import Query
from django.utils import timezone, translation

from scheme.roles import Access, access_for

# Keys kept per query, the oldest going first: a kept queryset with its compiler takes some
# 60 KB, so a query keeps at most a few MB; more people at once than this are built for as
# before.
MAX_KEPT = 100


_MISSING = object()


class BuildRanAQuery(AssertionError):
    """Building a kept query read the database: its SQL would depend on the data."""


def access_key(user) -> tuple:
    """What a kept query may depend on about the user: id, e-mail address (an invitation is
    found by it), roles and memberships. ``user`` may be their ``Access``, for a query built
    from the roles and memberships alone."""
    if isinstance(user, Access):
        access, who = user, (None, None)
    else:
        access, who = access_for(user), (getattr(user, "pk", None), getattr(user, "email", None))
    return *who, access.roles, tuple(sorted(access.memberships.items()))


def _keeper(make, per_user=True):
    """A decorator keeping ``make(build(*args))`` per arguments and locale; ``per_user``: the
    first argument is a user, who counts by their access (``access_key``)."""

    def decorator(build):
        kept, lock = {}, threading.Lock()

        @functools.wraps(build)
        def keeping(*args):
            who, rest = (access_key(args[0]), args[1:]) if per_user else ((), args)
            key = (translation.get_language(), timezone.get_current_timezone_name(), who, rest)
            with lock:
                found = kept.pop(key, _MISSING)
            if found is _MISSING:
                with connections[DEFAULT_DB_ALIAS].execute_wrapper(_refuse):
                    found = make(build(*args))
            with lock:
                kept[key] = found  # (again) the most recently used
                while len(kept) > MAX_KEPT:
                    kept.pop(next(iter(kept)))  # the least recently used
            return found

        keeping.forget_all = kept.clear
        return keeping

    return decorator


def _refuse(execute, sql, params, many, context):
    raise BuildRanAQuery(f"building a kept query ran: {sql[:200]}")


def per_access(build):
    """Decorate ``build(user, *args)``, which returns a queryset (or None): the decorated
    function returns it as a compiled subquery for ``pk__in=`` (``RawSQL``; None for None)."""
    keeping = _keeper(_as_subquery)(build)

    @functools.wraps(build)
    def subquery(user, *args):
        sql = keeping(user, *args)
        return None if sql is None else RawSQL(*sql)

    subquery.forget_all = keeping.forget_all
    return subquery


def _as_subquery(queryset):
    """The queryset's SQL and parameters as Django writes the subquery of ``pk__in=``."""
    if queryset is None:
        return None
    query = queryset.query.resolve_expression(Query(queryset.model))
    sql, params = query.get_compiler(queryset.db).as_sql()
    return sql, tuple(params)


def kept_per_access(build=None, *, params=()):
    """Decorate ``build(user, *args)``, which returns a queryset: the decorated function
    returns a fresh copy of it on every call, which reads its rows with the SQL compiled the
    first time. Chaining the copy (``filter``, ``count``, ...) gives an ordinary queryset.

    ``params`` names keyword arguments that are not part of the key: ``build`` gets a
    :class:`Param` for each (``filter(pk=pk)``), and each call's value goes into the kept SQL.
    """
    if build is None:
        return functools.partial(kept_per_access, params=params)
    return _kept(build, params, per_user=True)


def kept(build=None, *, params=(), id_lists=()):
    """``kept_per_access`` for a ``build(*args)`` that depends on its arguments alone.
    ``id_lists`` names keyword arguments like ``params`` that are lists of ids, for
    ``field__in=``: ``build`` gets an :class:`IdList` for each."""
    if build is None:
        return functools.partial(kept, params=params, id_lists=id_lists)
    return _kept(build, params, per_user=False, id_lists=id_lists)


def _kept(build, params, per_user, id_lists=()):
    placeholders = {name: Param(name) for name in params}
    placeholders |= {name: IdList(name) for name in id_lists}
    keeping = _keeper(_kept_template, per_user)(functools.partial(_build_with, build, placeholders))

    @functools.wraps(build)
    def fresh(*args, **values):
        template, prototype = keeping(*args)
        queryset = template._chain()  # a new result cache, and then the kept query
        queryset._query = query = copy.copy(prototype)
        query.param_values = values
        query.rebuild = functools.partial(build, *args, **values)
        return queryset

    fresh.forget_all = keeping.forget_all
    return fresh


def first_row(queryset):
    """The first row of a kept queryset, or None: ``first()`` would chain it, which builds the
    query anew."""
    return next(iter(queryset), None)


def _build_with(build, placeholders, *args):
    return build(*args, **placeholders)


class Param(Expression):
    """A value given on each call of a kept query: a placeholder in the compiled SQL."""

    def __init__(self, name):
        super().__init__()
        self.name = name

    def as_sql(self, compiler, connection):
        return "%s", (self,)

    def adapt(self, value, connection):
        """The value as the placeholder takes it on ``connection``."""
        return value


# How each database reads a list of ids from one placeholder (``IdList``).
ID_LIST_SQL = {
    "postgresql": "SELECT unnest(%s::bigint[])",
    "sqlite": "SELECT value FROM json_each(%s)",
}


class IdList(Param):
    """A list of integer ids given on each call, for ``field__in=``: one placeholder, so the
    SQL is the same however many ids there are."""

    def as_sql(self, compiler, connection):
        return ID_LIST_SQL[connection.vendor], (self,)

    def adapt(self, value, connection):
        ids = [int(i) for i in value]
        return ids if connection.vendor == "postgresql" else json.dumps(ids)


class KeptPrefetch(Prefetch):
    """A ``Prefetch`` of a reverse foreign key (``Prefetch("members", queryset)``) whose query
    is built and compiled once per process: on each use Django filters a copy of
    ``queryset`` by the ids of the objects it fills, which goes into the kept SQL as one
    :class:`IdList`. Only the copies handed to prefetching (``get_current_querysets``) are
    kept; ``queryset`` itself, and whatever is made from it, is an ordinary queryset. Another
    kind of relation, or a database without ``ID_LIST_SQL``, is prefetched as by ``Prefetch``."""

    def __init__(self, lookup, queryset, to_attr=None):
        queryset = queryset.all()
        queryset._prefetch_related_lookups = kept_lookups(queryset.model, queryset)
        super().__init__(lookup, queryset, to_attr)
        self.kept_query = queryset.query.clone()
        self.kept_query.__class__ = _AmongQuery
        self.kept_query.kept, self.kept_query.lock = {}, threading.Lock()

    def get_current_querysets(self, level):
        querysets = super().get_current_querysets(level)
        if not querysets:
            return querysets
        keeping = self.queryset._chain()
        keeping.query = self.kept_query.clone()
        return [keeping]


class _AmongQuery(Query):
    """The query a :class:`KeptPrefetch` hands to prefetching. Prefetching a reverse foreign
    key copies it (``using``) and adds one filter, ``<foreign key>__in=<the objects>``: it is
    kept as ``among`` (the foreign key's name and the ids), to be read with the kept SQL
    (``_kept_form``). Any other filter, or a copy made once it is filtered, turns it into an
    ordinary query."""

    among = None  # (foreign key name, ids)

    def add_q(self, q_object, reuse_all=False):
        among = _among(self.model, q_object) if reuse_all and self.among is None else None
        if among is None:
            self._as_ordinary()
            return self.add_q(q_object, reuse_all)
        self.among = among
        return None

    def clone(self):
        query = super().clone()
        if self.among is not None:
            query._as_ordinary()
        return query

    def _as_ordinary(self):
        """Become an ordinary query, with the filter kept as ``among`` if any."""
        among = self.among
        for name in ("among", "kept", "lock"):
            self.__dict__.pop(name, None)
        self.__class__ = Query
        if among is not None:
            name, ids = among
            self.add_q(Q(**{f"{name}__in": ids}), reuse_all=True)

    def _ordinary_copy(self, among=None):
        query = Query.clone(self)
        query.among = among
        query._as_ordinary()
        return query

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        connection = connection or connections[using]
        if self.among is None:
            return super().get_compiler(connection=connection, elide_empty=elide_empty)
        if connection.vendor not in ID_LIST_SQL:
            query = self._ordinary_copy(self.among)
            return query.get_compiler(connection=connection, elide_empty=elide_empty)
        name, ids = self.among
        query = copy.copy(self._kept_form(name))
        query.param_values = {"ids": ids}
        query.rebuild = lambda: QuerySet(self.model, self._ordinary_copy(self.among))
        return query.get_compiler(connection=connection, elide_empty=elide_empty)

    def _kept_form(self, name):
        """This query filtered by ``name`` among an ``IdList``, as a ``KeptQuery``: built
        once per foreign key and locale."""
        key = (name, translation.get_language(), timezone.get_current_timezone_name())
        with self.lock:
            found = self.kept.get(key)
        if found is None:
            found = self._ordinary_copy((name, IdList("ids")))
            found.__class__ = KeptQuery
            found.compiled = weakref.WeakKeyDictionary()
            with self.lock:
                self.kept[key] = found
        return found


def kept_lookups(model, queryset) -> tuple:
    """``queryset``'s prefetch lookups (names or ``Prefetch``) that end in a reverse foreign
    key, each as a :class:`KeptPrefetch`; others as they are."""
    return tuple(_kept_lookup(model, lookup) for lookup in queryset._prefetch_related_lookups)


def _kept_lookup(model, lookup):
    if isinstance(lookup, KeptPrefetch):
        return lookup
    path = lookup.prefetch_through if isinstance(lookup, Prefetch) else lookup
    relation = _last_relation(model, path)
    if not isinstance(relation, ManyToOneRel) or isinstance(relation, OneToOneRel):
        return lookup
    queryset = lookup.queryset if isinstance(lookup, Prefetch) else None
    if queryset is None:
        queryset = relation.related_model._default_manager.all()
    return KeptPrefetch(path, queryset, getattr(lookup, "to_attr", None))


def _last_relation(model, path):
    """The relation the lookup ``path`` ends in, from ``model``; None if it names something
    else (a property, a generic relation, a name of Django's making)."""
    relation = None
    for name in path.split("__"):
        try:
            relation = model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        model = relation.related_model
        if model is None:
            return None
    return relation


def _among(model, q_object):
    """(foreign key name, ids) when ``q_object`` is prefetching's filter of a reverse foreign
    key to integer ids, ``Q(<foreign key>__in=<objects>)``; else None."""
    if q_object.negated or len(q_object.children) != 1:
        return None
    child = q_object.children[0]
    if not isinstance(child, tuple) or not child[0].endswith("__in"):
        return None
    (name, _in), objects = child[0].rsplit("__", 1), child[1]
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    integer_key = isinstance(field, ForeignKey) and field.target_field.get_internal_type() in (
        "AutoField",
        "BigAutoField",
    )
    if not integer_key or not isinstance(objects, list | tuple | set):
        return None
    target = field.target_field.attname
    return name, [getattr(o, target) if isinstance(o, Model) else o for o in objects]


def _kept_template(queryset):
    """The built queryset, its prefetches of reverse foreign keys kept too
    (``kept_lookups``), and its query as a ``KeptQuery`` to copy for each call."""
    queryset._prefetch_related_lookups = kept_lookups(queryset.model, queryset)
    query = queryset.query.clone()
    query.__class__ = KeptQuery
    query.compiled = weakref.WeakKeyDictionary()
    return queryset, query


class KeptQuery(Query):
    """A query compiled once per database connection.

    ``compiled`` holds per connection the compiler that compiled it (which keeps what it set
    up: the columns and how rows become objects) with the SQL and parameters. Each call's copy
    has ``param_values``, the values of its :class:`Param` placeholders, and ``rebuild``, which
    builds the query anew with them: chaining it (``filter``, ``count``, ...) starts from that
    ordinary query.
    """

    def clone(self):
        return self.rebuild().query.clone()

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        connection = connection or connections[using]
        kept = self.compiled.setdefault(connection, {})
        if elide_empty not in kept:
            compiler = super().get_compiler(connection=connection, elide_empty=elide_empty)
            try:
                sql, params = compiler.as_sql()
            except EmptyResultSet:
                sql, params = "", ()  # execute_sql answers "no rows" for empty SQL
            kept[elide_empty] = compiler, sql, tuple(params)
        compiler, sql, params = kept[elide_empty]
        compiler = copy.copy(compiler)
        compiler.query = self
        given = self.param_values
        values = tuple(
            p.adapt(given[p.name], connection) if isinstance(p, Param) else p for p in params
        )
        compiler.as_sql = functools.partial(_kept_sql, compiler, sql, values)
        return compiler


def _kept_sql(compiler, sql, params, with_limits=True, with_col_aliases=False):
    """``as_sql`` of a kept query's compiler: the kept SQL where the query is read."""
    if (with_limits, with_col_aliases) != (True, False):
        return type(compiler).as_sql(compiler, with_limits, with_col_aliases)
    return sql, params
