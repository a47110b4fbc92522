"""The console's Health page names a worker job that keeps failing (review 3), as `hub status` does."""
from __future__ import annotations

from tests.bot.console.test_app import console  # noqa: F401  (the console running as its own process)


def test_a_worker_job_failing_three_times_in_a_row_is_named_on_the_health_page(console, monkeypatch):  # noqa: F811
    from bot.config import get_settings
    from bot.worker import Job, Jobs

    monkeypatch.setenv("HUB_DATABASE_URL", console.database_url)  # the worker shares the console's database
    get_settings.cache_clear()
    now = [0.0]

    def purge(transport):
        raise RuntimeError("the tracker store cannot be reached")

    jobs = Jobs({"purge": Job(purge)}, clock=lambda: now[0])
    viewer, _ = console.sign_in("viewer@example.org")
    for _ in range(3):
        assert "purge job has failed" not in viewer.get(console.url + "/health").text
        jobs.run_due(None)
        now[0] += 400
    page = viewer.get(console.url + "/health").text
    assert "purge job has failed 3 times in a row (RuntimeError" in page and "worker_purge" in page
    Jobs({"purge": Job(lambda transport: 0)}).run_due(None)  # it works again
    assert "purge job has failed" not in viewer.get(console.url + "/health").text
