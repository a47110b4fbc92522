"""What the handoff engine says, in plain, person-first words. Messages to the person follow
their language (the PERSON table, one entry per language of bot/language.py); messages to
specialists are in English, except the replies to their own OFF and ON (SPECIALIST)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.config import duration_words
from bot.directory.taxonomy import SERVICE_TYPES
from bot.handoff import referrers
from bot.handoff.states import OFFERED, OVER
from bot.language import LANGUAGES, name_of, phrase

if TYPE_CHECKING:  # vocabulary names a record in annotations only, and never loads one
    from bot.db.models import Handoff

# Derived from the one table (bot/language.py name_of); kept for callers that look names up by code.
LANGUAGE_NAMES = {code: language.name for code, language in LANGUAGES.items()}
COMMANDS = "Reply ACCEPT {ref} to take it or PASS {ref}."


def _needs(handoff: Handoff) -> str:
    codes = [c for c in (handoff.needs or "").split(",") if c]
    return ", ".join(SERVICE_TYPES.get(c, c) for c in codes) or "to talk with someone"


# What the person reads, by language. {ref} is the handoff's reference; {who} the kind of
# referrer who asked for them (bot/handoff/referrers.py).
PERSON = {
    "en": {
        "specialist_label": "Specialist",
        "accepted_referred": "Hi, this is the Health Hub Hotline. {who} asked us, with your OK, to connect you with a harm reduction specialist ({ref}). The specialist will reach you at this number. You can reply here to talk with them.",
        "accepted": "A harm reduction specialist has your request ({ref}) and will text you here. You can reply to this number to talk with them.",
        "delayed": "It's taking longer than usual to reach a specialist. Our coordinator now has your request ({ref}) and will text you here. If someone is not breathing, call 911.",
        "expired": "We're sorry: nobody could take your request ({ref}) in time. Text \"talk to someone\" to try again, or text what you need and a ZIP code to find services now. If someone is not breathing, call 911.",
        "handed_on_specialist": "The specialist you were talking with can't continue. We're passing your request ({ref}) to another specialist, who will text you here. If someone is not breathing, call 911.",
        "handed_on_coordinator": "The specialist you were talking with can't continue. Our coordinator now has your request ({ref}) and will text you here. If someone is not breathing, call 911.",
        "handed_on_nobody": "The specialist you were talking with can't continue, and nobody else is on call right now. We saved your request ({ref}) and will text you as soon as someone is available. If someone is not breathing, call 911.",
        "closed": "Your conversation with the specialist has ended. Text this number any time you need something.",
        "opened_alerted": "Thanks. A harm reduction specialist will text you from this number, usually within {minutes} minutes. Your reference is {ref}.",
        "opened_escalated": "Thanks. No specialist is on call right now, so our coordinator has your request ({ref}) and will text you from this number as soon as they can.",
        "delayed_saved": "It's taking longer than usual to reach a specialist, and nobody else is on call right now. We saved your request ({ref}) and will text you as soon as someone is available. If someone is not breathing, call 911.",
        "opened_saved": "Thanks. Nobody is on call right now. We saved your request ({ref}) and will text you as soon as someone is available. If someone is not breathing, call 911.",
        "relay_failed": "Your last message did not reach the specialist's phone ({ref}). We told our coordinator, who will make sure someone gets back to you. If someone is not breathing, call 911.",
        "relay_failed_untold": "Your last message did not reach the specialist's phone ({ref}). Please send it again in a little while. If someone is not breathing, call 911.",
        "status_waiting": "Your request ({ref}) is waiting for a specialist to take it. We'll text you here as soon as someone does. If someone is not breathing, call 911.",
        "status_over": "Your request ({ref}) is closed. Text \"talk to someone\" if you want to talk with a specialist again.",
        "status_none": "We have no request for a person from this number. Text \"talk to someone\" if you want to talk with a harm reduction specialist.",
    },
    "es": {
        "specialist_label": "Especialista",
        "accepted_referred": "Hola, esta es la línea Health Hub. {who} nos pidió, con tu permiso, conectarte con una persona especialista en reducción de daños ({ref}). Se comunicará contigo a este número. Puedes responder aquí para hablar con ella.",
        "accepted": "Una persona especialista en reducción de daños tiene tu solicitud ({ref}) y te escribirá aquí. Puedes responder a este número para hablar con ella.",
        "delayed": "Está tardando más de lo normal. Nuestra coordinadora tiene tu solicitud ({ref}) y te escribirá aquí. Si alguien no respira, llama al 911.",
        "expired": "Lo sentimos: nadie pudo atender tu solicitud ({ref}) a tiempo. Escribe \"hablar con alguien\" para intentarlo de nuevo, o lo que necesitas y un código postal. Si alguien no respira, llama al 911.",
        "handed_on_specialist": "La persona especialista con quien hablabas no puede continuar. Pasamos tu solicitud ({ref}) a otra persona especialista, que te escribirá aquí. Si alguien no respira, llama al 911.",
        "handed_on_coordinator": "La persona especialista con quien hablabas no puede continuar. Nuestra coordinadora tiene ahora tu solicitud ({ref}) y te escribirá aquí. Si alguien no respira, llama al 911.",
        "handed_on_nobody": "La persona especialista con quien hablabas no puede continuar y ahora no hay nadie más de guardia. Guardamos tu solicitud ({ref}) y te escribiremos en cuanto alguien esté disponible. Si alguien no respira, llama al 911.",
        "closed": "Terminó tu conversación con la persona especialista. Escribe a este número cuando necesites algo.",
        "opened_alerted": "Gracias. Una persona especialista te escribirá desde este número, normalmente en menos de {minutes} minutos. Tu referencia es {ref}.",
        "opened_escalated": "Gracias. Ahora no hay especialistas de guardia; nuestra coordinadora tiene tu solicitud ({ref}) y te escribirá en cuanto pueda.",
        "delayed_saved": "Está tardando más de lo normal encontrar a una persona especialista, y ahora no hay nadie más de guardia. Guardamos tu solicitud ({ref}) y te escribiremos en cuanto alguien esté disponible. Si alguien no respira, llama al 911.",
        "opened_saved": "Gracias. Ahora no hay nadie de guardia. Guardamos tu solicitud ({ref}) y te escribiremos en cuanto alguien esté disponible. Si alguien no respira, llama al 911.",
        "relay_failed": "Tu último mensaje no llegó al teléfono de la persona especialista ({ref}). Avisamos a nuestra coordinadora, que se asegurará de que alguien te responda. Si alguien no respira, llama al 911.",
        "relay_failed_untold": "Tu último mensaje no llegó al teléfono de la persona especialista ({ref}). Por favor, vuelve a enviarlo en un rato. Si alguien no respira, llama al 911.",
        "status_waiting": "Tu solicitud ({ref}) está esperando a que una persona especialista la tome. Te escribiremos aquí en cuanto alguien lo haga. Si alguien no respira, llama al 911.",
        "status_over": "Tu solicitud ({ref}) está cerrada. Escribe \"hablar con alguien\" si quieres hablar otra vez con una persona especialista.",
        "status_none": "No tenemos ninguna solicitud para hablar con una persona desde este número. Escribe \"hablar con alguien\" si quieres hablar con una persona especialista en reducción de daños.",
    },
}


def _person(handoff: Handoff, key: str, **values: Any) -> str:
    """A PERSON phrase in the handoff's language, with its reference filled in."""
    return phrase(PERSON, handoff.language, key, ref=handoff.ref, **values)


