"""Server-side SVG charts: line and bar charts readable without hovering.

Each chart has a title, a y axis with tick labels, an x axis labelled with each
point's label, and the value written next to every point. Every data point is an
element with ``class="point"`` (a ``circle`` in line charts, a ``rect`` in bar charts),
which the tests count; a value that is not known (``None``) is an open circle on the x
axis, ``class="point missing"``, so every x label keeps its point. Tick labels carry the
decimals the step needs (0.5%, 1.0%, 1.5%) and never repeat; values are written with
the same decimals. A format is ``fmt(value, decimals)``. Text is escaped; no script runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["Format", "Series", "bar_chart", "line_chart", "nice_ticks", "tick_decimals"]

Format = Callable[[float, int], str]
"""A value as text, with the number of decimals the chart's ticks need."""
MAX_DECIMALS = 6

WIDTH, HEIGHT = 560, 280
# Room above the plot for the title (y 18), the legend (y 34) and the top point's value.
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 58, 58
COLOURS = ("#1f6fb2", "#d9822b", "#2e9e5b", "#b23a48")


@dataclass(frozen=True)
class Series:
    """One line of a chart: a name (shown in the legend) and one value per x label."""

    name: str
    values: Sequence[float | None]


def _plain(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least ``top``: 0, 5, 10, 15, 20 and the like."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def tick_decimals(ticks: Sequence[float], fmt: Format) -> int:
    """The fewest decimals that write the step exactly and tell every tick apart."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    exact = next(
        d for d in range(MAX_DECIMALS + 1) if abs(round(step, d) - step) < 1e-9 or d == MAX_DECIMALS
    )
    for decimals in range(exact, MAX_DECIMALS + 1):
        if len({fmt(t, decimals) for t in ticks}) == len(ticks):
            return decimals
    return exact


def _tick_labels(ticks: Sequence[float], fmt: Format, decimals: int) -> list[str]:
    """Each tick's label; a label equal to the one below it is left out (a format that
    cannot tell them apart, such as a size in MB), so no two ticks read the same."""
    labels: list[str] = []
    for tick in ticks:
        text = fmt(tick, decimals)
        labels.append("" if text in labels else text)
    return labels


class _Frame:
    """Maps data to the plot area, and draws the axes, ticks and labels."""

    def __init__(self, labels: Sequence[str], top: float, fmt: Format) -> None:
        self.labels = list(labels)
        self.ticks = nice_ticks(top)
        self.top = self.ticks[-1]
        self.decimals = tick_decimals(self.ticks, fmt)
        self.fmt = fmt
        self.plot_w = WIDTH - LEFT - RIGHT
        self.plot_h = HEIGHT - TOP - BOTTOM

    def text(self, value: float) -> str:
        """A point's value: the ticks' decimals, and one more below 10 where they would
        round it (1.8% is not written 2% beside a 2% tick)."""
        decimals = self.decimals
        if abs(value) < 10 and round(value, decimals) != value:
            decimals = max(decimals, 1)
        return self.fmt(value, decimals)

    def slot(self) -> float:
        return self.plot_w / max(1, len(self.labels))

    def x(self, index: int) -> float:
        return LEFT + self.slot() * (index + 0.5)

    def y(self, value: float) -> float:
        return TOP + self.plot_h * (1 - value / self.top)

    def axes(self) -> list[str]:
        base = TOP + self.plot_h
        parts = [
            f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{base}"/>',
            f'<line class="axis" x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}"/>',
        ]
        for tick, label in zip(
            self.ticks, _tick_labels(self.ticks, self.fmt, self.decimals), strict=True
        ):
            y = self.y(tick)
            parts.append(
                f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>'
            )
            if label:
                parts.append(
                    f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                    f"{escape(label)}</text>"
                )
        every = max(1, math.ceil(len(self.labels) / 12))  # at most 12 x labels fit
        for index, label in enumerate(self.labels):
            if index % every == 0:
                x = self.x(index)
                parts.append(
                    f'<text class="xlabel" x="{x:.1f}" y="{base + 14}" text-anchor="end" '
                    f'transform="rotate(-30 {x:.1f} {base + 14})">{escape(label)}</text>'
                )
        return parts


def _svg(title: str, body: list[str], series: Sequence[Series]) -> str:
    legend = []
    if len(series) > 1:
        for index, line in enumerate(series):
            x = LEFT + 130 * index
            colour = COLOURS[index % len(COLOURS)]
            legend.append(
                f'<rect x="{x}" y="25" width="10" height="10" fill="{colour}"/>'
                f'<text class="legend" x="{x + 14}" y="34">{escape(line.name)}</text>'
            )
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}">'
        f'<text class="title" x="{LEFT}" y="16">{escape(title)}</text>'
        + "".join(legend)
        + "".join(body)
        + "</svg>"
    )


def _top(series: Sequence[Series]) -> float:
    return max((v for s in series for v in s.values if v is not None), default=0.0)


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    fmt: Format = _plain,
) -> str:
    """A line chart: one polyline per series, a circle and its value at every point."""
    frame = _Frame(labels, _top(series), fmt)
    body = frame.axes()
    for index, line in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        points = [(i, v) for i, v in enumerate(line.values) if v is not None]
        coords = " ".join(f"{frame.x(i):.1f},{frame.y(v):.1f}" for i, v in points)
        if len(points) > 1:
            body.append(f'<polyline class="line" fill="none" stroke="{colour}" points="{coords}"/>')
        for i, value in enumerate(line.values):
            body.append(_point(frame, i, value, (line.name, colour, index)))
    return _svg(title, body, series)


def _point(frame: _Frame, i: int, value: float | None, line: tuple[str, str, int]) -> str:
    """One point, its value written above it; an unknown value an open circle at 0.
    ``line``: the series' name, colour and row (which lifts its values' text)."""
    name, colour, row = line
    x, y = frame.x(i), frame.y(value or 0.0)
    if value is None:
        return (
            f'<circle class="point missing" cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#fff" '
            f'stroke="{colour}" data-value=""><title>{escape(name)}: not known</title></circle>'
        )
    text = escape(frame.text(value))
    return (
        f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}" '
        f'data-value="{value:g}"><title>{escape(name)}: {text}</title></circle>'
        f'<text class="value" x="{x:.1f}" y="{y - 7 - 11 * row:.1f}" '
        f'text-anchor="middle" fill="{colour}">{text}</text>'
    )


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    fmt: Format = _plain,
) -> str:
    """A bar chart: one bar per label, its value written above it."""
    frame = _Frame(labels, max(values, default=0.0), fmt)
    body = frame.axes()
    width = frame.slot() * 0.6
    base = frame.y(0)
    for index, value in enumerate(values):
        x, y = frame.x(index), frame.y(value)
        body.append(
            f'<rect class="point bar" x="{x - width / 2:.1f}" y="{y:.1f}" width="{width:.1f}" '
            f'height="{base - y:.1f}" fill="{COLOURS[0]}" data-value="{value:g}"/>'
            f'<text class="value" x="{x:.1f}" y="{y - 4:.1f}" text-anchor="middle">'
            f"{escape(frame.text(value))}</text>"
        )
    return _svg(title, body, [Series(title, values)])
