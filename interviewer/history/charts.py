"""Charts for the report and the history, as matplotlib figures (any front end can show or save them).

The report's bars follow the framework order with Overall set apart; the history plots each mode's
overall score over time as its own line with a marker per session and date ticks.
"""

from __future__ import annotations

from datetime import datetime

from .progress import Progress
from .report import Report

STAGE_COLOUR, OVERALL_COLOUR, BAR_LINE = "#6b8fd6", "#e07b39", 3.0
MODE_LABELS = {"design": "Design interview", "drill": "Trap drill", "grill": "Grill", "review": "Review"}


def report_figure(report: Report):
    """Scores (0-4) per stage in framework order, a gap, then Overall in its own colour; a dashed line at 3."""
    from matplotlib.figure import Figure  # no pyplot: no global state, no screen; imported when first drawn

    rows = report.chart_rows
    fig = Figure(figsize=(8, 3.2), dpi=100)
    ax = fig.subplots()
    if not rows:
        ax.text(0.5, 0.5, "Nothing graded yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    parts = rows[:-1]
    xs = list(range(len(parts))) + [len(parts) + 0.6]
    colours = [STAGE_COLOUR] * len(parts) + [OVERALL_COLOUR]
    bars = ax.bar(xs, [r[1] for r in rows], color=colours, width=0.7)
    ax.bar_label(bars, labels=[f"{r[1]:.1f}" for r in rows], padding=2, fontsize=8)
    ax.set_xticks(xs, [_wrap(r[0]) for r in rows], fontsize=8)
    ax.set_ylim(0, 4.4)
    ax.set_ylabel("score (0-4)")
    ax.axhline(BAR_LINE, color="#999", linestyle="--", linewidth=0.8)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def trend_figure(progress: Progress, modes: dict[str, str]):
    """Each mode's overall score over the ended sessions (`modes`: session id → mode), markers on every point."""
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 3.2), dpi=100)
    ax = fig.subplots()
    by_mode: dict[str, list[tuple[datetime, float]]] = {}
    for when, sid, score in progress.trend:
        by_mode.setdefault(modes.get(sid, "other"), []).append((datetime.fromtimestamp(when), score))
    if not by_mode:
        ax.text(0.5, 0.5, "No finished interviews yet: end one to see your trend", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    for mode, points in sorted(by_mode.items()):
        points.sort()
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=MODE_LABELS.get(mode, mode))
    locator = mdates.AutoDateLocator(minticks=2, maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_ylim(0, 4.2)
    ax.set_ylabel("overall (0-4)")
    ax.legend(fontsize=8, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def _wrap(label: str, width: int = 14) -> str:
    words, lines, line = label.split(), [], ""
    for w in words:
        if line and len(line) + len(w) + 1 > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return "\n".join([*lines, line])
