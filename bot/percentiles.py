"""Percentiles for reports and benchmarks, one definition for both: statistics.quantiles'
inclusive method, which interpolates between the two nearest ranks (the p95 of 1..101 is 96).
Figures stay comparable between `hub report` and bench/RESULTS.md."""
from __future__ import annotations

import statistics
from collections.abc import Iterable
from typing import TypeVar

_Default = TypeVar("_Default", float, None)


def percentile(values: Iterable[float], q: float, default: _Default = None) -> float | _Default:  # type: ignore[assignment]  # the default of the TypeVar is its None case
    """The q-quantile of `values`, q in whole percents (0.5, 0.9, 0.95, 0.99); `default` when
    there are none."""
    percent = round(q * 100)
    if not 0 < percent < 100 or abs(q * 100 - percent) > 1e-9:
        raise ValueError(f"a percentile in whole percents between 0 and 1, not {q!r}")
    data = sorted(values)
    if not data:
        return default
    if len(data) == 1:  # statistics.quantiles wants two (before Python 3.13)
        return data[0]
    return statistics.quantiles(data, n=100, method="inclusive")[percent - 1]
