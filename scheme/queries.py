"""Query pieces every app uses."""

from django.db.models import Count, IntegerField, JSONField, OuterRef, Subquery
from django.db.models.functions import Coalesce, JSONObject


def count_of(queryset, link: str):
    """The number of ``queryset``'s rows whose ``link`` is the outer row, as a subquery (0 for
    none). Counts over two relations joined in one query multiply each other (invitations ×
    applications per call); one subquery each stays exact and fast."""
    counted = (
        queryset.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


class JSONRows(Subquery):
    """``queryset``'s rows (a subquery on ``OuterRef``) as one JSON array of objects with
    ``columns``, in their order: a short list per outer row that comes with the outer row's own
    query instead of a query of its own. The same on PostgreSQL and on SQLite (``make run``);
    an empty list, not NULL, when there are none."""

    def __init__(self, queryset, **columns):
        super().__init__(queryset.values(row=JSONObject(**columns)), output_field=JSONField())

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = self.as_sql(compiler, connection, **extra_context)
        return f"TO_JSONB(ARRAY{sql})", params

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = self.as_sql(compiler, connection, **extra_context)
        return f'JSON((SELECT JSON_GROUP_ARRAY(JSON(_r."row")) FROM {sql} _r))', params


def columns_of(model) -> dict:
    """Every column of ``model``, for ``JSONRows`` that ``instances_from`` turns back into rows."""
    return {field.attname: field.attname for field in model._meta.concrete_fields}


def instances_from(model, rows) -> list:
    """Instances of ``model`` from ``JSONRows`` of ``columns_of(model)``."""
    fields = model._meta.concrete_fields
    return [model(**{f.attname: f.to_python(row[f.attname]) for f in fields}) for row in rows]
