"""Where the apps above ``scheme`` plug into the pages that gather from all of them.

``scheme`` must not import the apps built on it, so each app registers its dashboard panels,
its "due from you" items, what it binds to a year's budget frame, which organisations it
makes take part in a scheme year, what it holds about a person or an
organisation (for their data exports) and how it removes its data under a retention rule here
from its ``AppConfig.ready()``.
"""

import datetime
import functools
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import OuterRef, Q
from django.utils import timezone


@dataclass(frozen=True)
class Panel:
    """A card on the dashboard: a template and its context. Lower ``order`` comes first."""

    template: str
    context: dict
    order: int = 50


@dataclass(frozen=True)
class DueItem:
    """Something the user should do, with a link to where it is done."""

    title: str
    url: str
    due: datetime.date | None = None

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.due < timezone.localdate()


@dataclass(frozen=True)
class TakingPart:
    """How one app tells which organisations take part in which scheme years.

    ``organisations(scheme_year)`` is a Q over Organisation; ``years(organisation_ids)`` a Q
    over SchemeYear, where ``organisation_ids`` is a list of ids or an ``OuterRef`` to one
    organisation's id in the SchemeYear query (``years_taken_part``): each app matches it with
    ``organisation_among`` in a subquery of its own directly under that query. Grants count an
    award in the year, mentoring a pairing during it.
    """

    organisations: Callable[[object], Q]
    years: Callable[[Iterable[int]], Q]


PanelProvider = Callable[[object], Panel | None]
DueProvider = Callable[[object], Iterable[DueItem]]

_panels: list[PanelProvider] = []
_due_items: list[DueProvider] = []
_frame_commitments: list[Callable[[object], object]] = []
_taking_part: list[TakingPart] = []


def register_panel(provider: PanelProvider) -> PanelProvider:
    """``provider(request)`` returns a Panel for this user, or None when it does not apply."""
    if provider not in _panels:
        _panels.append(provider)
    return provider


def register_due_items(provider: DueProvider) -> DueProvider:
    """``provider(user)`` yields the DueItems waiting for this user."""
    if provider not in _due_items:
        _due_items.append(provider)
    return provider


def register_frame_commitment(commitment):
    """``commitment(scheme_year)`` returns the money already bound to the year's budget frame."""
    if commitment not in _frame_commitments:
        _frame_commitments.append(commitment)
    return commitment


def frame_committed(scheme_year):
    """What the year's frame cannot go below: the sum of every app's commitments."""
    return sum((commitment(scheme_year) for commitment in _frame_commitments), 0)


def register_taking_part(taking_part: TakingPart) -> TakingPart:
    if taking_part not in _taking_part:
        _taking_part.append(taking_part)
    return taking_part


def _any(conditions) -> Q:
    return functools.reduce(operator.or_, conditions, Q(pk__in=[]))


def organisations_taking_part(*scheme_years) -> Q:
    """A Q over Organisation: those taking part in any of the scheme years, by any app's
    measure."""
    return _any(
        taking_part.organisations(year) for year in scheme_years for taking_part in _taking_part
    )


def years_taken_part(organisation_ids) -> Q:
    """A Q over SchemeYear: the years any of these organisations takes part in.

    ``organisation_ids``: a list of ids, or an ``OuterRef`` to a column or alias of the
    SchemeYear query that holds one organisation's id; an alias that is itself an ``OuterRef``
    to an outer query's organisation makes the years of each outer organisation one subquery
    (``organisations.dashboard``), built once rather than one per organisation.
    """
    ids = organisation_ids if isinstance(organisation_ids, OuterRef) else list(organisation_ids)
    return _any(taking_part.years(ids) for taking_part in _taking_part)


def organisation_among(path: str, organisation_ids) -> Q:
    """A Q: the organisation id at ``path`` is one of ``organisation_ids`` (a list of ids, or
    an ``OuterRef`` to one, as ``TakingPart.years`` is given them)."""
    if isinstance(organisation_ids, OuterRef):
        return Q(**{path: organisation_ids})
    return Q(**{f"{path}__in": organisation_ids})


def panels_for(request) -> list[Panel]:
    panels = (provider(request) for provider in _panels)
    return sorted((panel for panel in panels if panel is not None), key=lambda p: p.order)


def due_items_for(user) -> list[DueItem]:
    items = [item for provider in _due_items for item in provider(user)]
    return sorted(items, key=lambda item: (item.due is None, item.due or datetime.date.max))


# --- order actions: the buttons that order a report about the object on a page ---------------


@dataclass(frozen=True)
class OrderAction:
    """A button that orders a report about an object of ``model`` (``app_label.model_name``),
    rendered by ``template`` with ``action`` and ``subject`` (the object, or None where the
    user chooses it on the page reports are ordered from). ``allowed(user, subject)`` asks
    the report's policy (``scheme.roles``)."""

    model: str
    kind: str
    field: str
    label: str
    template: str
    allowed: Callable[[object, object], bool]


