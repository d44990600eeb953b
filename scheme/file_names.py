"""Names of downloaded files: in the reader's language and ASCII-safe, so they survive every
e-mail program and file system (``arsrapport-2023.pdf``, ``annual-report-2023.pdf``)."""

from django.utils.text import slugify

NORWEGIAN_LETTERS = str.maketrans({"æ": "ae", "Æ": "Ae", "ø": "o", "Ø": "O", "å": "a", "Å": "A"})


def file_stem(text) -> str:
    """A file name part from a name: ``Bærum språkkafé`` -> ``baerum-sprakkafe``."""
    return slugify(str(text).translate(NORWEGIAN_LETTERS))


def in_reader_language(file_name: str, words: dict) -> str:
    """``file_name`` with its English stem (a key of ``words``: ``"annual-report"``) put in
    the active language (the value: ``pgettext_lazy("file name", "annual report")``); a
    name with no known stem is left as it is."""
    for stem in sorted(words, key=len, reverse=True):
        rest = file_name.removeprefix(stem)
        if rest != file_name and rest[:1] in ("-", "."):
            return file_stem(words[stem]) + rest
    return file_name
