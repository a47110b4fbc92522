"""The console's reports: each a chart drawn on the server as SVG (matplotlib), the table it is
drawn from, and that table as CSV. Counts and timings only, never a number or a message."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.handoff.reports import report, weekly
from bot.spreadsheet import write_spreadsheet_csv

WEEKS = 12  # the period the reports cover, in weeks back from now
COLOURS = ("#1f5f8b", "#d9822b", "#2e8540", "#9b2d2d", "#6b4c9a", "#5a5a5a")


@dataclass(frozen=True)
class Report:
    name: str  # in URLs: /reports/<name>.svg and .csv
    title: str
    kind: str  # stacked | lines | bars
    columns: list[str]
    rows: list[dict]
    x: str  # the column along the horizontal axis
    series: list[str]  # the columns drawn

    def csv(self) -> str:
        out = io.StringIO()
        write_spreadsheet_csv(out, self.columns, self.rows)
        return out.getvalue()

    def svg(self) -> str:
        import matplotlib

        matplotlib.use("Agg")  # no display on a server
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        matplotlib.rcParams["svg.hashsalt"] = self.name  # the same data draws the same file
        matplotlib.rcParams["svg.fonttype"] = "none"  # text as text: smaller, and readable by a screen reader
        figure = Figure(figsize=(7.5, 3.2), dpi=100)
        axes = figure.add_subplot()  # one Axes (subplots() is typed as maybe an array of them)
        labels = [str(row[self.x]) for row in self.rows]
        positions = list(range(len(labels)))
        drawn = any(row[column] for row in self.rows for column in self.series)
        if not drawn:
            axes.text(0.5, 0.5, "No data in this period", ha="center", va="center", transform=axes.transAxes)
            axes.set_yticks([])
        elif self.kind == "lines":
            for colour, column in zip(COLOURS, self.series):
                values = [row[column] if row[column] is not None else float("nan") for row in self.rows]
                axes.plot(positions, values, marker="o", color=colour, label=_label(column))
        else:
            bottom = [0.0] * len(self.rows)
            width = 0.8 if self.kind == "stacked" else 0.8 / len(self.series)
            for index, (colour, column) in enumerate(zip(COLOURS, self.series)):
                values = [row[column] or 0 for row in self.rows]
                if self.kind == "stacked":
                    axes.bar(positions, values, width, bottom=bottom, color=colour, label=_label(column))
                    bottom = [b + v for b, v in zip(bottom, values)]
                else:
                    offset = (index - (len(self.series) - 1) / 2) * width
                    axes.bar([p + offset for p in positions], values, width, color=colour, label=_label(column))
            axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 0.2 of a handoff
        if self.rows:
            axes.set_xticks(positions)
            axes.set_xticklabels(labels, rotation=30 if len(labels) > 4 else 0, ha="right" if len(labels) > 4 else "center",
                                 fontsize=8)
            if drawn:
                axes.legend(fontsize=8, frameon=False)
        axes.set_title(self.title, fontsize=10)
        axes.spines["top"].set_visible(False)
        axes.spines["right"].set_visible(False)
        figure.tight_layout()
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
        return out.getvalue()


def _label(column: str) -> str:
    return column.replace("time_to_accept_minutes_", "").replace("_", " ")


def reports(session: Session, sla_seconds: float, now: datetime) -> list[Report]:
    since = now - timedelta(weeks=WEEKS)
    weeks = weekly(session, since)
    sources = sorted({source for row in weeks for source in row["by_source"]})
    per_week = [{"week": row["week"], **row["by_source"], "total": sum(row["by_source"].values())} for row in weeks]
    figures = report(session, sla_seconds, since)
    outcomes = [{"outcome": outcome, "handoffs": count} for outcome, count in sorted(figures["outcomes"].items())]
    agencies = [{"agency": agency, "referrals": row["referrals"], "consented": row["consented"],
                 "consent_rate_percent": row["consent_rate_percent"],
                 "accepted_within_sla_percent": row["accepted_within_sla_percent"]}
                for agency, row in sorted(figures["agencies"].items())]
    return [
        Report("handoffs-per-week", "Handoffs per week, by source", "stacked", ["week", *sources, "total"], per_week,
               "week", sources),
        Report("time-to-accept", "Time to accept (minutes), p50 and p90", "lines",
               ["week", "accepted", "time_to_accept_minutes_p50", "time_to_accept_minutes_p90"],
               [{k: row[k] for k in ("week", "accepted", "time_to_accept_minutes_p50", "time_to_accept_minutes_p90")}
                for row in weeks], "week", ["time_to_accept_minutes_p50", "time_to_accept_minutes_p90"]),
        Report("outcomes", "Outcomes of handoffs", "bars", ["outcome", "handoffs"], outcomes, "outcome", ["handoffs"]),
        Report("agencies", "Referrals and consent rate per agency", "bars",
               ["agency", "referrals", "consented", "consent_rate_percent", "accepted_within_sla_percent"], agencies,
               "agency", ["referrals", "consented"]),
        follow_up_linkage(figures["linkage"]),
    ]


LINKAGE_COUNTS = ["sent", "answered", "connected", "reopened"]


def follow_up_linkage(linkage: dict) -> Report:
    """Check-ins sent, answered, connected (replied 1) and re-opened (2 or 3), in all, by the source
    of the first handoff and by the referring agency (bot/handoff/reports.py linkage, as `hub
    report`); re-contacts, the handoffs a reply re-opened, on the first row."""
    rows = [{"group": "all check-ins", **linkage["check_ins"], "re_contacts": linkage["re_contacts"]}]
    rows += [{"group": f"source: {name}", **row, "re_contacts": None} for name, row in sorted(linkage["by_source"].items())]
    rows += [{"group": f"agency: {name}", **row, "re_contacts": None} for name, row in sorted(linkage["by_agency"].items())]
    if not linkage["check_ins"]["sent"] and not linkage["re_contacts"]:
        rows = []
    return Report("follow-up-linkage", "Follow-up check-ins: sent, answered, connected, re-opened", "bars",
                  ["group", *LINKAGE_COUNTS, "re_contacts"], rows, "group", LINKAGE_COUNTS)
