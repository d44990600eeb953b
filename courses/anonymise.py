"""Free text without names: for evaluators, who see only what cannot point to a person or an
organisation."""

import re

from django.contrib.auth import get_user_model

from courses.models import Registration
from organisations.models import Organisation

REDACTED = "[…]"


class Scrubber:
    """Blanks out the names of organisations and people, e-mail addresses, phone numbers and
    organisation numbers in free text."""

    EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
    # Phone and organisation numbers: eight digits or more, perhaps in groups (not dates).
    NUMBER = re.compile(r"(?<!\w)\+?\d(?: ?\d){7,}(?!\w)")

    def __init__(self, names=(), name_parts=()):
        self.names = self._pattern(names, re.IGNORECASE)
        self.parts = self._pattern(name_parts, 0)

    @staticmethod
    def _pattern(words, flags):
        words = sorted({w.strip() for w in words if w and len(w.strip()) >= 2}, key=len)
        if not words:
            return None
        alternatives = "|".join(re.escape(word) for word in reversed(words))
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", flags)

    @classmethod
    def for_portal(cls) -> "Scrubber":
        """Every organisation's name, every person's full name and the parts of it."""
        people = set(get_user_model().objects.values_list("full_name", flat=True))
        people |= set(Registration.objects.values_list("person_name", flat=True))
        parts = {part for name in people for part in name.split() if part[:1].isupper()}
        return cls(set(Organisation.objects.values_list("name", flat=True)) | people, parts)

    def __call__(self, text: str) -> str:
        text = self.EMAIL.sub(REDACTED, text or "")
        for pattern in (self.names, self.parts):
            if pattern is not None:
                text = pattern.sub(REDACTED, text)
        return self.NUMBER.sub(REDACTED, text)
