"""Emergency first: what counts as an overdose in progress, and the steps always first."""
import pytest

from bot.safety import EMERGENCY_REPLY, EMERGENCY_REPLY_ES, emergency_first, is_emergency_reply, mentions_overdose_in_progress


@pytest.mark.parametrize("text", ["he's not breathing", "she won't wake up", "lips turning blue", "i think my friend is ODing",
                                  "mi amigo no respira", "no la puedo despertar", "OD", "help overdose"])
def test_an_overdose_in_progress(text):
    assert mentions_overdose_in_progress(text)


@pytest.mark.parametrize("text", ["post OD referral", "where can i get overdose kits", "he OD'd last week",
                                  "narcan 98104", "después de una sobredosis", "how do i prevent an overdose"])
def test_past_or_general_mentions_are_not(text):
    assert not mentions_overdose_in_progress(text)


def test_the_steps_are_added_first_moved_first_or_left_alone():
    assert emergency_first("narcan 98104", ["results"]) == ["results"]
    assert emergency_first("he's not breathing", ["Sorry, call 911."]) == [EMERGENCY_REPLY, "Sorry, call 911."]
    assert emergency_first("no respira", [], "es") == [EMERGENCY_REPLY_ES]
    assert emergency_first("he's not breathing", ["Hi there.", EMERGENCY_REPLY]) == [EMERGENCY_REPLY, "Hi there."]
    assert emergency_first("no respira", [EMERGENCY_REPLY_ES], "en") == [EMERGENCY_REPLY_ES]


def test_the_steps_are_known_in_either_language_however_spaced():
    assert is_emergency_reply(EMERGENCY_REPLY) and is_emergency_reply(f" {EMERGENCY_REPLY_ES}\n")
    assert not is_emergency_reply("If someone is not breathing, call 911 now.")
