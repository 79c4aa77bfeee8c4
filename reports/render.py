"""Write a run's probability report, as self-contained HTML and as Markdown, from the
warehouse only (:mod:`reports.data`), through Jinja templates (``reports/templates``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from models.errors import CountlabError
from models.outcomes import in_words, outcome_kind
from reports import charts
from reports.assumptions import plain_words
from reports.data import run_report_data
from reports.pages import FORMATS, check_formats, environment, output_folder, write_pages
from warehouse.backtests import is_backtest
from warehouse.queries import read_run
from warehouse.store import connect_read_only

Z95 = 1.959963984540054
OPEN_POINTS = 60
"""A sweep's table of every point is open in the HTML (and whole in the Markdown) up to
this many points; beyond, the HTML folds it and the Markdown shows the first ones."""


def _p(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _context(data: dict[str, Any], *, db: str) -> dict[str, Any]:
    summary = data["summary"]
    outcomes = summary["outcomes"]
    has_exact = any("exact" in o for o in outcomes.values())
    objections = summary["objections"]
    has_exact_objections = any("exact" in o for o in objections.values())
    n = data["draws"]
    contingent_n = sum(o["p"] for k, o in outcomes.items() if outcome_kind(k) != "electors")
    needed = data["totals"]["majority_needed"]
    needed_mode = max(needed, key=lambda vn: vn[1])[0] if needed else None
    majority_text = (
        f"{needed_mode} in most draws" if len({v for v, _ in needed}) > 1 else f"{needed_mode}"
    )

    def votes(o: dict[str, Any], chamber: str) -> str:
        yes, no = o["mean_votes"][f"{chamber}_yes"], o["mean_votes"][f"{chamber}_no"]
        return "" if yes is None else f"{yes:.1f}-{no:.1f}"

    headline_label, headline = max(outcomes.items(), key=lambda item: item[1]["p"])
    return {
        "headline": f"{data['session']}: {in_words(headline_label)}, with probability "
        f"{headline['p']:.4f} (95% interval {headline['ci_low']:.4f}-{headline['ci_high']:.4f})",
        "run_id": summary["run_id"],
        "point_label": f"sweep point {data['point']}" if data["run"]["kind"] == "sweep" else "",
        "draws": n,
        "assumptions": plain_words(data),
        "scenario_hash": data["scenario_hash"],
        "scenario_json": json.dumps(data["scenario"], indent=2, sort_keys=True),
        "seed": data["seed"],
        "sampler": data["run"]["sampler"],
        "version": data["run"]["countlab_version"],
        "has_exact": has_exact,
        "has_exact_objections": has_exact_objections,
        "outcomes": [
            {
                "label": label,
                "p_text": _p(o["p"]),
                "se_text": _p(o["se"]),
                "ci_text": f"{o['ci_low']:.4f}-{o['ci_high']:.4f}",
                "exact_text": f"{o['exact']:.4g}" if "exact" in o else "",
            }
            for label, o in outcomes.items()
        ],
        "objections": [
            {
                "state": state,
                "p_raised": _p(o["p_raised"]),
                "p_sustained": _p(o["p_sustained"]),
                "se": _p(o["se"]),
                "exact": f"{o['exact']:.4g}" if "exact" in o else "",
                "house": votes(o, "house"),
                "senate": votes(o, "senate"),
            }
            for state, o in objections.items()
        ],
        "candidates": data["candidates"],
        "contingent": data["contingent"],
        "contingent_share": f"{contingent_n:.2%}",
        "majority_text": majority_text,
        "zero_upper": f"{_wilson_upper_at_zero(n):.2g}",
        "remand": data.get("remand"),
        "pivotal": data.get("pivotal"),
        "db": db,
        "written": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _wilson_upper_at_zero(n: int) -> float:
    return Z95**2 / n / (1 + Z95**2 / n)


def _charts(data: dict[str, Any]) -> dict[str, str]:
    summary = data["summary"]
    outcomes = summary["outcomes"]
    out = {
        "outcomes": charts.probability_bars(
            "Outcome probabilities",
            list(outcomes),
            [o["p"] for o in outcomes.values()],
            [o["ci_low"] for o in outcomes.values()],
            [o["ci_high"] for o in outcomes.values()],
            [o.get("exact") for o in outcomes.values()],
        ),
        "objections": charts.probability_bars(
            "Probability each objection is sustained",
            list(summary["objections"]),
            [o["p_sustained"] for o in summary["objections"].values()],
            [data["objection_intervals"][s][0] for s in summary["objections"]],
            [data["objection_intervals"][s][1] for s in summary["objections"]],
            [o.get("exact") for o in summary["objections"].values()],
        )
        if summary["objections"]
        else "",
        "house_votes": "",
        "senate_votes": "",
        "pivotal": ((data.get("pivotal") or {}).get("pivotal") or {}).get("chart", ""),
    }
    for chamber in ("house", "senate"):
        series = data["votes"][chamber]
        if series:
            out[f"{chamber}_votes"] = charts.count_distribution(
                f"{chamber.capitalize()}: votes to sustain each objection",
                "members voting to sustain",
                series,
                data["draws"],
                data["majority_lines"].get(chamber),
                "half the votes cast (mean)",
                "share of draws where it was voted on",
            )
    needed = data["totals"]["majority_needed"]
    line = max(needed, key=lambda vn: vn[1])[0] if needed else None
    out["totals"] = charts.count_distribution(
        "Electoral votes counted per candidate",
        "electoral votes",
        data["totals"]["totals"],
        data["draws"],
        line,
        "majority needed",
    )
    varied = (
        {k: v for k, v in data["convergence"].items() if 0 < v[-1][1] < 1}
        if data["convergence"]
        else {}
    )
    out["convergence"] = (
        charts.convergence_plot(varied or data["convergence"], data["draws"])
        if data["convergence"]
        else ""
    )
    return out


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"


def _range_text(described: str) -> str:
    """A swept range as the sweep recorded it, without the count a sampled design has not
    (``0.0:0.2:None`` -> ``0.0:0.2``)."""
    return described.removesuffix(":None")


def write_sweep_report(
    db: str | Path, run_id: str, out: str | Path, formats: tuple[str, ...] = FORMATS
) -> list[Path]:
    """Write a sweep's report (``report-RUN_ID.html`` / ``.md``) into ``out``."""
    from reports.discovery import discovery_charts
    from reports.sweep import sweep_charts, sweep_report_data

    check_formats(formats)
    con = connect_read_only(db)
    try:
        data = sweep_report_data(con, run_id)
    finally:
        con.close()
    run = data["run"]
    spec = data["sweep"]
    base = {
        "scenario": json.loads(run["scenario"]),
        **{key: run[key] for key in ("session", "regime", "denominator")},
        "params": {},
    }
    *described, caveat = plain_words(base)
    assumptions = [
        *described,
        "Base scenario above; at each point the swept keys take the values in the table.",
        caveat,
    ]
    figures = sweep_charts(data)
    box_figures = discovery_charts(data["discovery"])
    context = {
        "headline": f"{run['session']}: a sweep of "
        + ", ".join(data["keys"] or ["nothing"])
        + f" ({len(data['points'])} points)",
        "run_id": run_id,
        "n_points": len(data["points"]),
        "draws": run["draws"],
        "seed": run["seed"],
        "assumptions": assumptions,
        "axes": [
            f"{k} = {', '.join(map(str, v)) if isinstance(v, list) else _range_text(v)}"
            for k, v in spec.get("vary", {}).items()
        ],
        "design": spec.get("design", "grid"),
        "scenario_hash": run["scenario_hash"],
        "version": run["countlab_version"],
        "thresholds": data["thresholds"],
        "sampled": data["sampled"],
        "sensitivity": data["sensitivity"],
        "discovery": data["discovery"],
        "points": data["points"],
        "open_points": OPEN_POINTS,
        "keys": data["keys"],
        "labels": data["labels"],
        "states": data["states"],
        "slates": [(name.replace(":", " "), by_point) for name, by_point in data["slates"].items()],
        "db": str(db),
        "written": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "fmt": _fmt,
    }
    folder = output_folder(out)
    stem = f"report-{run_id}"
    env = environment()
    written = []
    if "html" in formats:
        path = folder / f"{stem}.html"
        path.write_text(
            env.get_template("sweep.html.j2").render(
                **context, charts=figures, discovery_charts=box_figures
            ),
            "utf-8",
        )
        written.append(path)
    if "md" in formats:
        chart_dir = folder / f"{stem}-charts"
        chart_dir.mkdir(exist_ok=True)
        files = []
        for i, (caption, svg) in enumerate(figures):
            (chart_dir / f"chart-{i}.svg").write_text(svg, "utf-8")
            files.append((caption, f"{chart_dir.name}/chart-{i}.svg"))
        index_files = []
        for i, section in enumerate(context["sensitivity"]):
            index_files.append(f"{chart_dir.name}/sensitivity-{i}.svg" if section["chart"] else "")
            if section["chart"]:
                (chart_dir / f"sensitivity-{i}.svg").write_text(section["chart"], "utf-8")
        box_files = []
        for i, (caption, svg) in enumerate(box_figures):
            (chart_dir / f"discovery-{i}.svg").write_text(svg, "utf-8")
            box_files.append((caption, f"{chart_dir.name}/discovery-{i}.svg"))
        path = folder / f"{stem}.md"
        path.write_text(
            env.get_template("sweep.md.j2").render(
                **context, chart_files=files, index_files=index_files, discovery_files=box_files
            ),
            "utf-8",
        )
        written.append(path)
    return written