# By (model, kind): registering an action again (the apps loaded again) replaces it.
_order_actions: dict[tuple[str, str], OrderAction] = {}


def register_order_action(action: OrderAction) -> OrderAction:
    _order_actions[action.model, action.kind] = action
    return action


def order_actions_for(user, subject) -> list[OrderAction]:
    """The actions the user may take about ``subject``: a model instance, or a model's
    ``app_label.model_name`` to order a report about one of its objects chosen elsewhere."""
    if isinstance(subject, str):
        model, subject = subject, None
    else:
        model = subject._meta.label_lower
    return [
        action
        for action in _order_actions.values()
        if action.model == model and action.allowed(user, subject)
    ]


# --- personal data: what each app holds about a person or an organisation, and how long -------


@dataclass(frozen=True)
class ExportFile:
    """A stored file to put in an export: ``path`` inside the ZIP, ``file`` a FieldFile."""

    path: str
    file: object


class ExportFiles:
    """Collects the stored files one app's part of an export names."""

    def __init__(self, app: str):
        self.app = app
        self.entries: list[ExportFile] = []

    def add(self, folder: str, pk: int, name: str, file) -> str:
        """Add a stored file; its path in the ZIP (``files/<app>/<folder>/<pk>-<name>``,
        unique per row and safe), or "" when the row has no file."""
        if not file:
            return ""
        stem = re.sub(r"[^\w.-]+", "-", name or "").strip(".-") or "file"
        entry = ExportFile(f"files/{self.app}/{folder}/{pk}-{stem[:100]}", file)
        self.entries.append(entry)
        return entry.path


@dataclass(frozen=True)
class DataPart:
    """What one app holds about a person or an organisation: named lists of rows (plain,
    JSON-ready dicts) and the stored files the rows name by their ``path``."""

    name: str
    records: dict
    files: tuple = ()


PersonData = Callable[[object], DataPart]
OrganisationData = Callable[[object, object], DataPart]

_person_data: list[PersonData] = []
_organisation_data: list[OrganisationData] = []
_retention_purges: dict[str, Callable[[datetime.datetime], int]] = {}


def register_personal_data(
    *, person: PersonData | None = None, organisation: OrganisationData | None = None
) -> None:
    """``person(user)`` returns what the app holds about the person (what they wrote, sent or
    received); ``organisation(organisation, actor)`` what it holds about the organisation, as
    far as ``actor`` may see it."""
    if person is not None and person not in _person_data:
        _person_data.append(person)
    if organisation is not None and organisation not in _organisation_data:
        _organisation_data.append(organisation)


def person_data(user) -> list[DataPart]:
    return [provider(user) for provider in _person_data]


def organisation_data(organisation, actor) -> list[DataPart]:
    return [provider(organisation, actor) for provider in _organisation_data]


def register_retention_purge(code: str, purge: Callable[[datetime.datetime], int]) -> None:
    """``purge(cutoff)`` applies the retention rule ``code`` of scheme/retention.py to what is
    older than ``cutoff`` and returns how many rows or files it removed or blanked."""
    _retention_purges[code] = purge


def retention_purge(code: str):
    return _retention_purges.get(code)


# --- public pages: what each app shows visitors who have not logged in ----------------------

PublicSection = Callable[[object], Panel | None]

_public_sections: list[PublicSection] = []


def register_public_section(provider: PublicSection) -> PublicSection:
    """``provider(scheme)`` returns a Panel for the landing page (``scheme`` None) or for the
    public page of ``scheme``, or None. It is not given the visitor: a public page is the same
    for everyone (so caches may share it) and holds no personal data."""
    if provider not in _public_sections:
        _public_sections.append(provider)
    return provider


def public_sections(scheme=None) -> list[Panel]:
    panels = (provider(scheme) for provider in _public_sections)
    return sorted((panel for panel in panels if panel is not None), key=lambda p: p.order)


# --- threads: the case objects that carry messages, and who shares each thread -------------


