"""Anonymous names for the organisations in evaluator outputs ("Organisation C").

Every output for evaluators that shows something per organisation (spending by category, cost,
the network picture, the CSVs of anonymised figures) names the organisations by these codes, so
a reader can follow one organisation across tables without learning which it is. The codes are
given in the order of a keyed hash of the organisation's id (the key is the portal's secret), so
they are the same in every output of the same set of organisations, and say nothing of when an
organisation registered or of its name.
"""

import hashlib
import hmac

from django.conf import settings
from django.utils.translation import gettext

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _hidden_order(pk: int) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"organisation:{pk}".encode(), hashlib.sha256).hexdigest()


def letters(index: int) -> str:
    """A, B, ..., Z, AA, AB, ... for 0, 1, ..., 25, 26, 27, ..."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, len(ALPHABET))
        name = ALPHABET[rest] + name
    return name


def organisation_codes(ids) -> dict[int, str]:
    """Each organisation id among ``ids`` with its anonymous code ("A", "B", ...)."""
    ordered = sorted(set(ids), key=_hidden_order)
    return {pk: letters(index) for index, pk in enumerate(ordered)}


def organisation_labels(ids) -> dict[int, str]:
    """Each organisation id with its anonymous label as a reader sees it ("Organisation A")."""
    return {
        pk: gettext("Organisation %(code)s") % {"code": code}
        for pk, code in organisation_codes(ids).items()
    }
