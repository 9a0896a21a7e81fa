"""Plots for the HTML report: an experiment's answer against the data share, and over time.

matplotlib is optional (the ``report`` extra) and imported only by :class:`Plotter`, drawing on
an Agg canvas (no display, no global pyplot state). Each experiment gets one PNG with two panels,
returned as a ``data:`` URI so the page stays a single self-contained file. Points are coloured
by the result's status; estimates carry their interval as an error bar; an answer with several
named numbers draws one series per name.
"""

from __future__ import annotations

import ast
import base64
import datetime
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pytest_experiments.notebook.answer_values import SCALAR, Number, numeric_parts
from pytest_experiments.notebook.history import Result

#: Colours shared with the page's badges.
STATUS_COLOURS = {
    "confirmed": "#1b7f3b",
    "refuted": "#c62828",
    "inconclusive": "#b7791f",
    "answered": "#1f5fa8",
}
OTHER_COLOUR = "#6b7280"
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


@dataclass(frozen=True)
class Point:
    """One number of one result."""

    name: str
    fraction: float
    started: float
    status: str
    number: Number


def points(results: Sequence[Result]) -> list[Point]:
    """The plottable numbers of an experiment's results (finite values only)."""
    found = []
    for result in results:
        for name, number in numeric_parts(result.answer).items():
            if math.isfinite(number.value):
                found.append(
                    Point(name, result.fraction, result.run_started, result.status, number)
                )
    return found


