"""Officers' PINs: stored as salted scrypt hashes, checked in constant time, locked after failures."""
import pytest

from bot.handoff.officer_pins import InvalidPin, hash_pin, pin_matches


def test_a_pin_is_stored_salted_and_hashed():
    stored = hash_pin("4821")
    assert "4821" not in stored and stored.startswith("scrypt$") and stored != hash_pin("4821")
    assert pin_matches(stored, "4821") and not pin_matches(stored, "4812") and not pin_matches(stored, "")
    assert not pin_matches(None, "4821") and not pin_matches("garbage", "4821")


@pytest.mark.parametrize("pin", ["", "123", "123456789", "12a4", "12 34"])
def test_a_pin_is_4_to_8_digits(pin):
    with pytest.raises(InvalidPin):
        hash_pin(pin)
