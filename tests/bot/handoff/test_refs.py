"""Handoff references: digits only, a Damm check digit that refuses a typo, old references kept."""
import re

from bot.db import session_scope
from bot.handoff import refs
from tests.bot.handoff.test_engine import open_handoff


def typos(digits):
    """Every single wrong digit and every swap of two neighbouring (different) digits."""
    for i, digit in enumerate(digits):
        for other in "0123456789":
            if other != digit:
                yield digits[:i] + other + digits[i + 1:]
    for i in range(len(digits) - 1):
        if digits[i] != digits[i + 1]:
            yield digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:]


def test_new_references_are_digits_with_a_check_digit(roster):
    for _ in range(20):
        ref = open_handoff()
        assert re.fullmatch(r"H-\d{5}", ref), ref  # spoken on the phone: digits only
        assert refs.has_valid_check_digit(ref)


def test_every_single_digit_error_and_neighbour_swap_fails_the_check(migrated_db):
    with session_scope() as session:
        for _ in range(50):
            digits = refs.digits_of(refs.new_ref(session))
            assert all(not refs.has_valid_check_digit(typo) for typo in typos(digits))


def test_references_are_read_however_they_are_typed():
    assert {refs.normalise(text) for text in ("h 48213", "H48213", "H-48213", " h-48213 ")} == {"H-48213"}
