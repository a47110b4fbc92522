"""Messages handled before Rasa sees them: STOP/START, specialists' commands and relay, and a
person's texts while a specialist is talking with them."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.alerts.inbound import answer as alerts_answer
from bot.clock import utcnow
from bot.config import get_settings
from bot.db.models import Specialist
from bot.directory.feedback import listing_feedback
from bot.handoff import availability, engine, follow_up, texts
from bot.handoff.referral import status_reply
from bot.handoff.refs import PATTERN as REF_PATTERN
from bot.handoff.roster import officer_for_key
from bot.language import detect_language
from bot.notify.optout import keyword, opt_in, opt_out
from bot.safety import emergency_reply, mentions_overdose_in_progress

# A specialist's message is a command only when it is the bare keyword, or the keyword with a
# reference ("DONE H-48213 engaged"); anything else they write in a relay ("Yes I can bring narcan
# at 3pm", "Done? I'm outside") is words for the person.
_VERB = r"(ACCEPT|YES|PASS|DONE)"
_REF = REF_PATTERN
_BARE_COMMAND = re.compile(rf"^\s*{_VERB}[\s.!]*$", re.I)
# "DONE reached": the bare keyword with an outcome, for the one conversation they have open.
_BARE_DONE = re.compile(rf"^\s*DONE[\s:,.-]+({'|'.join(engine.OUTCOMES)})[\s.!]*$", re.I)
_COMMAND = re.compile(rf"^\s*{_VERB}\b[\s:,.-]*({_REF})[\s:,.-]*(.*)$", re.I | re.S)
_REF_FIRST = re.compile(rf"^\s*({_REF})[\s:,-]*(.*)$", re.I | re.S)

STOP_REPLY = "You won't get more messages from the Health Hub Hotline. Text START to get them again. If someone is not breathing, call 911."
START_REPLY = "You'll get messages from the Health Hub Hotline again. Text STOP to stop them."
# The carriers' HELP: the program's name, what it does, how to stop; and 911, since "help" may be
# all a frightened texter writes.
HELP_REPLY = (
    "Health Hub Hotline: free, confidential harm reduction help by text or call. Text what you need "
    "and your ZIP (narcan 98104), a question, or \"talk to someone\". Text STOP to stop messages. "
    "If someone is not breathing, call 911 now."
)
KEYWORD_REPLIES = {
    ("stop", "en"): STOP_REPLY,
    ("stop", "es"): "Ya no recibirás mensajes de la Health Hub Hotline. Escribe INICIAR para recibirlos otra vez. "
                    "Si alguien no respira, llama al 911.",
    ("start", "en"): START_REPLY,
    ("start", "es"): "Volverás a recibir mensajes de la Health Hub Hotline. Escribe ALTO para dejar de recibirlos.",
    ("help", "en"): HELP_REPLY,
    ("help", "es"): "Health Hub Hotline: ayuda de reducción de daños gratis y confidencial, por texto o llamada. "
                    "Escribe lo que necesitas y tu código postal (narcan 98104), una pregunta o \"hablar con alguien\". "
                    "Escribe ALTO para no recibir mensajes. Si alguien no respira, llama al 911 ahora.",
}


@dataclass
class Routed:
    """What the channel does with a message: `handled` means Rasa does not see it."""

    handled: bool
    replies: list[str] = field(default_factory=list)


_PERSON_STATUS = re.compile(r"^\s*(status|estado|estatus)\s*[?.!¿]*\s*$", re.I)


def route(session: Session, number: str | None, number_key: str, text: str) -> Routed:
    said = keyword(text)
    specialist = session.scalar(select(Specialist).where(Specialist.phone == number, Specialist.active == 1)) if number else None
    # A person a specialist is talking with: after STOP, START and HELP, what they write is words
    # for the specialist ("Reporto que ya llegué", "2" to "how many kits?"), never a keyword,
    # a check-in's answer or a listing report.
    relay = engine.relay_for_person(session, number_key) if said is None and specialist is None else None
    about_alerts = None if relay is not None else alerts_answer(session, number, number_key, text,
                                                                from_specialist=specialist is not None, specialist=specialist)
    if about_alerts is not None:  # ALERTS, ALERTS OFF, REPORT (bot/alerts); STOP goes on below
        return Routed(True, about_alerts)
    if said is not None and said.word == "stop":
        opt_out(session, number_key)
        if specialist is not None:  # nothing can reach them now: their work goes on without them
            availability.stop(session, specialist)
    elif said is not None and said.word == "start":
        opt_in(session, number_key)
        if specialist is not None:
            availability.start(session, specialist)
            return Routed(True, [KEYWORD_REPLIES[said.word, said.language] + " " + texts.back_on_call(said.language)])
    elif said is not None and specialist is not None:  # HELP from a specialist: their commands
        return Routed(True, [texts.specialist_help([h.ref for h in engine.open_relays(session, specialist)],
                                                   [h.ref for h in engine.pending_alerts(session, specialist)])])
    if said is not None:
        return Routed(True, [KEYWORD_REPLIES[said.word, said.language]])
    if specialist is not None:
        switch = availability.on_off(text)
        if switch is not None:
            go = availability.go_on if switch.word == "on" else availability.go_off
            return Routed(True, [go(session, specialist, switch.language)])
        return Routed(True, [reply for reply in [specialist_message(session, specialist, text)] if reply])
    officer = officer_for_key(session, number_key)
    if officer is not None:
        status = status_reply(session, officer, text)
        if status:
            return Routed(True, [status])
        return Routed(False)  # referrals go through the assistant
    # A person's bare STATUS: where their request for a person stands (what the line's "text
    # STATUS if you asked for a person" promises). In a relay the word is for the specialist.
    if relay is None and specialist is None and (asked := _PERSON_STATUS.match(text or "")):
        latest = engine.latest_for_person(session, number_key)
        language = latest.language if latest else ("es" if asked.group(1).lower() in ("estado", "estatus") else "en")
        return Routed(True, [texts.person_status(latest, language)])
    # A check-in's 1, 2 or 3, or YES or NO to the question. In a relay, only the question is read
    # (follow_up.reply leaves a yes after the specialist's words to the specialist).
    if (relay is None or follow_up.check_in_answer(text) is None) and \
            (answered := follow_up.reply(session, number, number_key, text)) is not None:
        return Routed(True, answered)
    if relay is not None and not availability.reachable(session.get(Specialist, relay.specialist_id)):
        # Their specialist left the roster or texted STOP (and the handoff was not handed on
        # then, as before this check existed): hand it on now, and say so, rather than relay
        # their words to someone who is gone.
        notice = engine.hand_on(session, relay, "unreachable", utcnow(), notify_person=False)
        if mentions_overdose_in_progress(text):
            return Routed(True, [emergency_reply(detect_language(text, previous=relay.language)), notice])  # type: ignore[list-item]  # as below
        return Routed(True, [notice])  # type: ignore[list-item]  # hand_on may return None: the replies then hold it, as before (noted in the h31 report)
    if relay is not None:
        engine.relay_to_specialist(session, relay, text)
        # Emergency first, even mid-conversation: the 911 steps go straight back to the person.
        if mentions_overdose_in_progress(text):
            return Routed(True, [emergency_reply(detect_language(text, previous=relay.language))])
        return Routed(True, [])
    reported = listing_feedback(session, number_key, text, get_settings().default_region)
    if reported is not None:  # "WRONG 2" or "Cedar Street is closed" after a list
        return Routed(True, reported)
    return Routed(False)


def specialist_message(session: Session, specialist: Specialist, text: str) -> str | None:
    """A command, or a relay to the person they are talking with; returns the reply, if any."""
    open_relays = engine.open_relays(session, specialist)
    try:
        bare_done = _BARE_DONE.match(text)
        if bare_done and len(open_relays) == 1:
            return engine.done(session, specialist, open_relays[0].ref, bare_done.group(1))
        if bare_done:
            return texts.command_needs_ref("DONE", [h.ref for h in open_relays])
        bare = _BARE_COMMAND.match(text)
        if bare:
            return _bare_command(session, specialist, bare.group(1).upper(), text, open_relays)
        command = _COMMAND.match(text)
        if command:
            verb, ref, rest = command.group(1).upper(), command.group(2), command.group(3)
            if verb in ("ACCEPT", "YES"):
                return engine.accept(session, specialist, ref)
            if verb == "PASS":
                return engine.pass_(session, specialist, ref)
            return engine.done(session, specialist, ref, rest)
        addressed = _REF_FIRST.match(text)
        if addressed:
            ref = engine.normalise_ref(addressed.group(1))
            target = next((h for h in open_relays if h.ref == ref), None)
            if target is None:
                return texts.not_open_to_you(ref)
            engine.relay_to_person(session, target, addressed.group(2))
            return None
        if len(open_relays) == 1:
            engine.relay_to_person(session, open_relays[0], text)
            return None
    except engine.HandoffError as exc:
        return str(exc)
    return texts.specialist_help([h.ref for h in open_relays], [h.ref for h in engine.pending_alerts(session, specialist)])


def _bare_command(session: Session, specialist: Specialist, verb: str, text: str, open_relays: list) -> str | None:
    """YES, ACCEPT or PASS alone answer the one alert waiting for them; DONE alone needs the
    reference and the outcome. A bare "Yes" with no alert waiting is an answer to the person."""
    pending = engine.pending_alerts(session, specialist)
    if verb == "DONE":
        return texts.command_needs_ref("DONE", [h.ref for h in open_relays])
    if len(pending) == 1:
        if verb == "PASS":
            return engine.pass_(session, specialist, pending[0].ref)
        return engine.accept(session, specialist, pending[0].ref)
    if not pending and verb == "YES" and len(open_relays) == 1:
        engine.relay_to_person(session, open_relays[0], text)
        return None
    return texts.yes_needs_ref([h.ref for h in pending], verb)
