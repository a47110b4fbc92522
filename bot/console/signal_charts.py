"""The console's pictures of the line's own signals (issue 35), drawn on the server as SVG like its
reports (bot/console/charts.py), so that the console's CSP stays as strict as it is: no tiles, no
map service, nothing fetched from outside.

- The map: each area's signals of the last 7 days as a shaded circle at its ZIP's centroid (its
  size and shade the count), and each alert sent in those days as the ring of its radius. Areas
  with fewer than MIN_SHOWN signals are not drawn, as public health dashboards suppress small
  counts; unplaced signals never are.
- A spike's signals by hour, for its area and neighbours, over the 24 h it was found on and the
  day before.
Counts and places only: never a number, a key or a word.
"""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.alerts.signals import UNPLACED, hour_of
from bot.db.models import AreaAlert, SignalCount, Spike
from bot.directory.geo import lookup_zip, miles_between

MAP_DAYS = 7
MIN_SHOWN = 3
SHADE = "#9b2d2d"
RING = "#1f5f8b"


def map_areas(session: Session, now: datetime) -> list[tuple[str, float, float, int]]:
    """(ZIP, latitude, longitude, signals) of the last MAP_DAYS, MIN_SHOWN or more each."""
    totals: dict[str, int] = defaultdict(int)
    for area, count in session.execute(select(SignalCount.area, SignalCount.count)
                                       .where(SignalCount.hour >= now - timedelta(days=MAP_DAYS), SignalCount.area != UNPLACED)):
        totals[area] += count
    out = []
    for area, total in sorted(totals.items()):
        place = lookup_zip(area)
        if place is not None and total >= MIN_SHOWN:
            out.append((area, place.latitude, place.longitude, total))
    return out


def _svg(figure, name: str) -> str:
    import io

    import matplotlib

    matplotlib.rcParams["svg.hashsalt"] = name  # the same data draws the same file
    matplotlib.rcParams["svg.fonttype"] = "none"
    out = io.StringIO()
    figure.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    return out.getvalue()


def _figure(width: float, height: float):
    import matplotlib

    matplotlib.use("Agg")  # no display on a server
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100)


def signals_map(session: Session, now: datetime) -> str:
    areas = map_areas(session, now)
    alerts = list(session.scalars(select(AreaAlert).where(AreaAlert.status == "sent",
                                                          AreaAlert.created_at >= now - timedelta(days=MAP_DAYS))))
    figure = _figure(7.5, 5.0)
    axes = figure.add_subplot()
    axes.set_title(f"Signals in the last {MAP_DAYS} days (areas with {MIN_SHOWN} or more) and alerts sent", fontsize=10)
    points = [(lat, lon) for _, lat, lon, _ in areas] + [(a.latitude, a.longitude) for a in alerts]
    if not points:
        axes.text(0.5, 0.5, f"No area with {MIN_SHOWN} or more signals, and no alert, in the last {MAP_DAYS} days",
                  ha="center", va="center", transform=axes.transAxes)
        axes.set_xticks([])
        axes.set_yticks([])
        return _svg(figure, "signals-map")
    middle = sum(lat for lat, _ in points) / len(points)
    squash = math.cos(math.radians(middle))  # an equirectangular view: a degree of longitude is shorter
    most = max((total for *_, total in areas), default=1)
    for area, lat, lon, total in areas:
        axes.scatter([lon * squash], [lat], s=80 + 900 * total / most, color=SHADE, alpha=0.25 + 0.6 * total / most,
                     edgecolors=SHADE, linewidths=1)
        axes.annotate(f"{area}: {total}", (lon * squash, lat), fontsize=8, ha="center", va="center")
    for alert in alerts:
        degrees = alert.radius_miles / 69.0  # miles in a degree of latitude
        from matplotlib.patches import Circle

        axes.add_patch(Circle((alert.longitude * squash, alert.latitude), degrees, fill=False, edgecolor=RING,
                              linewidth=1.5, linestyle="--"))
        axes.annotate(f"A-{alert.id}", (alert.longitude * squash, alert.latitude + degrees), fontsize=7, color=RING,
                      ha="center", va="bottom")
    axes.set_aspect("equal", adjustable="datalim")
    axes.margins(0.15)
    from matplotlib.ticker import FuncFormatter

    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x / squash:.2f}"))  # the longitude itself
    axes.set_xlabel("longitude")
    axes.set_ylabel("latitude")
    axes.tick_params(labelsize=7)
    return _svg(figure, "signals-map")


def spike_hours(session: Session, spike: Spike, radius_miles: float) -> list[tuple[datetime, int]]:
    """The signals of the spike's area and neighbours, by hour, over the 48 h up to it."""
    end = hour_of(spike.detected_at)
    start = end - timedelta(hours=47)
    counts: dict[datetime, int] = defaultdict(int)
    for hour, area, count in session.execute(select(SignalCount.hour, SignalCount.area, SignalCount.count)
                                             .where(SignalCount.hour >= start, SignalCount.hour <= end,
                                                    SignalCount.area != UNPLACED)):
        place = lookup_zip(area)
        if place and miles_between(spike.latitude, spike.longitude, place.latitude, place.longitude) <= radius_miles:
            counts[hour] += count
    return [(start + timedelta(hours=n), counts.get(start + timedelta(hours=n), 0)) for n in range(48)]


def spike_chart(session: Session, spike: Spike, radius_miles: float) -> str:
    hours = spike_hours(session, spike, radius_miles)
    figure = _figure(7.5, 2.6)
    axes = figure.add_subplot()
    axes.bar(range(len(hours)), [count for _, count in hours], color=SHADE)
    axes.axvline(23.5, color="#5a5a5a", linewidth=1, linestyle=":")
    axes.set_title(f"Signals by hour near {spike.area}, the 48 h up to the spike (the last 24 h right of the line)",
                   fontsize=9)
    ticks = list(range(0, 48, 6))
    axes.set_xticks(ticks)
    axes.set_xticklabels([hours[t][0].strftime("%d %H:00") for t in ticks], fontsize=7)
    axes.set_ylabel("signals")
    from matplotlib.ticker import MaxNLocator

    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    return _svg(figure, f"spike-{spike.id}")
