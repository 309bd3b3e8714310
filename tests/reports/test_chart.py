"""The server-drawn SVG chart."""

from __future__ import annotations

from lms.reports.chart import bar_chart
from tests.security.helpers import html_problems


def test_bars_scale_to_round_gridlines():
    chart = bar_chart("Completions", [("Jan", 0), ("Feb", 7), ("Mar", 23)])
    assert [t.value for t in chart.ticks] == [0, 10, 20, 30]
    heights = [bar.height for bar in chart.bars]
    assert heights[0] == 0 and heights[2] > heights[1] > 0
    assert chart.bars[2].y + chart.bars[2].height == chart.baseline
    assert chart.description == "30 completions between Jan and Mar; the most in Mar (23)."


def test_empty_and_long_series():
    empty = bar_chart("Completions", [("Jan", 0), ("Feb", 0)])
    assert empty.description == "No completions between Jan and Feb."
    assert all(bar.height == 0 for bar in empty.bars)
    long = bar_chart("Completions", [(str(n), n) for n in range(24)])
    assert sum(bar.show_label for bar in long.bars) == 12


def test_the_scan_refuses_svg_that_could_do_anything():
    assert html_problems('<svg viewBox="0 0 1 1" role="img"><rect x="1"></rect></svg>') == []
    for bad in (
        "<svg><script>alert(1)</script></svg>",
        '<svg onload="alert(1)"></svg>',
        '<svg><a href="https://x.example"><text>x</text></a></svg>',
        "<svg><foreignObject></foreignObject></svg>",
        '<svg><animate attributeName="href" to="javascript:alert(1)"></animate></svg>',
        '<svg><use href="#x"></use></svg>',
    ):
        assert html_problems(bad), bad
