"""A scenario's assumptions in sentences a reader can check (both reports' first section)."""

from __future__ import annotations

from typing import Any

from models.remand_model import resolve_probabilities


def plain_words(data: dict[str, Any]) -> list[str]:
    """The scenario as sentences a reader can check; the last one is the caveat.

    ``data`` needs ``scenario`` (the canonical JSON, parsed), ``session``, ``regime``,
    ``denominator`` and ``params`` (a sweep point's parameters, or none)."""
    scenario = data["scenario"]
    votes = scenario.get("votes", {})
    lines = [
        (
            f"The joint session of {data['session']}, counted under the {data['regime']} rules "
            f"with the '{data['denominator']}' whole number of electors."
        ),
    ]
    objections = scenario.get("objections", {})
    if objections:
        raised = ", ".join(f"{s} ({p:.0%})" for s, p in objections.items())
        lines.append(f"Objections raised, with probability: {raised}.")
    else:
        lines.append("No objection is raised.")
    for chamber in ("house", "senate"):
        group = votes.get(chamber, {})
        lines.append(
            f"{chamber.capitalize()}: each Republican votes to sustain with probability "
            f"{group.get('R', 0):.0%}, each Democrat with {group.get('D', 0):.0%}."
        )
    lines.append(
        f"Votes within a caucus are correlated (latent correlation {votes.get('correlation', 0)}); "
        f"a member is absent with probability {votes.get('absent', 0)}."
    )
    lines += _member_words(scenario)
    if votes.get("overrides"):
        lines.append(f"Per-member probabilities from {votes['overrides']}.")
    lines += _remand_words(scenario)
    defection = scenario.get("contingent", {}).get("defection", 0)
    lines.append(
        f"In a contingent election a member votes for the other caucus's candidate with "
        f"probability {defection}."
    )
    if data["params"]:
        lines.append(
            "Sweep point: " + ", ".join(f"{k} = {v}" for k, v in data["params"].items()) + "."
        )
    lines.append(
        "countlab does not forecast who wins states: certificates are taken as they were, and "
        "every probability is conditional on the assumptions above."
    )
    return lines


def _member_words(scenario: dict[str, Any]) -> list[str]:
    """The member model's keys, and what ``countlab calibrate`` fit them to (issue 14)."""
    votes = scenario.get("votes", {})
    lines = []
    calibrated = scenario.get("calibrated")
    if calibrated:
        lines.append(
            f"The vote assumptions were fit by maximum likelihood ({calibrated['model']} model) "
            f"to the recorded roll calls of {calibrated['session']} on "
            f"{', '.join(calibrated['votes'])} (log likelihood "
            f"{calibrated['log_likelihood']:.1f}): each member's probability of sustaining"
            + (
                ", each chamber's member correlation and objection strengths"
                if calibrated["model"] == "members"
                else " per caucus"
            )
            + ", and the absence rate; the caucus shock was not fit (one day's votes cannot "
            "identify it)."
        )
    if votes.get("members"):
        lines.append(f"Each member's probability of sustaining from {votes['members']}.")
    tau = votes.get("member_correlation") or {}
    if any(tau.values()):
        lines.append(
            "A member's votes on different objections share the member's own persistent "
            "effect (member correlation "
            + ", ".join(f"{chamber} {value:.2f}" for chamber, value in tau.items())
            + ")."
        )
    shifts = votes.get("shift") or {}
    moved = [
        f"{chamber} {caucus} {value:+.2f}"
        for chamber, by_caucus in shifts.items()
        for caucus, value in by_caucus.items()
        if value
    ]
    if moved:
        lines.append("Shifted, in probit units: " + ", ".join(moved) + ".")
    return lines


def _remand_words(scenario: dict[str, Any]) -> list[str]:
    """The ``[remand]`` and ``[returns]`` tables in sentences, with the probabilities each
    key, the preset or the default gives (remand.md M2-M6, M15)."""
    lines = []
    remand = scenario.get("remand")
    if remand is not None:
        states = remand.get("states")
        named = (
            ", ".join(states)
            if isinstance(states, list)
            else f"the {states or 'remand_scope'} states"
        )
        resume = remand.get("resume") or "the session date plus remand_days"
        p = resolve_probabilities(remand.get("preset"), remand)
        preset = f" (preset {remand['preset']})" if remand.get("preset") else ""
        lines.append(
            f"The presiding officer sends {named} back to their legislatures; the count "
            f"resumes {resume}{preset}."
        )
        lines.append(
            f"A Republican legislature that can meet in time appoints the alternate electors "
            f"with probability {p.q_r:.0%} and only decertifies with {p.d_r:.0%}; a Democratic "
            f"one reaffirms with {p.r_d:.0%}; all Republican legislatures answer as one with "
            f"probability {p.rho:.0%}; a governor of the legislature's party signs its act "
            f"with {p.g_same:.0%}, and a governor certifies the alternate with "
            f"{p.p_governor_certifies_alternate:.0%}."
        )
    returns = scenario.get("returns") or {}
    if returns:
        lines.append(
            "Competing returns at the count: "
            + ", ".join(f"{state} ({form})" for state, form in returns.items())
            + "."
        )
    return lines
