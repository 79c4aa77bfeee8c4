"""The sweep report's "What matters most" section: the sensitivity indices stored for the
run (``countlab analyze sensitivity``, ``sensitivity_indices``), per target, as a table, a
chart and a sentence."""

from __future__ import annotations

from typing import Any

import duckdb

from models.outcomes import NO_CHOICE
from reports import design_charts
from warehouse.analyses import read_sensitivity

METHOD_WORDS = {"sobol": "Sobol' indices", "morris": "Morris elementary effects"}


def is_outcome(target: str) -> bool:
    """An outcome label (``electors:biden``, ``no_choice``), not a state."""
    return ":" in target or target == NO_CHOICE


def target_title(target: str) -> str:
    """A target in words: ``electors:biden`` -> 'P(electors:biden)', ``AZ`` -> 'P(AZ
    sustained)'."""
    return f"P({target})" if is_outcome(target) else f"P({target} sustained)"


def _pm(value: float | None, conf: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.3f}" + ("" if conf is None else f" ± {conf:.3f}")


def _distinguishable(row: dict[str, Any]) -> bool | None:
    """A Sobol' key's effect is told from zero when its total index's interval lies above 0
    (:mod:`models.sensitivity`)."""
    if row["st"] is None or row["st_conf"] is None:
        return None
    return bool(row["st"] - row["st_conf"] > 0)


def _sentence(method: str, title: str, rows: list[dict[str, Any]]) -> str:
    """What a reader can quote: the key that matters most, and the ones that do not."""
    top = rows[0]
    if method == "morris":
        return (
            f"{top['key']} moves {title} most: its elementary effects average "
            f"{top['mu_star']:.3f} in absolute value (mu*) over its whole range."
        )
    sentence = (
        f"{top['key']} has the largest part in the variation of {title} across the swept "
        f"space: S1 {_pm(top['s1'], top['s1_conf'])} alone, ST {_pm(top['st'], top['st_conf'])} "
        "with its interactions (1 is all of it)."
    )
    none = [r["key"] for r in rows if _distinguishable(r) is False]
    if none:
        sentence += (
            f" {', '.join(none)} cannot be told from no effect at all (the total index's "
            "interval includes 0)."
        )
    return sentence


def _section(method: str, target: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    title = target_title(target)
    first = rows[0]
    order = "st" if method == "sobol" else "mu_star"
    rows = sorted(rows, key=lambda r: (r[order] is None, -(r[order] or 0.0), r["key"]))
    flat = first[order] is None
    section: dict[str, Any] = {
        "method": method,
        "method_words": METHOD_WORDS[method],
        "target": target,
        "title": title,
        "points": first["points"],
        "noise_floor": "" if first["noise_floor"] is None else f"{first['noise_floor']:.3f}",
        "flat": flat,
        "sentence": "" if flat else _sentence(method, title, rows),
        "rows": [
            {
                "key": r["key"],
                "s1": _pm(r["s1"], r["s1_conf"]),
                "st": _pm(r["st"], r["st_conf"]),
                "distinguishable": {True: "yes", False: "no", None: ""}[_distinguishable(r)],
                "mu_star": _pm(r["mu_star"], r["mu_star_conf"]),
                "mu": _pm(r["mu"], None),
                "sigma": _pm(r["sigma"], None),
            }
            for r in rows
        ],
        "chart": "",
        "caption": "",
    }
    if flat:
        return section
    keys = [r["key"] for r in rows]
    if method == "sobol":
        section["chart"] = design_charts.index_bars(
            f"What drives {title}: Sobol' indices",
            keys,
            [
                ("S1 (alone)", [r["s1"] for r in rows], [r["s1_conf"] for r in rows]),
                ("ST (with interactions)", [r["st"] for r in rows], [r["st_conf"] for r in rows]),
            ],
            "share of the variance across the swept space",
        )
        section["caption"] = (
            f"Sobol' indices of {title} per swept key, with 95% bootstrap intervals, "
            f"corrected for the Monte Carlo noise floor ({section['noise_floor']})."
        )
    else:
        section["chart"] = design_charts.index_bars(
            f"What moves {title}: Morris mu*",
            keys,
            [("mu*", [r["mu_star"] for r in rows], [r["mu_star_conf"] for r in rows])],
            "mean absolute change in probability over a key's whole range",
        )
        section["caption"] = (
            f"Morris mu* of {title} per swept key (the mean absolute elementary effect), "
            "with 95% bootstrap intervals."
        )
    return section


def sensitivity_sections(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict[str, Any]]:
    """One section per stored method and target (outcome labels first, then states), keys
    in order of their total index (Morris: mu*), the largest first; [] without indices."""
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in read_sensitivity(con, run_id):
        grouped.setdefault((row["method"], row["target"]), []).append(row)
    ordered = sorted(grouped, key=lambda mt: (mt[0], not is_outcome(mt[1]), mt[1]))
    return [_section(method, target, grouped[(method, target)]) for method, target in ordered]
