"""Query pieces every app uses."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce


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
