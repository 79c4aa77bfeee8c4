"""Charts of a sampled sweep (``lhs``, ``sobol``, ``saltelli``, ``morris``: every point has
its own value of every key, so there are no lines along one key) and of its sensitivity
indices; inline SVG in the style of :mod:`reports.charts`."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt

from reports.charts import OKABE_ITO, STYLE, _svg

RASTER_POINTS = 2000
"""Beyond this many points a scatter's dots are drawn as one embedded image (the axes,
labels and text stay vector): the SVG stays small with every point shown."""


def scatter_panels(
    title: str, keys: Sequence[str], xs: Sequence[Sequence[float]], ps: Sequence[float]
) -> str:
    """A probability against each swept key, one panel per key (``xs[i]``: key ``i``'s value
    at each point), every point a dot; the spread at one value of a key is what the other
    keys (and the Monte Carlo noise) do there."""
    columns = min(len(keys), 3)
    rows = math.ceil(len(keys) / columns)
    with mpl.rc_context(STYLE):
        fig, axes = plt.subplots(
            rows, columns, figsize=(6.5, 2.3 * rows + 0.7), sharey=True, squeeze=False
        )
        for i, ax in enumerate(axes.flat):
            if i >= len(keys):
                ax.set_visible(False)
                continue
            ax.scatter(
                xs[i],
                ps,
                s=7,
                alpha=0.45,
                color=OKABE_ITO[0],
                linewidths=0,
                rasterized=len(ps) > RASTER_POINTS,
            )
            ax.axhline(0.5, color="#777777", linestyle=":", linewidth=1)
            ax.set_ylim(-0.02, 1.02)
            ax.set_xlabel(keys[i], fontsize=9)
        for row in axes:
            row[0].set_ylabel("probability")
        fig.suptitle(title, fontsize=11)
        fig.tight_layout()
        return _svg(fig)


def scatter_map(
    title: str, xlabel: str, ylabel: str, cells: Sequence[tuple[float, float, float]]
) -> str:
    """A probability over two swept keys (``[(x, y, p)]``, one dot per point), coloured on
    the cividis map (colour-blind safe, readable in grey)."""
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.5, 4.0))
        dots = ax.scatter(
            [x for x, _, _ in cells],
            [y for _, y, _ in cells],
            c=[p for _, _, p in cells],
            s=14,
            cmap="cividis",
            vmin=0,
            vmax=1,
            linewidths=0,
            rasterized=len(cells) > RASTER_POINTS,
        )
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        fig.colorbar(dots, ax=ax, label="probability")
        return _svg(fig)


def index_bars(
    title: str,
    keys: Sequence[str],
    bars: Sequence[tuple[str, Sequence[float | None], Sequence[float | None]]],
    xlabel: str,
) -> str:
    """Horizontal bars per key, one per ``(name, values, half-widths)`` of ``bars`` (S1 and
    ST, or mu*), each with its 95% interval; a missing value draws no bar."""
    height = 0.8 / len(bars)
    with mpl.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.5, 0.5 * len(keys) * len(bars) + 1.3))
        for b, (name, values, confs) in enumerate(bars):
            ys = [i - 0.4 + height * (b + 0.5) for i in range(len(keys))]
            ax.barh(
                ys,
                [v or 0.0 for v in values],
                height=height,
                xerr=[c or 0.0 for c in confs],
                color=OKABE_ITO[b % len(OKABE_ITO)],
                ecolor="#333333",
                capsize=3,
                label=f"{name}, 95% interval",
            )
        ax.axvline(0, color="#000000", linewidth=0.8)
        ax.set_yticks(range(len(keys)), keys)
        ax.invert_yaxis()
        ax.set_xlabel(xlabel)
        ax.set_title(title)
        ax.legend(loc="lower right", frameon=False, fontsize=8)
        return _svg(fig)