@dataclass(frozen=True)
class ThreadKind:
    """A model whose objects carry a thread of messages (scheme/conversations).

    ``readable(user)`` is the queryset of objects whose thread the user may read and write in:
    the model's ``visible_to``, narrowed where the app says so. ``sides(obj)`` are the
    organisations whose people share the thread (the administering body among them when its
    caseworkers take part); a new message notifies every side but the writer's.
    ``organisation(obj)`` is the organisation the thread is about, ``scheme(obj)`` the scheme
    whose reply templates fit (or None), ``title(obj)`` and ``url(obj, user)`` name and link
    the object. ``answered_by_caseworkers``: the organisation waits for the caseworkers when
    it has written last. ``same_as_object``: ``readable`` is the model's ``visible_to``, so
    whoever sees the object's page may read its thread. ``may_read(user, obj)``, required where
    they differ: ``readable``'s answer for an object the user already reached through the
    model's ``visible_to``, from the object and the user's cached access (a page's Messages
    button then needs no query of its own). ``case_object(obj)``, where the thread belongs to
    a case (``scheme.records``): the object whose case file its messages are registered in (an
    award's thread: the application's case), or None when there is none.
    """

    code: str
    model: str
    label: object
    readable: Callable[[object], object]
    sides: Callable[[object], list]
    organisation: Callable[[object], object]
    scheme: Callable[[object], object]
    title: Callable[[object], str]
    url: Callable[[object, object], str]
    answered_by_caseworkers: bool = True
    caseworkers_invited: bool = False
    same_as_object: bool = False
    may_read: Callable[[object, object], bool] | None = None
    case_object: Callable[[object], object] | None = None


_thread_kinds: dict[str, ThreadKind] = {}


def register_thread_kind(kind: ThreadKind) -> ThreadKind:
    _thread_kinds[kind.code] = kind
    return kind


def thread_kinds() -> list[ThreadKind]:
    return list(_thread_kinds.values())


def thread_kind(code: str) -> ThreadKind | None:
    return _thread_kinds.get(code)


def thread_kind_of(obj) -> ThreadKind | None:
    """The kind registered for ``obj``'s model."""
    label = obj._meta.label_lower
    return next((kind for kind in _thread_kinds.values() if kind.model == label), None)


def any_of(conditions) -> Q:
    """The conditions OR'ed together; none matches nothing."""
    return _any(conditions)


# --- announcements: audiences an app gathers, and the weekly digest's sections -------------


@dataclass(frozen=True)
class AudienceGroup:
    """Organisations one of an app's objects gathers, as an announcement's audience (courses:
    the organisations registered to an event).

    ``organisations(object_id)`` is a Q over Organisation: the group's organisations;
    ``groups_of(organisation_ids)`` the ids (a values queryset) of the objects whose group
    holds any of them; ``choices(scheme_years)`` the (id, label) of the objects in those
    scheme years, to choose from.
    """

    code: str
    organisations: Callable[[int], Q]
    groups_of: Callable[[Iterable[int]], object]
    choices: Callable[[object], list]


_audience_groups: dict[str, AudienceGroup] = {}


def register_audience_group(group: AudienceGroup) -> AudienceGroup:
    _audience_groups[group.code] = group
    return group


def audience_group(code: str) -> AudienceGroup | None:
    return _audience_groups.get(code)


DigestSection = Callable[[object, datetime.datetime], list]

_digest_sections: list[DigestSection] = []


def register_digest_section(section: DigestSection) -> DigestSection:
    """``section(user, since)`` returns the lines of the user's weekly digest that the app
    gives: a list of (text, url), url relative to the portal; an empty list for nothing."""
    if section not in _digest_sections:
        _digest_sections.append(section)
    return section


def digest_sections() -> list[DigestSection]:
    return list(_digest_sections)


# --- case records: the case objects that open a case file, and how documents are drawn up --


@dataclass(frozen=True)
class CaseKind:
    """A model whose objects open a case file (scheme/records).

    ``readable(user)`` is the queryset of objects whose case the user may see (the model's
    ``visible_to``); ``closing_problem(obj)`` says why the case cannot be closed yet ("" when it
    can); ``url(obj)`` is the object's page for caseworkers.
    """

    code: str
    model: str
    label: object
    readable: Callable[[object], object]
    closing_problem: Callable[[object], str]
    url: Callable[[object], str]


_case_kinds: dict[str, CaseKind] = {}
# document source kind -> render(entry, *, variant="pdf/ua-1") -> PDF bytes, for the documents
# the portal draws up itself (letters, receipts, messages); the archive asks for "pdf/a-2b".
_document_renderers: dict[str, Callable[..., bytes]] = {}


def register_case_kind(kind: CaseKind) -> CaseKind:
    _case_kinds[kind.code] = kind
    return kind


def case_kinds() -> list[CaseKind]:
    return list(_case_kinds.values())


def case_kind(code: str) -> CaseKind | None:
    return _case_kinds.get(code)


def register_document_renderer(source_kind: str, render: Callable[..., bytes]) -> None:
    """How the PDF of a registered document made from ``source_kind`` is drawn up; the
    ``reports`` app registers these, as it owns the PDF templates."""
    _document_renderers[source_kind] = render


def document_renderer(source_kind: str) -> Callable[..., bytes] | None:
    return _document_renderers.get(source_kind)
