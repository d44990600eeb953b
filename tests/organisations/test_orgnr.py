import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from organisations.orgnr import clean_orgnr, fictional_orgnr, format_orgnr

stems = st.integers(min_value=10_000_000, max_value=99_999_999)


@pytest.mark.parametrize("typed", ["974760673", "974 760 673", " 974760673 "])
def test_a_valid_number_is_accepted_with_or_without_spaces(typed):
    assert clean_orgnr(typed) == "974760673"


@pytest.mark.parametrize("typed", ["", "12345678", "1234567890", "97476067A", "abc"])
def test_a_number_that_is_not_nine_digits_is_rejected_with_an_example(typed):
    with pytest.raises(ValidationError) as error:
        clean_orgnr(typed)
    assert error.value.code == "orgnr_format"


def test_a_wrong_check_digit_is_explained():
    with pytest.raises(ValidationError) as error:
        clean_orgnr("974760674")
    assert error.value.code == "orgnr_checksum"
    assert "974 760 674" in error.value.messages[0]


def test_shown_in_groups_of_three():
    assert format_orgnr("974760673") == "974 760 673"


@given(stems)
def test_every_generated_number_is_valid(stem):
    number = fictional_orgnr(stem)
    assert clean_orgnr(number) == number
    assert int(number[:8]) - stem in (0, 1)


@given(stems, st.integers(min_value=0, max_value=8), st.integers(min_value=1, max_value=9))
def test_changing_any_one_digit_is_caught(stem, position, change):
    """Modulus 11 with these weights detects every single-digit error."""
    number = fictional_orgnr(stem)
    digits = list(number)
    digits[position] = str((int(digits[position]) + change) % 10)
    with pytest.raises(ValidationError):
        clean_orgnr("".join(digits))


@given(stems, st.integers(min_value=0, max_value=7))
def test_swapping_two_different_neighbouring_digits_is_caught(stem, position):
    number = fictional_orgnr(stem)
    assume(number[position] != number[position + 1])
    digits = list(number)
    digits[position], digits[position + 1] = digits[position + 1], digits[position]
    with pytest.raises(ValidationError):
        clean_orgnr("".join(digits))


@given(stems)
def test_formatting_and_cleaning_give_back_the_number(stem):
    number = fictional_orgnr(stem)
    assert clean_orgnr(format_orgnr(number)) == number


def test_stems_two_apart_give_different_numbers():
    numbers = {fictional_orgnr(80_000_000 + 2 * i) for i in range(500)}
    assert len(numbers) == 500
