from django.test import override_settings
from django.utils import translation

from reports.figures.anonymous import letters, organisation_codes, organisation_labels


def test_letters_run_on_past_z():
    assert [letters(i) for i in (0, 1, 25, 26, 27, 51, 52)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA",
    ]  # fmt: skip


def test_the_same_organisations_get_the_same_codes_in_any_order():
    ids = [17, 3, 250, 41, 8]
    codes = organisation_codes(ids)
    assert organisation_codes(list(reversed(ids))) == codes
    assert sorted(codes.values()) == ["A", "B", "C", "D", "E"]


def test_codes_do_not_follow_the_ids():
    """Registration order is hidden: among many ids the codes are not in id order."""
    ids = list(range(1, 41))
    codes = organisation_codes(ids)
    assert [codes[pk] for pk in ids] != sorted(codes.values(), key=lambda c: (len(c), c))


def test_codes_depend_on_the_secret():
    ids = list(range(1, 41))
    with override_settings(SECRET_KEY="one secret " * 5):
        first = organisation_codes(ids)
    with override_settings(SECRET_KEY="another secret " * 5):
        second = organisation_codes(ids)
    assert first != second


def test_labels_name_the_code_in_the_readers_language():
    with translation.override("nb"):
        assert set(organisation_labels([5]).values()) == {"Organisasjon A"}
    with translation.override("en"):
        assert set(organisation_labels([5]).values()) == {"Organisation A"}