def referred_by(handoff: Handoff) -> str:
    """For a specialist: who asked for this handoff."""
    kind = referrers.kind_of(handoff)
    return f"{referrers.who(kind, 'en')} referred a person" if kind else "A person asked for a specialist"


def alert(handoff: Handoff, handed_on: bool = False) -> str:
    who = referred_by(handoff)
    where = f" near {handoff.area}" if handoff.area else ""
    again = "Handed on: the specialist who had it can't continue. " if handed_on else ""
    return (
        f"Health Hub {handoff.ref}: {again}{'URGENT. ' if handoff.urgent else ''}{who}{where}. Needs: {_needs(handoff)}. "
        f"Language: {name_of(handoff.language)}. "
        + (f"Where to find them: {handoff.contact_note}. " if handoff.contact_note else "")
        + COMMANDS.format(ref=handoff.ref)
        + (" You'll text them through this number; theirs stays private." if handoff.person_number or not handoff.contact_note else "")
    )


def coordinator_alert(handoff: Handoff, was_alerted: bool, handed_on: bool = False, from_previous: bool = False) -> str:
    if from_previous:
        why = "You are the coordinator now, and it was waiting on the previous one"
    elif handed_on:
        why = "The specialist who had it can't continue, and no other specialist is on call"
    else:
        why = "No specialist accepted it in time" if was_alerted else "No specialist is on call"
    return f"Health Hub {handoff.ref} needs the coordinator: {why}. " + alert(handoff).split(": ", 1)[1]


