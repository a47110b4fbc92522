"""The queue in front of Rasa: priority, first come first served, the bound, one sender's order."""
from __future__ import annotations

import asyncio

from bot.channels.admission import (
    Admission,
    AwaitingHandoff,
    Deadline,
    PastDeadline,
    Priority,
    awaiting_handoff,
    priority_of,
    within,
)


def run(coroutine):
    return asyncio.new_event_loop().run_until_complete(coroutine)


def test_waiting_turns_go_in_by_priority_then_in_arrival_order():
    async def scenario():
        admission = Admission(in_flight=1, bound=100)
        order = []

        async def turn(name, priority):
            async with admission.turn(priority):
                order.append(name)
                await asyncio.sleep(0.01)

        async with admission.turn(Priority.OTHER):  # Rasa busy: everyone else waits
            tasks = [asyncio.ensure_future(turn(name, priority)) for name, priority in (
                ("search 1", Priority.OTHER), ("consent answer", Priority.HANDOFF), ("search 2", Priority.OTHER),
                ("overdose", Priority.EMERGENCY), ("referral", Priority.HANDOFF))]
            await asyncio.sleep(0.01)
            assert admission.waiting == 5
        await asyncio.gather(*tasks)
        return order

    assert run(scenario()) == ["overdose", "consent answer", "referral", "search 1", "search 2"]


def test_no_more_turns_than_in_flight_at_once_and_none_lost():
    async def scenario():
        admission = Admission(in_flight=3, bound=100)
        busy = most = done = 0

        async def turn():
            nonlocal busy, most, done
            async with admission.turn(Priority.OTHER):
                busy += 1
                most = max(most, busy)
                await asyncio.sleep(0.005)
                busy -= 1
                done += 1

        await asyncio.gather(*(turn() for _ in range(50)))
        return most, done, admission.waiting

    assert run(scenario()) == (3, 50, 0)


def test_a_cancelled_wait_leaves_no_hole_and_takes_no_place():
    async def scenario():
        admission = Admission(in_flight=1, bound=100)
        async with admission.turn(Priority.OTHER):
            waiter = asyncio.ensure_future(admission.turn(Priority.OTHER).__aenter__())
            await asyncio.sleep(0)
            waiter.cancel()
            await asyncio.sleep(0)
            assert admission.waiting == 0
        async with admission.turn(Priority.OTHER):  # the place is free again
            return True

    assert run(scenario())


def test_crowded_once_as_many_wait_as_the_bound():
    async def scenario():
        admission = Admission(in_flight=1, bound=2)
        async with admission.turn(Priority.OTHER):
            tasks = [asyncio.ensure_future(admission.turn(Priority.OTHER).__aenter__()) for _ in range(2)]
            await asyncio.sleep(0)
            crowded = admission.crowded()
            for task in tasks:
                task.cancel()
        return crowded

    assert run(scenario())
    assert not Admission(in_flight=1, bound=2).crowded()


def test_the_bound_is_half_a_deadline_of_measured_capacity():
    assert Admission.sized(in_flight=4, capacity=15, deadline=8).bound == 60
    assert Admission.sized(in_flight=4, capacity=0.5, deadline=1).bound == 1


def test_one_senders_turns_run_one_at_a_time_in_order_while_others_go_on():
    async def scenario():
        admission = Admission(in_flight=10, bound=100)
        log = []

        async def text(key, name, pause):
            async with admission.sender(key):
                log.append(f"start {name}")
                await asyncio.sleep(pause)
                log.append(f"end {name}")

        await asyncio.gather(text("a", "a1", 0.03), text("a", "a2", 0.0), text("b", "b1", 0.0))
        return log, admission._senders

    log, senders = run(scenario())
    assert log.index("end a1") < log.index("start a2")
    assert log.index("end b1") < log.index("end a1")  # another sender is not held up
    assert senders == {}  # nothing kept for a sender once their turns are done


def test_within_stops_waiting_when_told_but_never_cancels_the_work():
    async def scenario():
        work = asyncio.ensure_future(asyncio.sleep(0.2, result="answer"))
        told = asyncio.Event()
        asyncio.get_running_loop().call_later(0.01, told.set)
        early = await within(work, 5, unless=told)
        late = await within(work, 5)
        return early, late, work.result()

    assert run(scenario()) == (False, True, "answer")


def test_a_person_asked_for_consent_goes_before_other_texts_until_they_answer():
    key = "h-awaiting"
    assert priority_of(False, key) == Priority.OTHER
    awaiting_handoff.note(key, None, "utter_ask_handoff_consent")
    assert priority_of(False, key) == Priority.HANDOFF
    assert priority_of(True, key) == Priority.EMERGENCY
    awaiting_handoff.note(key, None, "utter_handoff_opened")
    assert priority_of(False, key) == Priority.OTHER
    awaiting_handoff.note(key, "referral_form", "utter_ask_referral_contact")
    assert priority_of(False, key) == Priority.HANDOFF
    awaiting_handoff.note(key, None, None)


def test_notes_expire_and_stay_bounded():
    notes = AwaitingHandoff(ttl=-1, limit=3)
    for i in range(10):
        notes.note(f"k{i}", "referral_form", None)
    assert not notes.waiting("k9") and len(notes._until) <= 3


def test_blocking_work_is_waited_for_within_what_is_left_of_the_deadline_then_a_grace_under_a_ceiling():
    import threading
    import time

    import pytest

    released = threading.Event()

    def stuck():  # a database call waiting on a lock
        released.wait(5)
        return "late"

    async def timed(deadline):
        started = time.monotonic()
        with pytest.raises(PastDeadline):
            await deadline.run(stuck)
        return time.monotonic() - started

    async def main():
        try:
            assert 0.25 <= await timed(Deadline(0.3, grace=0.1)) < 0.6  # what is left of the deadline
            spent = Deadline(0.3, started=time.monotonic() - 1.0, grace=0.2)  # a turn took the whole deadline
            assert 0.15 <= await timed(spent) < 0.5
            capped = Deadline(0.3, started=time.monotonic() - 1.0, grace=5.0, ceiling=1.1)  # never past the ceiling
            assert await timed(capped) < 0.4
            assert await Deadline(1.0).run(lambda: "quick") == "quick"
        finally:
            released.set()  # the work goes on, never cancelled: here it ends

    asyncio.run(main())
