"""bot/blocking.py: blocking work off the event loop."""
import asyncio
import threading

from bot.blocking import run_blocking


def test_run_blocking_runs_off_the_event_loop_with_arguments():
    async def main():
        loop_thread = threading.get_ident()
        thread, value = await run_blocking(lambda a, b=0: (threading.get_ident(), a + b), 2, b=3)
        return thread != loop_thread, value

    assert asyncio.run(main()) == (True, 5)
