"""The assistant's own words: person-first language, and one emergency text everywhere."""
import re

import yaml

from bot.directory.taxonomy import SERVICE_TYPES
from bot.safety import EMERGENCY_REPLY, EMERGENCY_REPLY_ES, mentions_overdose_in_progress
from tests.conftest import PROJECT_ROOT

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
# "clean"/"dirty" and "limpio"/"sucio" describe people by drug status; syringes are "sterile"/"estériles".
STIGMATIZING = re.compile(
    r"\b(addicts?|addicted|abusers?|junkies|junkie|druggies|druggie|clean|dirty|"
    r"adict[oa]s?|drogadict[oa]s?|yonquis?|viciosos?|viciosas?|limpi[oa]s?|suci[oa]s?)\b",
    re.I,
)


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
                 "bot/directory/sms.py", "bot/handoff/referral.py", "bot/voice/texts.py", "bot/directory/speech.py",
                 "bot/handoff/transfer.py", "bot/channels/twilio_voice.py", "bot/ops/fallback.py", "bot/handoff/referrers.py",
                 "bot/handoff/consent.py", "bot/directory/feedback.py", "bot/directory/reports.py",
                 "bot/handoff/follow_up_texts.py", "bot/handoff/follow_up.py",
                 "bot/channels/simulator_page/index.html", "bot/channels/simulator_page/simulator.js",
                 *sorted(str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "bot/console").rglob("*.*")
                         if p.suffix in (".py", ".html", ".js")),
                 "bot/alerts/texts.py", "bot/alerts/inbound.py", "bot/alerts/commands.py"):
        found = STIGMATIZING.findall((PROJECT_ROOT / path).read_text(encoding="utf-8"))
        assert found == [], (path, found)


def test_the_stigma_check_catches_what_it_should():
    assert STIGMATIZING.search("Are you clean now?") and STIGMATIZING.search("help for addicts")
    assert STIGMATIZING.search("¿Ya estás limpio?") and STIGMATIZING.search("ayuda para drogadictos")


def spanish_variation(variants):
    return next((v["text"] for v in variants if v.get("condition") == [{"type": "slot", "name": "language", "value": "es"}]), None)


def default_variation(variants):
    return next(v["text"] for v in variants if not v.get("condition"))


def test_the_emergency_response_is_the_channel_safety_net_text():
    variants = DOMAIN["responses"]["utter_emergency"]
    assert default_variation(variants) == EMERGENCY_REPLY
    assert spanish_variation(variants) == EMERGENCY_REPLY_ES
    assert EMERGENCY_REPLY.startswith("If someone may be overdosing, call 911 now.")
    assert EMERGENCY_REPLY_ES.startswith("Si alguien puede tener una sobredosis, llama al 911 ahora.")


def test_every_community_response_has_a_spanish_variation():
    # Officers' messages (referral form) are in English; everything a community member can get has both.
    officer_only = {"utter_ask_referral_consent", "utter_ask_referral_contact", "utter_ask_referral_reason",
                    "utter_referral_received", "utter_referral_no_consent"}
    missing = [name for name, variants in DOMAIN["responses"].items()
               if name not in officer_only and spanish_variation(variants) is None]
    assert missing == []


def test_spanish_and_english_variations_keep_the_same_placeholders():
    placeholder = re.compile(r"{(\w+)}")
    for name, variants in DOMAIN["responses"].items():
        spanish = spanish_variation(variants)
        if spanish is not None:
            assert set(placeholder.findall(spanish)) == set(placeholder.findall(default_variation(variants))), name


def test_every_education_topic_has_an_answer_and_training_examples():
    nlu = yaml.safe_load((PROJECT_ROOT / "data" / "nlu" / "education.yml").read_text())
    trained = {block["intent"].split("/", 1)[1] for block in nlu["nlu"] if block.get("intent", "").startswith("education/")}
    answered = {name.split("/", 1)[1] for name in DOMAIN["responses"] if name.startswith("utter_education/")}
    assert trained == answered == {"naloxone", "test_strips", "safer_use", "good_samaritan", "wound_care", "moud", "about_hotline", "legal"}


def test_every_synonym_maps_to_a_taxonomy_code():
    nlu = yaml.safe_load((PROJECT_ROOT / "data" / "nlu" / "service_types.yml").read_text())
    synonyms = {block["synonym"] for block in nlu["nlu"] if "synonym" in block}
    assert synonyms == set(SERVICE_TYPES)


def test_overdose_keywords():
    for text in ("he's not breathing", "she won't wake up", "turning blue", "i think my friend is ODing", "he OD'd",
                 "no respira", "my brother is overdosing", "i think he overdosed", "his lips are blue", "help he's barely breathing",
                 "her lips r blue", "shes blue", "he wont respond", "gurgling and wont wake", "she fell out", "help overdose",
                 "he isnt breething", "hes limp", "no se despierta", "le di narcan y sigue sin respirar", "se está muriendo"):
        assert mentions_overdose_in_progress(text), text
    for text in ("where can i get narcan", "the odds are good", "good morning", "i need a bed",
                 "Referral: consented, 206-555-0142, post OD, needs narcan", "where do i pick up nasal spray for overdoses",
                 "at risk of overdose", "after an overdose last month", "overdose kits near 98104", "he OD'd last week",
                 "how do i avoid overdosing", "can the person who od'd get charged", "cómo evito una sobredosis",
                 "quiero espray nasal para sobredosis", "the blue bus", "i'm dying to know the hours"):
        assert not mentions_overdose_in_progress(text), text


def test_the_language_slot_knows_every_language_of_the_table():
    from bot.language import LANGUAGES

    assert DOMAIN["slots"]["language"]["values"] == list(LANGUAGES)
