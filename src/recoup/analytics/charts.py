"""Charts of the management report as static SVG (matplotlib, no JavaScript).

Each chart is an ``<svg role="img">`` with a ``<title>`` that says what it shows, text
kept as text (searchable, read by screen readers and PDF text extraction); the numbers
behind it are always printed in a table beside it by the template. Amounts come in as
minor units and are drawn in major units (drawing only: no figure is computed here).
"""

import io
import re
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from recoup import money

# Colour-blind-safe (Okabe-Ito), oldest bucket darkest.
PALETTE = ("#009E73", "#56B4E9", "#E69F00", "#D55E00", "#CC79A7", "#0072B2", "#000000")
STYLE: dict[Any, Any] = {
    "svg.fonttype": "none",  # text stays text
    "svg.hashsalt": "recoup",  # the same chart gives the same SVG
    "font.size": 8,
    "font.family": "DejaVu Sans",
    "axes.spines.top": False,
    "axes.spines.right": False,
}
SIZE = (6.4, 2.6)
# Legends beside the plot, never over a bar.
LEGEND_BESIDE: dict[str, Any] = {
    "fontsize": 7,
    "loc": "upper left",
    "bbox_to_anchor": (1.0, 1.0),
    "frameon": False,
}


def _svg(figure: Figure, title: str, key: str) -> Markup:
    """The figure as inline SVG with an accessible title."""
    out = io.StringIO()
    with rc_context(STYLE):
        figure.savefig(out, format="svg", bbox_inches="tight")
    text = out.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<svg ", f'<svg role="img" aria-labelledby="{key}" ', text, count=1)
    opening_end = text.index(">") + 1
    title_tag = f'<title id="{key}">{escape(title)}</title>'
    return Markup(text[:opening_end] + title_tag + text[opening_end:])


def _major(minor: int, currency: str) -> float:
    return float(money.from_minor(minor, currency))


def _figure() -> Figure:
    with rc_context(STYLE):
        return Figure(figsize=SIZE)


def stacked_bars(
    *,
    key: str,
    title: str,
    months: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    currency: str,
) -> Markup:
    """Bars per month stacked by series (aging buckets), amounts in ``currency``."""
    with rc_context(STYLE):
        figure = _figure()
        axes = figure.add_subplot()
        bottom = [0.0] * len(months)
        for i, (label, values) in enumerate(series):
            heights = [_major(v, currency) for v in values]
            axes.bar(months, heights, bottom=bottom, label=label, color=PALETTE[i % len(PALETTE)])
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        axes.set_ylabel(currency)
        axes.legend(**LEGEND_BESIDE)
        axes.tick_params(axis="x", labelrotation=45)
        return _svg(figure, title, key)


def grouped_bars(
    *,
    key: str,
    title: str,
    months: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    currency: str,
) -> Markup:
    """Bars per month side by side per series (due and collected)."""
    with rc_context(STYLE):
        figure = _figure()
        axes = figure.add_subplot()
        width = 0.8 / max(len(series), 1)
        for i, (label, values) in enumerate(series):
            positions = [m + (i - (len(series) - 1) / 2) * width for m in range(len(months))]
            heights = [_major(v, currency) for v in values]
            axes.bar(positions, heights, width=width, label=label, color=PALETTE[i + 1])
        axes.set_xticks(range(len(months)), months, rotation=45)
        axes.set_ylabel(currency)
        axes.legend(**LEGEND_BESIDE)
        return _svg(figure, title, key)


def line_against_target(
    *,
    key: str,
    title: str,
    months: Sequence[str],
    values: Sequence[Decimal | None],
    label: str,
    target: Decimal | None,
    target_label: str,
) -> Markup:
    """A KPI's line over the months, with its goal as a dashed line when set."""
    with rc_context(STYLE):
        figure = _figure()
        axes = figure.add_subplot()
        points = [float(v) if v is not None else float("nan") for v in values]
        axes.plot(months, points, marker="o", color=PALETTE[5], label=label)
        if target is not None:
            axes.axhline(float(target), color=PALETTE[3], linestyle="--", label=target_label)
        axes.tick_params(axis="x", labelrotation=45)
        axes.legend(**LEGEND_BESIDE)
        return _svg(figure, title, key)


def horizontal_bars(
    *, key: str, title: str, labels: Sequence[str], values: Sequence[int]
) -> Markup:
    """Counts per label (dispute reasons), largest first as given."""
    with rc_context(STYLE):
        figure = Figure(figsize=(6.4, 0.4 + 0.3 * max(len(labels), 1)))
        axes = figure.add_subplot()
        axes.barh(list(labels), list(values), color=PALETTE[2])
        axes.invert_yaxis()
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        return _svg(figure, title, key)


@lru_cache(maxsize=256)
def trend_line(
    *, key: str, title: str, months: tuple[str, ...], values: tuple[Decimal | None, ...], label: str
) -> Markup:
    """A KPI's line over the months without a goal, drawn once per set of figures
    (cached: the dashboard redraws only when a figure changes)."""
    return line_against_target(
        key=key,
        title=title,
        months=months,
        values=values,
        label=label,
        target=None,
        target_label="",
    )
