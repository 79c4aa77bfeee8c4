"""Charts as inline SVG (matplotlib, no network, no JavaScript), readable in print.

Colours are the Okabe-Ito colour-blind-safe palette; every chart has a title, labelled axes
with units, and text large enough for a printed page.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib as mpl

mpl.use("svg")
import matplotlib.pyplot as plt  # after choosing the backend
from matplotlib.figure import Figure
from matplotlib.typing import RcKeyType

OKABE_ITO = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",
)
STYLE: dict[RcKeyType, Any] = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.fonttype": "none",  # text stays text: searchable, sharp in print
    "svg.hashsalt": "countlab",  # stable ids: the same data gives the same SVG
}


def _svg(fig: Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # inline: no XML prolog


def probability_bars(
    title: str,
    labels: Sequence[str],
    p: Sequence[float],
    low: Sequence[float],
    high: Sequence[float],
    exact: Sequence[float | None] | None = None,
) -> str:
    """Horizontal bars of probabilities with their 95% intervals (and exact values as
    diamonds where known)."""
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.5, 0.45 * len(labels) + 1.2))
        y = range(len(labels))
        errors = [  # clipped: a Wilson bound can sit a rounding error past p
            [max(0.0, pi - lo) for pi, lo in zip(p, low, strict=True)],
            [max(0.0, hi - pi) for pi, hi in zip(p, high, strict=True)],
        ]
        ax.barh(
            y,
            p,
            xerr=errors,
            color=OKABE_ITO[0],
            ecolor="#333333",
            capsize=3,
            label="Monte Carlo, 95% interval",
        )
        if exact is not None and any(e is not None for e in exact):
            ys = [i for i, e in zip(y, exact, strict=True) if e is not None]
            xs = [e for e in exact if e is not None]
            ax.scatter(xs, ys, marker="D", color=OKABE_ITO[1], zorder=3, label="exact")
        ax.set_yticks(list(y), labels)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel("probability")
        ax.set_title(title)
        ax.legend(loc="lower right", frameon=False)
        return _svg(fig)


def count_distribution(
    title: str,
    xlabel: str,
    series: dict[str, list[tuple[int, int]]],
    total: int,
    line: float | None = None,
    line_label: str = "",
    ylabel: str = "share of draws",
) -> str:
    """Histograms of integer counts, one per series, each as a share of its own draws
    (``total`` when a series covers every draw), and an optional vertical reference line
    (a majority). A series with few distinct values is drawn as stems, so a single value
    still shows."""
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.5, 3.2))
        for i, (name, points) in enumerate(series.items()):
            if not points:
                continue
            own = sum(n for _, n in points) or total
            xs = [x for x, _ in points]
            ys = [n / own for _, n in points]
            colour = OKABE_ITO[i % len(OKABE_ITO)]
            if len(points) <= 25:
                ax.vlines(xs, 0, ys, color=colour, linewidth=2)
                ax.plot(xs, ys, "o", color=colour, label=name)
            else:
                ax.step(xs, ys, where="mid", color=colour, label=name)
        if line is not None:
            ax.axvline(line, color="#000000", linestyle="--", linewidth=1, label=line_label)
        ax.set_xlabel(xlabel)
        ax.set_ylim(bottom=0)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.legend(frameon=False, fontsize=8)
        return _svg(fig)


def convergence_plot(series: dict[str, list[tuple[int, float]]], final_draws: int) -> str:
    """Running estimates against draws, with the final estimate's ±2 standard-error band
    at each checkpoint (the Monte Carlo error a reader should expect)."""
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.5, 3.2))
        for i, (label, points) in enumerate(series.items()):
            if not points:
                continue
            colour = OKABE_ITO[i % len(OKABE_ITO)]
            xs = [n for n, _ in points]
            ys = [p for _, p in points]
            final = ys[-1]
            band = [2 * (final * (1 - final) / n) ** 0.5 for n in xs]
            ax.fill_between(
                xs,
                [final - b for b in band],
                [final + b for b in band],
                color=colour,
                alpha=0.15,
                linewidth=0,
            )
            ax.plot(xs, ys, color=colour, label=label)
        ax.set_xscale("log")
        ax.set_xlim(left=max(1, min(n for s in series.values() for n, _ in s)), right=final_draws)
        ax.set_xlabel("draws (log scale)")
        ax.set_ylabel("running estimate of p")
        ax.set_title("Convergence: estimate as draws accumulate (band: final ±2 SE)")
        ax.legend(frameon=False, fontsize=8)
        return _svg(fig)


def sweep_lines(
    title: str,
    xlabel: str,
    series: dict[str, list[tuple[float, float, float, float]]],
) -> str:
    """Probability against a swept value, one line per series, each with its 95% band (the
    Wilson interval the tables give); ``series`` maps a name to ``[(x, p, low, high)]``."""
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.5, 3.4))
        for i, (name, points) in enumerate(series.items()):
            points = sorted(points)
            colour = OKABE_ITO[i % len(OKABE_ITO)]
            xs = [x for x, _, _, _ in points]
            ps = [p for _, p, _, _ in points]
            low = [lo for _, _, lo, _ in points]
            high = [hi for _, _, _, hi in points]
            ax.fill_between(xs, low, high, color=colour, alpha=0.2, linewidth=0)
            ax.plot(xs, ps, "o-", color=colour, markersize=3, label=name)
        ax.axhline(0.5, color="#777777", linestyle=":", linewidth=1)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("probability")
        ax.set_title(title)
        ax.legend(frameon=False, fontsize=8)
        return _svg(fig)


def heat_map(title: str, xlabel: str, ylabel: str, cells: list[tuple[float, float, float]]) -> str:
    """A probability over two swept values (``[(x, y, p)]`` on a grid), cividis colour map
    (colour-blind safe, readable in grey)."""
    xs = sorted({x for x, _, _ in cells})
    ys = sorted({y for _, y, _ in cells})
    grid = [[float("nan")] * len(xs) for _ in ys]
    for x, y, p in cells:
        grid[ys.index(y)][xs.index(x)] = p
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.5, 4.0))
        image = ax.imshow(grid, origin="lower", aspect="auto", cmap="cividis", vmin=0, vmax=1)
        ax.set_xticks(range(len(xs)), [f"{x:.3g}" for x in xs], rotation=45)
        ax.set_yticks(range(len(ys)), [f"{y:.3g}" for y in ys])
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        fig.colorbar(image, ax=ax, label="probability")
        return _svg(fig)


def trajectory_chart(title: str, boxes: dict[str, list[tuple[float, float, bool]]]) -> str:
    """PRIM trajectories: each step's coverage against its density (``[(coverage, density,
    chosen)]`` in step order), a line per box, the chosen step circled."""
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.5, 3.6))
        for i, (name, steps) in enumerate(boxes.items()):
            colour = OKABE_ITO[i % len(OKABE_ITO)]
            coverage = [c for c, _, _ in steps]
            density = [d for _, d, _ in steps]
            ax.plot(density, coverage, "o-", color=colour, markersize=3, linewidth=1, label=name)
            for c, d, chosen in steps:
                if chosen:
                    ax.scatter([d], [c], s=140, facecolors="none", edgecolors=colour, linewidths=2)
                    ax.annotate(
                        f"{name}: coverage {c:.2f}, density {d:.2f}",
                        (d, c),
                        xytext=(-8, -14),
                        textcoords="offset points",
                        ha="right",
                        fontsize=8,
                    )
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.05)
        ax.set_xlabel("density (share of the box's points at or over the level)")
        ax.set_ylabel("coverage")
        ax.set_title(title)
        ax.legend(frameon=False, fontsize=8, loc="lower left")
        return _svg(fig)


def predictive_bars(
    title: str,
    xlabel: str,
    bars: Sequence[tuple[int, int]],
    observed: int,
    interval: tuple[int, int] | None = None,
    observed_label: str = "observed",
) -> str:
    """A predictive distribution of a count as bars (``[(value, draws)]``, each as a share of
    all the draws), its 90% interval shaded and the observed value a vertical line."""
    total = sum(n for _, n in bars) or 1
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.5, 3.2))
        if interval is not None:
            ax.axvspan(
                interval[0] - 0.5,
                interval[1] + 0.5,
                color=OKABE_ITO[5],
                alpha=0.2,
                linewidth=0,
                label=f"90% interval {interval[0]}-{interval[1]}",
            )
        ax.bar(
            [x for x, _ in bars],
            [n / total for _, n in bars],
            width=1.0,
            color=OKABE_ITO[0],
            label="predicted (share of draws)",
        )
        ax.axvline(observed, color=OKABE_ITO[1], linewidth=2, label=f"{observed_label}: {observed}")
        ax.set_xlabel(xlabel)
        ax.set_ylim(bottom=0)
        ax.set_ylabel("share of draws")
        ax.set_title(title)
        ax.legend(frameon=False, fontsize=8)
        return _svg(fig)


def calibration_plot(
    title: str,
    panels: Mapping[str, Mapping[str, Sequence[tuple[float, float, int]]]],
) -> str:
    """Calibration: predicted probability against the observed share, one panel per
    ``panels`` key, one line per series (``[(mean predicted, observed share, n)]``, a
    marker's area growing with n), the diagonal dotted (perfect calibration)."""
    with mpl.rc_context(STYLE):
        fig, axes = plt.subplots(
            1, max(1, len(panels)), figsize=(6.5, 3.6), sharey=True, squeeze=False
        )
        for ax, (panel, series) in zip(axes[0], panels.items(), strict=False):
            ax.plot([0, 1], [0, 1], linestyle=":", color="#555555", linewidth=1, label="perfect")
            markers = ("o", "s", "^", "D")
            for i, (name, points) in enumerate(series.items()):
                if not points:
                    continue
                colour = OKABE_ITO[i % len(OKABE_ITO)]
                xs = [x for x, _, _ in points]
                ys = [y for _, y, _ in points]
                largest = max(n for _, _, n in points)
                sizes = [12 + 60 * (n / largest) ** 0.5 for _, _, n in points]
                ax.plot(xs, ys, "-", color=colour, linewidth=1)
                ax.scatter(xs, ys, s=sizes, marker=markers[i % 4], color=colour, label=name)
            ax.set_xlim(-0.02, 1.02)
            ax.set_ylim(-0.02, 1.02)
            ax.set_aspect("equal")
            ax.set_xlabel("predicted probability of yea")
            ax.set_title(panel)
        axes[0][0].set_ylabel("observed share voting yea")
        axes[0][-1].legend(frameon=False, fontsize=8, loc="upper left")
        fig.suptitle(title, fontsize=11)
        return _svg(fig)
