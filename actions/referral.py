"""Officer referrals: the referral form, read from one message or a few answers, and its submit."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.threads import in_thread
from bot.config import get_settings
from bot.db import session_scope
from bot.directory.places import find_place
from bot.handoff import referral as referrals
from bot.handoff.consent import ASKED_AT_MOST, Consent, ReadAs, read_consent
from bot.handoff.roster import officer_for_key
from bot.phonebook import first_stand_in
from bot.privacy import for_display
from bot.voice.call import is_voice_call

REFERRAL_SLOTS = ("referral_consent", "referral_contact", "referral_reason")
# The consent slot once the question was asked ASKED_AT_MOST times, answered unclearly each time:
# the referral lapses, and the person is never contacted (DESIGN.md, principle 2).
LAPSED = Consent.UNCLEAR.value


def _text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def _answering(tracker: Tracker, slot: str) -> bool:
    return tracker.get_slot("requested_slot") == slot


def _consent_questions_asked(tracker: Tracker) -> int:
    """How often this referral's consent question was asked: since the form began (or, in an
    older tracker, since an earlier form ended)."""
    asked = 0
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop":
            break
        if event.get("event") == "bot" and (event.get("metadata") or {}).get("utter_action") == "utter_ask_referral_consent":
            asked += 1
    return asked


class ValidateReferralForm(FormValidationAction):
    def name(self) -> str:
        return "validate_referral_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        # Without a yes nothing more is asked: no contact details of a person who said no, or
        # whose consent stayed unclear.
        if tracker.get_slot("referral_consent") in (Consent.NO.value, LAPSED):
            return ["referral_consent"]
        return domain_slots

    def extract_referral_consent(self, dispatcher, tracker: Tracker, domain) -> dict[str, Any]:
        # The officer's own words, or their answer to the line's question (where a bare yes counts).
        answering = _answering(tracker, "referral_consent")
        consent = read_consent(_text(tracker), ReadAs.DIRECT_ANSWER if answering else ReadAs.FREE_TEXT)
        if consent is not Consent.UNCLEAR:
            return {"referral_consent": consent.value}
        if not answering:
            return {}  # the form asks the question
        if _consent_questions_asked(tracker) >= ASKED_AT_MOST:
            return {"referral_consent": LAPSED}
        # Still empty, said so: the form asks again (with nothing set, Rasa's form would reject
        # the turn and leave the answer to the other policies).
        return {"referral_consent": None}

    @in_thread
    def extract_referral_contact(self, dispatcher, tracker: Tracker, domain) -> dict[str, Any]:
        text = _text(tracker)
        settings = get_settings()
        with session_scope() as session:
            # Only the number's stand-in goes into the slot: the tracker store never holds a number.
            stand_in = first_stand_in(session, text, settings.require_secret_key(), settings.default_region)
        if stand_in:
            return {"referral_contact": stand_in}
        if _answering(tracker, "referral_contact") and text.strip():
            return {"referral_contact": text.strip()[:200]}  # a place and time to find them
        return {}

    def extract_referral_reason(self, dispatcher, tracker: Tracker, domain) -> dict[str, Any]:
        reason = referrals.reason_in(_text(tracker), answering=_answering(tracker, "referral_reason"))
        return {"referral_reason": reason} if reason else {}


def _referral_turns(tracker: Tracker) -> list[dict[str, Any]]:
    """The officer's messages since the referral began."""
    turns = []
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        turns.append(event)
        if (event.get("parse_data") or {}).get("intent", {}).get("name") == "officer_referral":
            break
    return turns


class ActionSubmitReferral(Action):
    def name(self) -> str:
        return "action_submit_referral"

    @in_thread
    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        turns = _referral_turns(tracker)
        words = " ".join(turn.get("text") or "" for turn in turns)
        needs = sorted({
            entity["value"] for turn in turns for entity in (turn.get("parse_data") or {}).get("entities", [])
            if entity.get("entity") == "service_type"
        })
        consent = tracker.get_slot("referral_consent") == Consent.YES.value
        # An officer on the phone is connected to a specialist by the call itself; the SMS alert
        # goes out only if nobody picks up (bot/channels/twilio_voice.py).
        voice = is_voice_call((tracker.latest_message or {}).get("metadata"))
        settings = get_settings()
        with session_scope() as session:
            officer = officer_for_key(session, tracker.sender_id)
            if officer is None:
                dispatcher.utter_message(response="utter_officer_not_registered")
                return [SlotSet(slot, None) for slot in REFERRAL_SLOTS]
            place = find_place(session, words).place
            _, handoff = referrals.record_referral(
                session, officer, consent=consent, reason=tracker.get_slot("referral_reason"),
                contact=tracker.get_slot("referral_contact"), needs=needs,
                language=referrals.language_in(words) or "en", urgency=referrals.urgency_in(words) or "routine",
                area=place.zip_code if place else None, alert=not voice,
            )
            ref = handoff.ref if handoff else None
        if ref and voice:
            dispatcher.utter_message(json_message={"voice": {"transfer": ref}})
        elif ref:
            dispatcher.utter_message(response="utter_referral_received", ref=ref)
        elif tracker.get_slot("referral_consent") == LAPSED:
            dispatcher.utter_message(response="utter_referral_lapsed", hotline=for_display(settings.hotline_number))
        else:
            dispatcher.utter_message(response="utter_referral_no_consent", hotline=for_display(settings.hotline_number))
        return [SlotSet(slot, None) for slot in REFERRAL_SLOTS]