def accepted(handoff: Handoff) -> str:
    done = f"When you finish, reply DONE {handoff.ref} reached, engaged, declined, unreachable or other."
    if handoff.person_number:
        return (
            f"You have {handoff.ref}. Text here and it goes to them, shown as from the specialist; "
            f"their replies come to you starting '{handoff.ref}:'. " + done
        )
    return f"You have {handoff.ref}. {_how_to_reach(handoff)} {done}"


def _how_to_reach(handoff: Handoff) -> str:
    """For a handoff with no number to text: where to find them, or that there is no way back."""
    if handoff.contact_note:
        return f"We have no number for them: find them at {handoff.contact_note}. Nothing you text here reaches them."
    return ("They reached us from a withheld number and left no way to reach them back, so nothing you text here "
            f"reaches them. If they don't get in touch again, reply DONE {handoff.ref} unreachable.")


def cannot_reach(handoff: Handoff) -> str:
    return f"Nothing was sent: {handoff.ref} has no number to text. {_how_to_reach(handoff)}"


def already_yours(handoff: Handoff) -> str:
    if not handoff.person_number:
        return f"{handoff.ref} is already yours. {_how_to_reach(handoff)}"
    return f"{handoff.ref} is already yours. Text here to reach them."


def not_open_to_you(ref: str) -> str:
    """The one answer for a reference that is unknown, mistyped, taken, closed or not theirs."""
    return f"{ref[:20]} isn't a request open to you, so nothing changed. Check the reference in your alert."


def passed(handoff: Handoff) -> str:
    return f"OK, you passed {handoff.ref}. We're asking someone else."


def bad_outcome(handoff: Handoff) -> str:
    return f"Say how it ended: DONE {handoff.ref} reached, engaged, declined, unreachable or other."


def closed(handoff: Handoff) -> str:
    return f"Closed {handoff.ref} ({handoff.outcome}). Thank you."


def specialist_help(open_refs: list[str], pending_refs: Sequence[str] = ()) -> str:
    commands = "Commands: ACCEPT H-12345, PASS H-12345, DONE H-12345 outcome, OFF, ON."
    waiting = f" Waiting for your answer: {', '.join(pending_refs)}." if pending_refs else ""
    if len(open_refs) > 1:
        return f"You have {len(open_refs)} open conversations ({', '.join(open_refs)}). Start your message with the reference, e.g. {open_refs[0]} hello.{waiting}"
    if open_refs:
        return f"You are talking with {open_refs[0]}: what you text goes to them.{waiting} {commands}"
    return f"You have no open conversation.{waiting} {commands}"


MAX_SMS_CHARS = 1600  # Twilio's limit for one message body, in UTF-16 units (an emoji is two)


def sms_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _chunks(text: str, room: int) -> list[str]:
    """The text in pieces of at most `room` units, cut at a space where there is one."""
    chunks = []
    while sms_length(text) > room:
        cut = units = 0
        for index, char in enumerate(text):
            units += 2 if ord(char) > 0xFFFF else 1
            if units > room:
                break
            cut = index + 1
        space = text.rfind(" ", 0, cut + 1)
        if space > 0:
            chunks.append(text[:space])
            text = text[space + 1:]
        else:
            chunks.append(text[:cut])
            text = text[cut:]
    return chunks + [text]


def relay_parts(label: str, text: str) -> list[str]:
    """'label: text' as one SMS, or, past Twilio's limit, numbered parts that each fit
    ('H-48213 (1/2): ...'): a relay is split, never failed and never cut."""
    whole = f"{label}: {text}"
    if sms_length(whole) <= MAX_SMS_CHARS:
        return [whole]
    chunks = _chunks(text, MAX_SMS_CHARS - sms_length(f"{label} (99/99): "))
    return [f"{label} ({number}/{len(chunks)}): {chunk}" for number, chunk in enumerate(chunks, 1)]


