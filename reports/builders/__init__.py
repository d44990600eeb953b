"""The reports the portal can build. Each kind registers a Builder: how it finds the object the
report is about, its title, who may order it, and the function that gathers the figures and
renders the file."""

from collections.abc import Callable
from dataclasses import dataclass

from scheme.models import Scheme
from scheme.roles import access_for


class ReportError(Exception):
    """An expected problem with a report, with a message for the user."""


def _the_parameters(user, parameters):
    return parameters


@dataclass(frozen=True)
class Builder:
    """A kind of report. ``load`` fetches the object the report is about, as the user sees it
    (through ``visible_to`` where the object is private), and the others are handed it:
    ordering asks ``allowed`` and ``title`` of it (of ``find``'s, when there is one), building
    ``build``."""

    kind: str
    title: Callable  # (subject) -> str
    # (user, subject, parameters) -> bool: the kind's rule in scheme.roles, about a subject
    # the user sees (``load`` found it, or a page showed it)
    allowed: Callable
    build: Callable  # (subject, parameters, progress) -> (bytes, file name); progress(%, step)
    load: Callable = _the_parameters  # (user, parameters) -> the subject, or None: not seen
    # A lighter ``load`` for asking the rule (ordering, and the job's page on every view): the
    # subject with only what ``allowed`` and ``title`` read. ``load`` when not given.
    find: Callable | None = None

    def subject_for(self, user, parameters):
        """The object the report is about, when the user sees it and may order the report
        about it; otherwise None."""
        subject = (self.find or self.load)(user, parameters)
        if subject is None or not self.allowed(user, subject, parameters):
            return None
        return subject

    def make(self, user, parameters, progress):
        """Build the report ``user`` ordered: (bytes, file name)."""
        return self.build(self.load(user, parameters), parameters, progress)


_builders: dict[str, Builder] = {}


def register(builder: Builder) -> Builder:
    _builders[builder.kind] = builder
    return builder


def builder_for(kind: str) -> Builder:
    try:
        return _builders[kind]
    except KeyError:
        raise ReportError(f"Unknown report kind: {kind}") from None


def registered_kinds() -> set[str]:
    return set(_builders)


def id_in(parameters, name) -> int | None:
    """The id a job's parameters give under ``name``, or None when there is none."""
    try:
        return int(parameters[name])
    except (KeyError, TypeError, ValueError):
        return None


def schemes_in(parameters):
    """The schemes a report is limited to (``parameters["schemes"]``), or None when it is not
    limited. A limit that is not a list of existing schemes is no scheme at all."""
    if "schemes" not in parameters:
        return None
    ids = parameters["schemes"]
    if not isinstance(ids, list) or not all(isinstance(pk, int) for pk in ids):
        return []
    schemes = list(Scheme.objects.filter(pk__in=ids))
    return schemes if len(schemes) == len(set(ids)) else []


def administered_scheme_ids(user) -> list[int]:
    """The schemes the user's body runs (every scheme for admins): what a caseworker's report
    covers (``parameters["schemes"]``)."""
    schemes = access_for(user).administered(Scheme.objects.all(), "administrator_id")
    return sorted(schemes.values_list("pk", flat=True))


def load() -> None:
    """Import every builder module so they register (called from the app's ready())."""
    from reports.builders import archive, documents, evaluation_csv, exports  # noqa: F401
