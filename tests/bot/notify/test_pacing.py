"""HUB_SEND_RATE, on a fake clock: sends spaced 1/rate apart, no burst saved up while idle, and
claims of about a second's sending."""
import pytest

from bot.notify.pacing import SendPace


class FakeClock:
    def __init__(self):
        self.now, self.slept = 1000.0, []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_sends_are_spaced_at_the_rate():
    clock = FakeClock()
    pace = SendPace(4, clock=clock, sleep=clock.sleep)
    times = [pace.wait() for _ in range(9)]
    assert times == pytest.approx([1000 + i * 0.25 for i in range(9)])
    assert clock.now == pytest.approx(1002.0)  # 9 sends at 4 a second take 2 s: the first goes at once


def test_time_spent_between_sends_counts_towards_the_interval():
    clock = FakeClock()
    pace = SendPace(2, clock=clock, sleep=clock.sleep)
    pace.wait()
    clock.now += 0.3  # the send itself took 0.3 s
    pace.wait()
    assert clock.slept == [pytest.approx(0.2)]


def test_no_burst_is_saved_up_while_idle():
    clock = FakeClock()
    pace = SendPace(10, clock=clock, sleep=clock.sleep)
    pace.wait()
    clock.now += 3600  # an idle hour
    times = [pace.wait() for _ in range(3)]
    assert times == pytest.approx([4600.0, 4600.1, 4600.2])


def test_a_claim_covers_about_a_second_of_sending():
    assert SendPace(1).batch(20) == 1
    assert SendPace(0.2).batch(20) == 1
    assert SendPace(7.5).batch(20) == 7
    assert SendPace(1000).batch(20) == 20


@pytest.mark.parametrize("rate", [0, -1])
def test_a_rate_of_nothing_is_refused(rate):
    with pytest.raises(ValueError):
        SendPace(rate)


def test_workers_sharing_the_rate_each_claim_their_share_of_a_second():
    assert SendPace(10).batch(20, workers=2) == 5
    assert SendPace(100).batch(20, workers=4) == 20
    assert SendPace(1).batch(20, workers=3) == 1  # at least one
    assert SendPace(10).batch(20, workers=0) == 10  # nobody's heartbeat yet: this worker alone