class Plotter:
    """Draws experiment plots; constructing it imports matplotlib (``ImportError`` if absent)."""

    def __init__(self) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.dates import AutoDateLocator, DateFormatter, date2num
        from matplotlib.figure import Figure
        from matplotlib.ticker import FuncFormatter, MaxNLocator

        # Times become Matplotlib date numbers (days) by arithmetic: converting datetime
        # objects through Matplotlib's unit machinery costs more than the rest of the plot.
        # (matplotlib.dates is not annotated, hence the ignores here and below.)
        epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
        self._epoch_days = float(date2num(epoch))  # type: ignore[no-untyped-call]
        self._timezone = datetime.datetime.now().astimezone().tzinfo
        self._canvas = FigureCanvasAgg
        self._figure = Figure
        self._date_locator = AutoDateLocator
        self._date_formatter = DateFormatter
        self._max_n = MaxNLocator
        self._func_formatter = FuncFormatter

    def plot(self, found: Sequence[Point], expectation: str | None = None) -> str | None:
        """A PNG ``data:`` URI with both panels, or None when there is nothing to draw; the
        expectation's thresholds are drawn as dashed lines."""
        if not found:
            return None
        figure = self._figure(figsize=(8.2, 2.5), dpi=96)
        self._canvas(figure)
        by_share, over_time = figure.subplots(1, 2)
        figure.subplots_adjust(left=0.08, right=0.985, bottom=0.2, top=0.88, wspace=0.22)
        names = list(dict.fromkeys(point.name for point in found))
        for axes in (by_share, over_time):
            axes.tick_params(labelsize=8)
            axes.grid(alpha=0.3, linewidth=0.6)
            axes.yaxis.set_major_locator(self._max_n(4))
            for side in ("top", "right"):
                axes.spines[side].set_visible(False)
        by_share.set_title("answer by share of the data", fontsize=9, loc="left")
        over_time.set_title("answer over time", fontsize=9, loc="left")

        for index, name in enumerate(names):
            series = [point for point in found if point.name == name]
            marker = MARKERS[index % len(MARKERS)]
            label = name if name != SCALAR else None
            shares = [point.fraction * 100 for point in series]
            times = [self._epoch_days + point.started / 86_400 for point in series]
            self._draw(by_share, shares, series, marker, label)
            self._draw(over_time, times, series, marker, None)
            ordered = sorted(zip(times, [point.number.value for point in series], strict=True))
            over_time.plot(
                [when for when, _ in ordered],
                [value for _, value in ordered],
                color="#9ca3af",
                linewidth=0.8,
                zorder=1,
            )

        _draw_thresholds(expectation, names, by_share, over_time)

        shares = [point.fraction for point in found]
        if min(shares) > 0 and max(shares) / min(shares) >= 8:
            by_share.set_xscale("log")
        distinct = sorted({share * 100 for share in shares})
        if len(distinct) <= 8:
            # Every share that was run gets its label (a log axis alone labels 1, 10, 100).
            by_share.set_xticks(distinct)
            by_share.minorticks_off()
        by_share.xaxis.set_major_formatter(self._func_formatter(_percent))
        by_share.set_xlabel("share of the data", fontsize=8)
        locator = self._date_locator(  # type: ignore[no-untyped-call]
            tz=self._timezone, minticks=2, maxticks=4
        )
        over_time.xaxis.set_major_locator(locator)
        over_time.xaxis.set_major_formatter(self._date_text(tz=self._timezone))
        if len(names) > 1:
            by_share.legend(fontsize=7, loc="best", framealpha=0.8)

        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")

    def plot_trials(self, answer: Any) -> str | None:
        """A tuning result's trials: the score against each numeric parameter (log scale where
        the space was), as a PNG ``data:`` URI; None without a numeric parameter."""
        space = answer.get("search", {}).get("space", {})
        trials = [trial for trial in answer.get("trials", ()) if _number(trial.get("score"))]
        names = [
            name
            for name in space
            if any(_number(trial.get("params", {}).get(name)) for trial in trials)
        ][:4]
        if not names:
            return None
        figure = self._figure(figsize=(8.2, 2.3), dpi=96)
        self._canvas(figure)
        axes_list = figure.subplots(1, len(names), squeeze=False)[0]
        figure.subplots_adjust(left=0.08, right=0.985, bottom=0.22, top=0.86, wspace=0.25)
        best = max(float(trial["score"]) for trial in trials)
        for axes, name in zip(axes_list, names, strict=True):
            points = [
                (float(trial["params"][name]), float(trial["score"]))
                for trial in trials
                if _number(trial.get("params", {}).get(name))
            ]
            axes.scatter(
                [x for x, _ in points],
                [score for _, score in points],
                c=["#b45309" if score == best else "#2563eb" for _, score in points],
                s=18,
                edgecolors="white",
                linewidths=0.5,
            )
            if space.get(name, {}).get("dist") == "loguniform":
                axes.set_xscale("log")
            axes.set_xlabel(name, fontsize=8)
            axes.tick_params(labelsize=8)
            axes.grid(alpha=0.3, linewidth=0.6)
            for side in ("top", "right"):
                axes.spines[side].set_visible(False)
        axes_list[0].set_title("trial score by parameter (best in orange)", fontsize=9, loc="left")
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")

    def plot_family(
        self,
        values: Sequence[float],
        results: Sequence[Result],
        expectation: str | None = None,
        label: str = "parameter",
    ) -> str | None:
        """A parametrized experiment's answer against its numeric parameter, one point per
        variant (coloured by verdict, with its interval), the expectation's thresholds dashed;
        a PNG ``data:`` URI, or None with fewer than two numbers to draw."""
        found = [
            (value, point)
            for value, result in zip(values, results, strict=True)
            for point in points([result])
        ]
        if len({value for value, _ in found}) < 2:
            return None
        figure = self._figure(figsize=(8.2, 2.5), dpi=96)
        self._canvas(figure)
        axes = figure.subplots(1, 1)
        figure.subplots_adjust(left=0.08, right=0.985, bottom=0.2, top=0.88)
        axes.tick_params(labelsize=8)
        axes.grid(alpha=0.3, linewidth=0.6)
        axes.yaxis.set_major_locator(self._max_n(4))
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        axes.set_title("answer by parameter (its strongest evidence)", fontsize=9, loc="left")
        names = list(dict.fromkeys(point.name for _, point in found))
        for index, name in enumerate(names):
            series = [(value, point) for value, point in found if point.name == name]
            series.sort(key=lambda pair: pair[0])
            xs = [value for value, _ in series]
            self._draw(
                axes,
                xs,
                [point for _, point in series],
                MARKERS[index % len(MARKERS)],
                name if name != SCALAR else None,
            )
            axes.plot(
                xs,
                [point.number.value for _, point in series],
                color="#9ca3af",
                linewidth=0.8,
                zorder=1,
            )
        _draw_thresholds(expectation, names, axes)
        xs = sorted({value for value, _ in found})
        if xs[0] > 0 and xs[-1] / xs[0] >= 20:
            axes.set_xscale("log")
        if len(xs) <= 12:
            # every parameter value that was run gets its label
            axes.set_xticks(xs)
            axes.set_xticklabels([f"{value:g}" for value in xs])
            axes.minorticks_off()
        axes.set_xlabel(label, fontsize=8)
        if len(names) > 1:
            axes.legend(fontsize=7, loc="best", framealpha=0.8)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")

    def _date_text(self, tz: Any) -> Any:
        """Every time tick as a whole date and time (``Dec 02 21:42``): never a bare day
        number or minute next to a date, as the concise formatter gives over short spans."""
        return self._date_formatter("%b %d\n%H:%M", tz=tz)  # type: ignore[no-untyped-call]

    @staticmethod
    def _draw(
        axes: Any, xs: Sequence[Any], series: Sequence[Point], marker: str, label: str | None
    ) -> None:
        colours = [STATUS_COLOURS.get(point.status, OTHER_COLOUR) for point in series]
        bars = [
            (x, point.number.value, point.number.low, point.number.high)
            for x, point in zip(xs, series, strict=True)
            if point.number.low is not None
            and point.number.high is not None
            and math.isfinite(point.number.low)
            and math.isfinite(point.number.high)
        ]
        if bars:
            # max(0, ...): a damaged row with the value outside its interval must not stop
            # the plot (matplotlib refuses negative error bars).
            axes.errorbar(
                [x for x, _, _, _ in bars],
                [value for _, value, _, _ in bars],
                yerr=[
                    [max(0.0, value - low) for _, value, low, _ in bars],
                    [max(0.0, high - value) for _, value, _, high in bars],
                ],
                fmt="none",
                ecolor="#9ca3af",
                elinewidth=1,
                zorder=2,
            )
        axes.scatter(
            xs,
            [point.number.value for point in series],
            c=colours,
            marker=marker,
            s=22,
            zorder=3,
            label=label,
            edgecolors="white",
            linewidths=0.5,
        )


