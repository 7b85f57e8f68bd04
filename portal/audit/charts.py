"""Charts of the review page as inline SVG, drawn on the server: no scripts, no front-end build.

Colours are presentation attributes (not ``style``), so the strict CSP needs no exception;
every label is escaped; each bar has a ``<title>`` (hover text) with its exact figure.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from markupsafe import Markup, escape

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf"]


def _days(start: dt.date, end: dt.date) -> list[str]:
    count = (end - start).days + 1
    return [(start + dt.timedelta(days=i)).isoformat() for i in range(max(count, 0))]


def stacked_days(rows: list[tuple[str, str, int]], start: dt.date, end: dt.date, labels: dict[str, str],
                 *, title: str, width: int = 760, height: int = 240) -> Markup:
    """Events per day, one stacked bar per day, one colour per action (with a legend)."""
    days = _days(start, end)[-92:]  # at most three months of bars
    by_day: dict[str, dict[str, int]] = defaultdict(dict)
    totals: dict[str, int] = defaultdict(int)
    for day, action, count in rows:
        by_day[day][action] = count
        totals[action] += count
    actions = sorted(totals, key=lambda a: -totals[a])
    colours = {a: PALETTE[i % len(PALETTE)] for i, a in enumerate(actions)}
    top = max((sum(v.values()) for v in by_day.values()), default=0) or 1
    left, bottom, plot_h = 40, 40, height - 70
    bar_w = max((width - left - 10) / max(len(days), 1), 1.0)
    parts = [f'<svg class="audit-chart" role="img" viewBox="0 0 {width} {height + 20 * ((len(actions) + 3) // 4)}" '
             f'width="100%" aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<text x="{left}" y="14" font-size="14">{escape(title)}</text>',
             f'<text x="4" y="{height - bottom - plot_h + 10}" font-size="13">{top}</text>',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="#666"/>']
    for i, day in enumerate(days):
        x = left + i * bar_w
        y = float(height - bottom)
        for action in actions:
            count = by_day.get(day, {}).get(action, 0)
            if not count:
                continue
            h = count / top * plot_h
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar_w - 1, 0.5):.1f}" height="{h:.1f}" '
                         f'fill="{colours[action]}"><title>{escape(day)} {escape(labels.get(action, action))}: '
                         f'{count}</title></rect>')
        if i % max(len(days) // 8, 1) == 0:
            parts.append(f'<text x="{x:.1f}" y="{height - bottom + 14}" font-size="13">{escape(day[5:])}</text>')
    for i, action in enumerate(actions):
        lx, ly = left + (i % 4) * 180, height + (i // 4) * 20
        parts.append(f'<rect x="{lx}" y="{ly - 10}" width="10" height="10" fill="{colours[action]}"/>'
                     f'<text x="{lx + 14}" y="{ly}" font-size="13">{escape(labels.get(action, action))} '
                     f'({totals[action]})</text>')
    if not rows:
        parts.append(f'<text x="{left + 10}" y="{height / 2:.0f}" font-size="14">–</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every label above went through escape())


def horizontal_bars(
    items: list[tuple[str, int]], *, title: str, width: int = 460, link: list[str] | None = None
) -> Markup:
    """One bar per item (label, count), longest first; ``link`` gives each label an href."""
    row_h, label_w = 22, 190
    height = 24 + row_h * max(len(items), 1)
    top = max((n for _label, n in items), default=0) or 1
    parts = [f'<svg class="audit-chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<text x="0" y="14" font-size="14">{escape(title)}</text>']
    for i, (label, count) in enumerate(items):
        y = 24 + i * row_h
        shown = label if len(label) <= 16 else label[:15] + "…"
        text = f'<text x="0" y="{y + 14}" font-size="13">{escape(shown)}<title>{escape(label)}</title></text>'
        if link:
            text = f'<a href="{escape(link[i])}">{text}</a>'
        bar = (width - label_w - 50) * count / top
        parts.append(text + f'<rect x="{label_w}" y="{y + 3}" width="{bar:.1f}" height="{row_h - 6}" '
                     f'fill="{PALETTE[0]}">'
                     f'<title>{escape(label)}: {count}</title></rect>'
                     f'<text x="{label_w + bar + 4:.1f}" y="{y + 14}" font-size="13">{count}</text>')
    if not items:
        parts.append('<text x="0" y="40" font-size="14">–</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every label above went through escape())
