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
A builder must run no query (:class:`BuildRanAQuery` otherwise) and read no clock: the time
is an argument (a day) or the database's ``Now()``.
"""

import copy
import functools
import threading
import weakref

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.expressions import Expression, RawSQL
from django.db.models.sql import Query
from django.utils import timezone, translation

from scheme.roles import access_for

# Keys kept per query, the oldest going first: a kept queryset with its compiler takes some
# 60 KB, so a query keeps at most a few MB; more people at once than this are built for as
# before.
MAX_KEPT = 100


_MISSING = object()


class BuildRanAQuery(AssertionError):
    """Building a kept query read the database: its SQL would depend on the data."""


def access_key(user) -> tuple:
    """What a kept query may depend on about the user: id, e-mail address (an invitation is
    found by it), roles and memberships."""
    access = access_for(user)
    who = getattr(user, "pk", None), getattr(user, "email", None)
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


def kept(build=None, *, params=()):
    """``kept_per_access`` for a ``build(*args)`` that depends on its arguments alone."""
    if build is None:
        return functools.partial(kept, params=params)
    return _kept(build, params, per_user=False)


def _kept(build, params, per_user):
    placeholders = {name: Param(name) for name in params}
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


def _kept_template(queryset):
    """The built queryset, and its query as a ``KeptQuery`` to copy for each call."""
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
        values = tuple(self.param_values[p.name] if isinstance(p, Param) else p for p in params)
        compiler.as_sql = functools.partial(_kept_sql, compiler, sql, values)
        return compiler


def _kept_sql(compiler, sql, params, with_limits=True, with_col_aliases=False):
    """``as_sql`` of a kept query's compiler: the kept SQL where the query is read."""
    if (with_limits, with_col_aliases) != (True, False):
        return type(compiler).as_sql(compiler, with_limits, with_col_aliases)
    return sql, params
