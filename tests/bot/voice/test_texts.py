"""The caller's answer to "I can text you this list": read by the consent reader, so that a
negation or a doubt never sends a text about drug services to a phone (DESIGN.md, principle 9)."""
import pytest

from bot.handoff.consent import Consent
from bot.voice.texts import list_answer

# Speech as Twilio transcribes it: no punctuation as a rule, sometimes some.
YES = ["yes", "yes please", "yeah sure", "sure", "okay", "ok text it to me", "text me", "send it", "yes text me",
       "please send it", "go ahead", "that works", "sure why not", "yep", "uh huh", "sí", "sí por favor",
       "claro que sí", "mándamela", "envíala por favor", "dale", "órale", "Yes.", "sure thing"]
NO = ["no", "no thanks", "nope", "nah", "no don't text me", "don't send it", "please don't", "don't text me",
      "no gracias", "mejor no", "no no", "not right now", "no no me la mandes", "nah i'm good", "never mind"]
NEITHER = ["not sure", "i'm not sure", "maybe", "maybe later", "no estoy seguro", "no sé", "um", "what",
           "where is the closest one", "is it open now", "i don't know"]


@pytest.mark.parametrize("speech", YES)
def test_a_yes_to_the_list_is_a_yes(speech):
    assert list_answer(speech) is Consent.YES


@pytest.mark.parametrize("speech", NO)
def test_a_no_to_the_list_is_a_no(speech):
    assert list_answer(speech) is Consent.NO


@pytest.mark.parametrize("speech", NEITHER)
def test_a_doubt_or_a_question_sends_nothing(speech):
    assert list_answer(speech) is Consent.UNCLEAR
