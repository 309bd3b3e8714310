"""A small bar chart drawn on the server as SVG: no JavaScript, no chart library.

``bar_chart`` works out the geometry; ``templates/reports/_chart.html`` draws it inline,
with a title and description for screen readers and the same figures as a table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 16, 40
LABEL_CHAR_WIDTH, LABEL_GAP = 7, 14


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int
    show_label: bool


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class BarChart:
    title: str
    description: str
    bars: list[Bar]
    ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    baseline: float = HEIGHT - BOTTOM

    @property
    def right(self) -> int:
        return self.width - RIGHT


def _step(top: int) -> int:
    """A round step for about four gridlines up to ``top``."""
    if top <= 4:
        return 1
    raw = top / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    for nice in (1, 2, 5, 10):
        if raw <= nice * magnitude:
            return int(nice * magnitude)
    return int(10 * magnitude)


def bar_chart(title: str, points: Sequence[tuple[str, int]], unit: str = "completion") -> BarChart:
    """Bars for ``points`` (label, value), with gridlines at round numbers."""
    values = [value for _label, value in points]
    total = sum(values)
    highest = max(values, default=0)
    step = _step(highest)
    top = max(step * math.ceil(highest / step), step) if highest else 4
    plot_height = HEIGHT - TOP - BOTTOM
    plot_width = WIDTH - LEFT - RIGHT
    slot = plot_width / max(len(points), 1)
    # as many labels under the bars as fit side by side (12px text: ~7 units a character)
    longest = max((len(label) for label, _value in points), default=1)
    fit = max(1, int(plot_width // (longest * LABEL_CHAR_WIDTH + LABEL_GAP)))
    every = max(1, math.ceil(len(points) / fit))
    bars = []
    for index, (label, value) in enumerate(points):
        height = plot_height * value / top
        bars.append(
            Bar(
                x=round(LEFT + index * slot + slot * 0.15, 1),
                y=round(TOP + plot_height - height, 1),
                width=round(slot * 0.7, 1),
                height=round(height, 1),
                label=label,
                value=value,
                show_label=index % every == 0,
            )
        )
    ticks = [
        Tick(round(TOP + plot_height - plot_height * v / top, 1), v)
        for v in range(0, top + 1, step if highest else 1)
    ]
    plural = unit if total == 1 else unit + "s"
    if not points:
        description = "No periods to show."
    elif total == 0:
        description = f"No {unit}s between {points[0][0]} and {points[-1][0]}."
    else:
        best_label, best = max(points, key=lambda p: p[1])
        description = (
            f"{total} {plural} between {points[0][0]} and {points[-1][0]}; "
            f"the most in {best_label} ({best})."
        )
    return BarChart(title, description, bars, ticks)