def _draw_thresholds(expectation: str | None, names: Sequence[str], *panels: Any) -> None:
    """The expectation's thresholds for the series drawn, as dashed lines on every panel,
    labelled on the first."""
    for name, value, text in thresholds(expectation):
        if name not in names:
            continue
        for axes in panels:
            axes.axhline(value, color="#374151", linestyle="--", linewidth=0.9, zorder=1)
        panels[0].annotate(
            text,
            xy=(0, value),
            xycoords=("axes fraction", "data"),
            xytext=(2, 2),
            textcoords="offset points",
            fontsize=7,
            color="#374151",
        )


def thresholds(expectation: str | None) -> list[tuple[str, float, str]]:
    """The numbers an expectation compares with, by the answer's part they bound: ``>= 0.9``
    gives ``[("", 0.9, ">= 0.9")]``, ``gain > 0 and best >= 0.97`` gives ``gain`` and ``best``.
    Expressions it cannot read give none (the plot then has no line, nothing else changes)."""
    if not expectation:
        return []
    text = expectation.strip()
    if text[:1] in "<>=!":
        text = "answer " + text
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return []
    symbols = {ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<=", ast.Eq: "=="}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Compare) and isinstance(node.left, ast.Name)):
            continue
        for op, right in zip(node.ops, node.comparators, strict=True):
            value = _constant(right)
            symbol = symbols.get(type(op))
            if value is None or symbol is None:
                continue
            name = SCALAR if node.left.id == "answer" else node.left.id
            label = f"{symbol} {value:g}" if name == SCALAR else f"{name} {symbol} {value:g}"
            found.append((name, value, label))
    return found


def _constant(node: ast.expr) -> float | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _constant(node.operand)
        return None if inner is None else -inner
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, (int, float)) and _number(value):
            return float(value)
    return None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _percent(value: float, _position: object = None) -> str:
    return f"{value:.3g}%"
