"""One percentile for reports and benchmarks: statistics.quantiles' inclusive method."""
import math

import pytest

from bot.percentiles import percentile


def test_interpolates_between_the_nearest_ranks():
    assert percentile(range(1, 102), 0.95) == 96.0
    assert percentile([1, 2, 3, 4, 10], 0.5) == 3.0
    assert percentile([1, 2, 3, 4, 10], 0.9) == pytest.approx(7.6)
    assert percentile([10, 1, 4, 2, 3], 0.9) == pytest.approx(7.6)  # order does not matter


def test_the_same_figure_as_the_reports_had_before():
    """The handoff report's own definition before this helper: linear between ranks q·(n−1)."""
    def before(values, q):
        ordered = sorted(values)
        position = q * (len(ordered) - 1)
        low = int(position)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (position - low)

    values = [0.5 * i * i % 97 for i in range(1, 250)]
    for n in (2, 3, 7, 100, 249):
        for q in (0.5, 0.9, 0.95, 0.99):
            assert percentile(values[:n], q) == pytest.approx(before(values[:n], q))


def test_none_or_the_default_without_values_and_one_value_is_itself():
    assert percentile([], 0.95) is None
    assert math.isnan(percentile([], 0.95, default=float("nan")))
    assert percentile(iter([]), 0.5, default=0.0) == 0.0
    assert percentile([42.0], 0.99) == 42.0


@pytest.mark.parametrize("q", [0, 1, 0.995, -0.5, 95])
def test_only_whole_percents_between_0_and_1(q):
    with pytest.raises(ValueError):
        percentile([1.0, 2.0], q)