def from_person(handoff: Handoff, text: str) -> list[str]:
    return relay_parts(handoff.ref, text)


def from_specialist(handoff: Handoff, text: str) -> list[str]:
    return relay_parts(_person(handoff, "specialist_label"), text)


def person_accepted(handoff: Handoff) -> str:
    kind = referrers.kind_of(handoff)
    if kind:  # they asked for nothing themselves: say who and why
        return _person(handoff, "accepted_referred", who=referrers.who(kind, handoff.language))
    return _person(handoff, "accepted")


def introduction_missed(handoff: Handoff, event: str) -> str:
    why = {
        "intro_declined": "the person answered our call but did not join",
        "intro_no_answer": "the person did not answer our call",
        "intro_failed": "we could not bring the person into the call",
    }[event]
    return f"Health Hub {handoff.ref}: {why}. They have a text from the hotline; text here and it goes to them."


def relay_failed_to_person(handoff: Handoff, reason: str) -> str:
    return (f"Health Hub {handoff.ref}: your message did not reach the person's phone ({reason}). "
            "It will not be resent; try again later, or call them if you have their OK.")


def relay_failed_to_specialist(handoff: Handoff, specialist_name: str | None, reason: str) -> str:
    return (f"Health Hub {handoff.ref}: a message from the person did not reach {specialist_name or 'the specialist'}'s "
            f"phone ({reason}). The person was told. Please check in with the specialist, or take it over.")


def person_relay_failed(handoff: Handoff, coordinator_told: bool) -> str:
    """Only says the coordinator was told when one was (there may be none on call, or the
    specialist whose phone failed may be the coordinator)."""
    return _person(handoff, "relay_failed" if coordinator_told else "relay_failed_untold")


def person_delayed(handoff: Handoff) -> str:
    return _person(handoff, "delayed")


def person_saved(handoff: Handoff) -> str:
    """Everyone on call was asked and no coordinator can take it: saved for whoever comes next."""
    return _person(handoff, "delayed_saved")


def person_expired(handoff: Handoff) -> str:
    return _person(handoff, "expired")


def person_handed_on(handoff: Handoff, who: str) -> str:
    """The specialist they were talking with can't continue; `who` has the request now:
    specialist, coordinator or nobody (yet)."""
    return _person(handoff, f"handed_on_{who}")


def person_closed(handoff: Handoff) -> str:
    return _person(handoff, "closed")


def person_status(handoff: Handoff | None, language: str) -> str:
    """The answer to a person's STATUS: their latest request, in plain words (none: how to ask)."""
    if handoff is None:
        return phrase(PERSON, language, "status_none")
    # An accepted request is a conversation: its STATUS goes to the specialist (bot/handoff/inbound.py).
    return _person(handoff, "status_over" if handoff.state in OVER else "status_waiting")


def person_opened(handoff: Handoff, state: str, minutes: int) -> str:
    """What the person is told when their request is recorded: honestly, who and how soon
    (state: alerted, escalated, or anything else for a request saved for later)."""
    return _person(handoff, f"opened_{state}" if state in OFFERED else "opened_saved", minutes=minutes)


def yes_needs_ref(pending_refs: list[str], verb: str = "ACCEPT") -> str:
    if not pending_refs:
        return "You have no request waiting for an answer."
    verb = "PASS" if verb == "PASS" else "ACCEPT"
    return f"You have {len(pending_refs)} requests waiting ({', '.join(pending_refs)}). Reply {verb} with the reference, e.g. {verb} {pending_refs[0]}."


def command_needs_ref(verb: str, open_refs: Sequence[str] = ()) -> str:
    example_ref = open_refs[0] if open_refs else "H-12345"
    example = f"DONE {example_ref} engaged" if verb == "DONE" else f"{verb} {example_ref}"
    return f"Add the request's reference, e.g. {example}." + (
        " How it ended: reached, engaged, declined, unreachable or other." if verb == "DONE" else "")


