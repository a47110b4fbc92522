"""The handoff log's events are a vocabulary (LogEvent, beside State): no call to engine.log and no
comparison with HandoffLog.event names one as a bare string, and the stored words are unchanged."""
import ast

from bot.handoff.states import LogEvent
from tests.conftest import PROJECT_ROOT

# Functions whose every event argument is a log event: engine.log(session, handoff, EVENT, ...) and
# engine._last(session, handoff, *EVENTS).
EVENT_ARGUMENTS = {"log": slice(2, 3), "_last": slice(2, None)}


def _strings(node: ast.AST) -> list[str]:
    """The bare strings a node is or holds (a tuple or list of them)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [s for element in node.elts for s in _strings(element)]
    return []


def _is_event_column(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "event" and getattr(node.value, "id", None) == "HandoffLog"


def bare_events(source: str) -> list[tuple[int, str]]:
    """(line, word) of every bare string used as a handoff log event in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name in EVENT_ARGUMENTS and not (isinstance(node.func, ast.Attribute) and _is_event_column(node.func.value)):
                receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
                if receiver is None or getattr(receiver, "id", None) == "engine":
                    for argument in node.args[EVENT_ARGUMENTS[name]]:
                        found += [(node.lineno, s) for s in _strings(argument)]
                    found += [(node.lineno, s) for k in node.keywords if k.arg == "event" for s in _strings(k.value)]
            # HandoffLog.event.in_((...)) and HandoffLog.event.like(...) (a pattern, allowed: it names no one event)
            if isinstance(node.func, ast.Attribute) and node.func.attr in ("in_", "not_in") and _is_event_column(node.func.value):
                found += [(node.lineno, s) for argument in node.args for s in _strings(argument)]
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_is_event_column(side) for side in sides):
                found += [(node.lineno, s) for side in sides for s in _strings(side)]
    return found


def test_no_handoff_log_event_is_a_bare_string():
    offenders = []
    for folder in ("bot", "actions"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            offenders += [f"{path.relative_to(PROJECT_ROOT)}:{line}: {word!r}" for line, word in bare_events(path.read_text())]
    assert not offenders, "name the event as a LogEvent member (bot/handoff/states.py):\n" + "\n".join(offenders)


def test_the_scan_finds_each_kind_of_bare_event():
    source = '''
engine.log(session, handoff, "alerted", now)
log(session, handoff, "expired", now)
log(session, handoff, event="stale", now=now)
_last(session, handoff, "handed_on", "accepted")
select(HandoffLog.id).where(HandoffLog.event == "accepted", HandoffLog.event.in_(("alerted", "escalated")))
"call_dialed" != HandoffLog.event
engine.log(session, handoff, LogEvent.ALERTED, now, detail="by phone")
select(HandoffLog.event).where(HandoffLog.event.like("intro_%"))
logger.log("info", "not an event")
'''
    assert sorted(bare_events(source)) == [
        (2, "alerted"), (3, "expired"), (4, "stale"), (5, "accepted"), (5, "handed_on"),
        (6, "accepted"), (6, "alerted"), (6, "escalated"), (7, "call_dialed")]


def test_the_stored_words_are_unchanged():
    # What handoff_log.event has always held: no migration, and old rows read back as members.
    assert {event.value for event in LogEvent} == {
        "created", "alerted", "unassigned", "escalated", "expired", "passed", "handed_on", "timed_out", "done_reminder",
        "done_overdue", "stale", "accepted", "closed", "re_contact", "undelivered", "relay_failed_person",
        "relay_failed_specialist", "call_dialed", "call_no_answer", "call_busy", "call_failed", "call_canceled",
        "call_not_accepted", "intro_dialed", "intro_joined", "intro_declined", "intro_no_answer", "intro_failed"}
    assert LogEvent.RE_CONTACT == "re_contact" and f"{LogEvent.ACCEPTED}" == "accepted" and LogEvent("stale") is LogEvent.STALE
    assert {"intro_declined": 1}[LogEvent.INTRO_DECLINED] == 1  # a member finds its word's dict entry
