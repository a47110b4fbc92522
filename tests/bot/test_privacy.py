import pytest

from bot.privacy import InvalidPhoneNumber, sender_key, to_e164

KEY = "k" * 32


@pytest.mark.parametrize("raw", ["+12065550142", "(206) 555-0142", "206.555.0142", "1-206-555-0142", " +1 206 555 0142 "])
def test_to_e164_normalises_the_ways_a_us_number_is_written(raw):
    assert to_e164(raw) == "+12065550142"


@pytest.mark.parametrize("raw", ["", "hello", "12", "+1 206 555 01420000000"])
def test_to_e164_rejects_what_is_not_a_phone_number(raw):
    with pytest.raises(InvalidPhoneNumber):
        to_e164(raw)


def test_sender_key_is_the_same_for_every_spelling_of_a_number_and_hides_it():
    key = sender_key("+12065550142", KEY)
    assert key == sender_key("(206) 555-0142", KEY)
    assert "2065550142" not in key and "0142" not in key
    assert key != sender_key("+12065550143", KEY)


def test_sender_key_depends_on_the_secret():
    assert sender_key("+12065550142", KEY) != sender_key("+12065550142", "x" * 32)


def test_sender_key_accepts_addresses_that_are_not_numbers():
    assert sender_key("client:alice", KEY) == sender_key("client:alice", KEY)


def test_for_display_writes_a_us_number_the_us_way():
    from bot.privacy import for_display

    assert for_display("+12065550100") == "(206) 555-0100"
