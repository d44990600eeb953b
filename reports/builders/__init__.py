"""The reports the portal can build. Each kind registers a Builder: its title, who may order
it, and the function that gathers the figures and renders the file."""

from collections.abc import Callable
from dataclasses import dataclass


class ReportError(Exception):
    """An expected problem with a report, with a message for the user."""


@dataclass(frozen=True)
class Builder:
    kind: str
    title: Callable  # (parameters) -> str
    allowed: Callable  # (user, parameters) -> bool
    build: Callable  # (parameters, progress) -> (bytes, file name); progress(percent, step)


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


def load() -> None:
    """Import every builder module so they register (called from the app's ready())."""
    from reports.builders import documents, exports  # noqa: F401
