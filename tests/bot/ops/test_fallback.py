"""The fallback TwiML: valid TwiML Twilio can serve from a TwiML Bin, the 911 steps in English and
Spanish, and person-first words."""
from xml.etree import ElementTree

from bot.cli import main
from bot.safety import EMERGENCY_REPLY, EMERGENCY_REPLY_ES
from bot.voice.texts import EMERGENCY_STEPS
from tests.test_domain import STIGMATIZING

TWILIO_SMS_LIMIT = 1600


def printed(capsys, kind):
    assert main(["twilio", "fallback", kind]) == 0
    document = capsys.readouterr().out
    return document, ElementTree.fromstring(document.strip())


def test_the_sms_fallback_is_two_messages_the_911_steps_first(capsys):
    document, root = printed(capsys, "sms")
    assert document.startswith('<?xml version="1.0" encoding="UTF-8"?><Response>')
    assert root.tag == "Response" and [child.tag for child in root] == ["Message", "Message"]
    english, spanish = (child.text for child in root)
    assert english.startswith(EMERGENCY_REPLY) and "trouble" in english and "text again soon" in english
    assert spanish.startswith(EMERGENCY_REPLY_ES) and "de nuevo pronto" in spanish
    assert all(len(child.text) <= TWILIO_SMS_LIMIT and not child.attrib for child in root)  # no action, no to: a reply


def test_the_voice_fallback_says_911_first_in_both_languages_then_the_steps(capsys):
    document, root = printed(capsys, "voice")
    assert root.tag == "Response" and {child.tag for child in root} == {"Say", "Pause", "Hangup"}
    says = [child for child in root if child.tag == "Say"]
    assert [s.get("language") for s in says[:2]] == ["en-US", "es-US"] and "call 911 now" in says[0].text
    assert "llama al 911 ahora" in says[1].text
    assert {s.get("voice") for s in says} == {"Polly.Joanna", "Polly.Lupe"}
    spoken = ["".join(s.itertext()) for s in says[2:]]
    assert spoken == EMERGENCY_STEPS["en"] + EMERGENCY_STEPS["es"]
    assert all(s.find("prosody").get("rate") == "slow" for s in says[2:])
    assert root[-1].tag == "Hangup"


def test_the_fallbacks_use_person_first_language(capsys):
    for kind in ("sms", "voice"):
        document, root = printed(capsys, kind)
        assert STIGMATIZING.findall(" ".join(root.itertext())) == []


def test_an_unknown_kind_is_refused(capsys):
    import pytest

    with pytest.raises(SystemExit) as exit_:
        main(["twilio", "fallback", "fax"])
    assert exit_.value.code == 2 and "invalid choice: 'fax'" in capsys.readouterr().err
