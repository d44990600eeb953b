"""The vocabulary of the timeline: each app names what can happen to its objects."""

_VERBS: dict[str, str] = {}


def event_verb(code: str, text) -> str:
    """Register the (translatable) text shown for an event code and return the code."""
    _VERBS[code] = text
    return code


def describe_verb(code: str) -> str:
    return _VERBS.get(code, code)