def write_report(
    db: str | Path,
    run_id: str,
    out: str | Path,
    formats: tuple[str, ...] = FORMATS,
    point: int | None = None,
) -> list[Path]:
    """A run's report, a sweep's (unless ``point`` picks one of its points) or, when
    ``run_id`` is a backtest's id, the backtest's (:mod:`reports.backtest`)."""
    check_formats(formats)
    con = connect_read_only(db)
    try:
        kind = "backtest" if is_backtest(con, run_id) else read_run(con, run_id)["kind"]
    finally:
        con.close()
    if kind == "backtest":
        if point is not None:
            raise CountlabError(f"--point {point}: {run_id} is a backtest, it has no points")
        from reports.backtest import write_backtest_report

        return write_backtest_report(db, run_id, out, formats)
    if kind == "sweep" and point is None:
        return write_sweep_report(db, run_id, out, formats)
    return write_run_report(db, run_id, out, formats, point=point or 0)


def write_run_report(
    db: str | Path, run_id: str, out: str | Path, formats: tuple[str, ...] = FORMATS, point: int = 0
) -> list[Path]:
    """Write ``report-RUN_ID.html`` and/or ``.md`` (with its charts in a folder beside it)
    into ``out``; return the paths written."""
    check_formats(formats)
    con = connect_read_only(db)
    try:
        data = run_report_data(con, run_id, point)
    finally:
        con.close()
    context = _context(data, db=str(db))
    svgs = _charts(data)
    stem = f"report-{run_id}" + (f"-point{point}" if point else "")
    return write_pages(out, stem, "run", context, svgs, formats)


__all__ = [
    "FORMATS",
    "output_folder",
    "write_report",
    "write_run_report",
    "write_sweep_report",
]
