"""Charts as vector SVG (pygal), embedded in the PDF as data URIs so they print sharply.

pygal's interactive JavaScript is left out; the style uses DejaVu Sans like the text so
that å ä ö render the same in charts and tables.
"""

from __future__ import annotations

import base64
import math
import sys
from collections.abc import Sequence

import pygal
from pygal.style import Style

# pygal appends an import hook for its `pygal.maps` plugins to sys.meta_path; it lacks
# find_spec, so every later import anywhere in the process raises an ImportWarning
# (an error under pytest's filterwarnings). We use no map plugins: take it out again.
sys.meta_path[:] = [
    finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"
]

CHART_WIDTH_PX = 760
CHART_HEIGHT_PX = 300
PALETTE = ("#1f4e79", "#7fa7d1", "#b45f06", "#f3b26b", "#38761d", "#a61c00")
# Compliance charts: within the rules in blue, violations in red.
VERDICT_COLOURS = ("#1f4e79", "#b3261e")
Y_TICKS = 5


def _style(colours: Sequence[str]) -> Style:
    return Style(
        font_family="DejaVu Sans",
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#222222",
        foreground_strong="#111111",
        foreground_subtle="#888888",
        opacity="1",
        opacity_hover="1",
        colors=tuple(colours),
        title_font_size=15,
        label_font_size=11,
        major_label_font_size=11,
        legend_font_size=12,
        value_font_size=11,
    )


def _data_uri(chart: pygal.graph.graph.Graph) -> str:
    svg = chart.render(is_unicode=True)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _integer_ticks(highest: int) -> list[int]:
    """Counts get whole-number ticks (0, 2, 4 …), never 0.8 or 1.6."""
    step = max(1, math.ceil(highest / Y_TICKS))
    return list(range(0, highest + step, step))


def _common(title: str, colours: Sequence[str], highest: int) -> dict[str, object]:
    return {
        "style": _style(colours),
        "y_labels": _integer_ticks(highest),
        "width": CHART_WIDTH_PX,
        "height": CHART_HEIGHT_PX,
        "title": title,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 4,
        "js": [],
        "print_values": False,
        "show_minor_y_labels": False,
        "y_labels_major_every": 1,
        "truncate_label": -1,
        "min_scale": 1,
        "max_scale": 6,
    }


def stacked_bars(
    title: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    colours: Sequence[str] = PALETTE,
) -> str:
    """A stacked bar chart, one bar per x label, as an SVG data URI."""
    highest = max((sum(column) for column in zip(*(v for _, v in series), strict=True)), default=0)
    chart = pygal.StackedBar(**_common(title, colours, highest))
    chart.x_labels = list(x_labels)
    for name, values in series:
        chart.add(name, list(values))
    return _data_uri(chart)


def bars(title: str, x_labels: Sequence[str], name: str, values: Sequence[int]) -> str:
    """A single-series bar chart (a histogram when the labels are buckets)."""
    chart = pygal.Bar(**{**_common(title, PALETTE, max(values, default=0)), "show_legend": False})
    chart.x_labels = list(x_labels)
    chart.add(name, list(values))
    return _data_uri(chart)
