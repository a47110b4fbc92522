"""The slot mappings run after every message: language and role (location and open_now are in
test_directory.py, next to the search they serve)."""
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.slot_mappings import ValidateSlotMappings
from bot.config import get_settings
from bot.db import session_scope
from bot.db.models import Officer
from bot.privacy import sender_key
from tests.actions import call
from tests.bot.handoff.conftest import NOW


def tracker(text, sender_id="h" + "2" * 40, metadata=None, **slots):
    return Tracker(sender_id=sender_id, slots=slots, latest_message={"text": text, "intent": {"name": "greet"}, "metadata": metadata or {}},
                   events=[], paused=False, followup_action=None, active_loop={}, latest_action_name="action_listen")


def extract(method, t):
    return call(getattr(ValidateSlotMappings(), method), CollectingDispatcher(), t, {})


def test_the_language_follows_the_words_and_keeps_itself_without_any():
    assert extract("extract_language", tracker("hola, necesito naloxona")) == {"language": "es"}
    assert extract("extract_language", tracker("98104", language="es")) == {"language": "es"}
    assert extract("extract_language", tracker("where can i get narcan", language="es")) == {"language": "en"}


def test_the_voice_line_says_which_language_the_caller_chose():
    assert extract("extract_language", tracker("narcan", metadata={"channel": "voice", "language": "es"})) == {"language": "es"}
    assert extract("extract_language", tracker("/find_service", language="es")) == {}


def test_a_registered_officer_phone_has_the_officer_role(migrated_db):
    key = sender_key("+12065550181", get_settings().require_secret_key())
    assert extract("extract_role", tracker("referral", sender_id=key)) == {"role": "community"}
    with session_scope() as session:
        session.add(Officer(name="Ofc. Lee", phone="+12065550181", phone_key=key, agency="Seattle PD", active=1, created_at=NOW))
    assert extract("extract_role", tracker("referral", sender_id=key)) == {"role": "officer"}