# A specialist's own OFF and ON, answered in the language they texted in.
SPECIALIST = {
    "en": {
        "off": "You're off call: no new alerts until you text ON.",
        "off_passed": "We passed what was waiting for your answer ({refs}) to someone else.",
        "off_kept_one": "You still have {count} open conversation ({refs}); they stay with you: reply DONE {first} and how it ended when it's over.",
        "off_kept_many": "You still have {count} open conversations ({refs}); they stay with you: reply DONE {first} and how it ended when it's over.",
        "off_none": "You have no open conversation.",
        "off_coordinator": "Requests nobody accepts will wait until you're back.",
        "on_in_hours": "You're on call: new alerts come to this number. Text OFF to go off call.",
        "on_outside_hours": "You're back on your on-call hours ({hours}). It's outside them now, so alerts start then.",
        "on_needs_start": "You asked for no messages (STOP). Text START to get messages again and be back on call.",
        "back_on_call": "You're back on call, within your roster hours.",
    },
    "es": {
        "off": "Estás fuera de guardia: no recibirás alertas nuevas hasta que escribas DE GUARDIA (u ON).",
        "off_passed": "Pasamos a otra persona lo que esperaba tu respuesta ({refs}).",
        "off_kept_one": "Sigues con {count} conversación(es) abierta(s) ({refs}): siguen contigo; escribe DONE {first} y el resultado al terminar.",
        "off_kept_many": "Sigues con {count} conversación(es) abierta(s) ({refs}): siguen contigo; escribe DONE {first} y el resultado al terminar.",
        "off_none": "No tienes conversaciones abiertas.",
        "off_coordinator": "Las solicitudes que nadie acepte esperarán hasta que vuelvas.",
        "on_in_hours": "Estás de guardia: las alertas nuevas llegan a este número. Escribe FUERA DE GUARDIA (u OFF) para dejarla.",
        "on_outside_hours": "Vuelves a tu horario de guardia ({hours}). Ahora estás fuera de él: las alertas llegarán entonces.",
        "on_needs_start": "Pediste no recibir mensajes (ALTO). Escribe INICIAR para volver a recibirlos y estar de guardia.",
        "back_on_call": "Vuelves a estar de guardia según tu horario.",
    },
}


def gone_off(kept: list[str], passed: list[str], is_coordinator: bool, language: str) -> str:
    words = [phrase(SPECIALIST, language, "off")]
    if passed:
        words.append(phrase(SPECIALIST, language, "off_passed", refs=", ".join(passed)))
    if kept:
        words.append(phrase(SPECIALIST, language, "off_kept_one" if len(kept) == 1 else "off_kept_many",
                            count=len(kept), refs=", ".join(kept), first=kept[0]))
    else:
        words.append(phrase(SPECIALIST, language, "off_none"))
    if is_coordinator:
        words.append(phrase(SPECIALIST, language, "off_coordinator"))
    return " ".join(words)


def gone_on(hours: str | None, in_hours: bool, language: str) -> str:
    return phrase(SPECIALIST, language, "on_in_hours" if in_hours else "on_outside_hours", hours=hours)


def on_needs_start(language: str) -> str:
    return phrase(SPECIALIST, language, "on_needs_start")


def back_on_call(language: str) -> str:
    return phrase(SPECIALIST, language, "back_on_call")


def done_reminder(handoff: Handoff, wait_seconds: float) -> str:
    return (
        f"Health Hub {handoff.ref} has been open {duration_words(wait_seconds)} since you accepted it. When it's over, reply "
        f"DONE {handoff.ref} reached, engaged, declined, unreachable or other. Without a DONE in {duration_words(wait_seconds)}, "
        f"it goes to the coordinator."
    )


def done_overdue_coordinator(handoff: Handoff, specialist_name: str | None) -> str:
    who = specialist_name or "a specialist"
    return (
        f"Health Hub {handoff.ref} needs the coordinator: {who} accepted it and sent no DONE after a reminder. "
        f"It's yours now: the person's texts come to you starting '{handoff.ref}:', and text here to reach them. "
        f"When it's over, reply DONE {handoff.ref} and how it ended."
    )


def done_overdue_specialist(handoff: Handoff) -> str:
    return f"Health Hub {handoff.ref} went to the coordinator: no DONE came after the reminder. Nothing you text here reaches the person now."


def closed_stale(handoff: Handoff, days: float) -> str:
    return f"Health Hub {handoff.ref} was closed as stale: still open {days:g} days after it was made, with no outcome."
