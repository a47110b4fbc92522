"""The assistant's own words: person-first language, and one emergency text everywhere."""
import re

import yaml

from bot.directory.taxonomy import SERVICE_TYPES
from bot.safety import EMERGENCY_REPLY, mentions_overdose_in_progress
from tests.conftest import PROJECT_ROOT

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
STIGMATIZING = re.compile(r"\b(addicts?|addicted|abusers?|junkies|junkie|druggies|druggie|clean|dirty|adict[oa]s?|drogadict[oa]s?|yonquis?)\b", re.I)


def all_response_texts():
    for name, variants in DOMAIN["responses"].items():
        for variant in variants:
            yield name, variant.get("text", "")


def test_no_response_uses_stigmatizing_language():
    offending = [(name, text) for name, text in all_response_texts() if STIGMATIZING.search(text)]
    assert offending == []


def test_no_message_written_in_code_uses_stigmatizing_language():
    # The handoff engine, the safety net and the channel speak too, outside domain.yml.
    for path in ("bot/handoff/texts.py", "bot/handoff/inbound.py", "bot/safety.py", "bot/channels/twilio_sms.py",
                 "bot/directory/sms.py", "bot/handoff/referral.py"):
        found = STIGMATIZING.findall((PROJECT_ROOT / path).read_text(encoding="utf-8"))
        assert found == [], (path, found)


def test_the_stigma_check_catches_what_it_should():
    assert STIGMATIZING.search("Are you clean now?") and STIGMATIZING.search("help for addicts")


def test_the_emergency_response_is_the_channel_safety_net_text():
    assert DOMAIN["responses"]["utter_emergency"][0]["text"] == EMERGENCY_REPLY
    assert EMERGENCY_REPLY.startswith("If someone may be overdosing, call 911 now.")


def test_every_synonym_maps_to_a_taxonomy_code():
    nlu = yaml.safe_load((PROJECT_ROOT / "data" / "nlu" / "service_types.yml").read_text())
    synonyms = {block["synonym"] for block in nlu["nlu"] if "synonym" in block}
    assert synonyms == set(SERVICE_TYPES)


def test_overdose_keywords():
    for text in ("he's not breathing", "she won't wake up", "turning blue", "i think my friend is ODing", "he OD'd",
                 "no respira", "my brother is overdosing", "i think he overdosed", "his lips are blue", "help he's barely breathing"):
        assert mentions_overdose_in_progress(text), text
    for text in ("where can i get narcan", "the odds are good", "good morning", "i need a bed",
                 "Referral: consented, 206-555-0142, post OD, needs narcan", "where do i pick up nasal spray for overdoses",
                 "at risk of overdose", "after an overdose last month", "overdose kits near 98104", "he OD'd last week"):
        assert not mentions_overdose_in_progress(text), text
