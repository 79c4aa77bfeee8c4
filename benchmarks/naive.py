"""A straightforward pure-Python reference of countlab's model: the "naive" baseline.

Plain loops over draws, objections and members, one ``random.Random`` stream, no numpy in
the loop. It is deliberately written the obvious way, so that it can serve both as the
baseline of ``naive_speedup`` (``countlab bench``) and as a second oracle for the
vectorized engine (``tests/benchmarks/test_naive.py``).

One draw, as in the README's vote model:

1. one shock ``Z_g ~ N(0, 1)`` per (chamber, caucus) group (house D, house R, senate D,
   senate R), shared by every objection of the draw;
2. each objection is raised with its probability;
3. on a raised objection every sworn member is absent with probability ``absent``, and
   otherwise votes to sustain iff ``sqrt(rho) Z_g + sqrt(1 - rho) E < Phi^-1(p_i)``
   with a fresh ``E ~ N(0, 1)``, and against it otherwise;
4. a chamber agrees iff ``yeas > nays`` and ``yeas + nays >= floor(sworn / 2) + 1``; the
   objection is sustained iff it is raised and both chambers agree;
5. each candidate's total is the votes cast minus those of the states whose objection was
   sustained; with the whole number ``W`` = electors appointed, a candidate with at least
   ``floor(W / 2) + 1`` votes is elected (``electors:<candidate>``);
6. otherwise the House chooses among the (at most three) highest on the list: every sworn
   Representative votes for their caucus's nominee, a state's vote goes to a candidate with
   more than half of its delegation's votes, and a candidate carrying a majority of the
   states that have seats wins (``house:<candidate>``), if two thirds of them are present;
   else ``no_choice``.

Only the rules of the 1887 Act as countlab applies them by default (``eca1887``, denominator
``appointed``) and no signers or contingent defections are modelled; anything else is
refused rather than silently approximated.
"""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import dataclass

from models.behaviour import Scenario
from models.states import STATE_CODES

_STANDARD_NORMAL = statistics.NormalDist()


@dataclass(frozen=True, slots=True)
class NaiveDraw:
    """One draw: per objection whether it was raised and sustained, and the outcome label."""

    raised: tuple[bool, ...]
    sustained: tuple[bool, ...]
    totals: dict[str, int]
    outcome: str  # electors:<candidate>, house:<candidate> or no_choice


@dataclass(frozen=True, slots=True)
class _Member:
    group: int  # 0 house D, 1 house R, 2 senate D, 3 senate R
    threshold: float  # Phi^-1(p): votes to sustain iff the latent variable is below it


def _threshold(p: float) -> float:
    """``Phi^-1(p)``, with ``-inf`` for 0 (never sustains) and ``+inf`` for 1 (always)."""
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    return _STANDARD_NORMAL.inv_cdf(p)


def _check_supported(scenario: Scenario) -> None:
    rules = scenario.rules
    supported = {
        "decided_by": "congress",
        "denominator": "appointed",
        "sustain_rule": "both",
        "chamber_quorum": "majority_of_sworn",
        "senate_vp_tiebreak_on_objection": False,
        "contingent_list": "counted",
        "delegation_rule": "majority_of_votes_cast",
    }
    for name, value in supported.items():
        if getattr(rules, name) != value:
            raise NotImplementedError(f"naive reference: rule {name} = {getattr(rules, name)!r}")
    if scenario.p_sign is not None:
        raise NotImplementedError("naive reference: [signers] is not modelled")
    if scenario.p_defect != 0.0:
        raise NotImplementedError("naive reference: contingent defection is not modelled")


class NaiveModel:
    """The model of one scenario in plain Python objects: lists of members, dicts of votes."""

    def __init__(self, scenario: Scenario) -> None:
        _check_supported(scenario)
        session = scenario.session
        roster = session.roster
        cert = session.certificates
        self.correlation = scenario.correlation
        self.p_absent = scenario.p_absent
        self.p_raise = [float(p) for p in scenario.p_raise]
        self.candidates = list(session.candidate_keys)
        self.house: list[_Member] = []
        self.senate: list[_Member] = []
        self.delegations: dict[str, list[str]] = {}  # state -> caucus of each sworn member
        for i in range(roster.n_members):
            if not roster.sworn[i]:
                continue
            caucus = int(roster.caucus[i])  # 0 = D, 1 = R
            senator = bool(roster.is_senator[i])
            member = _Member(
                group=2 * senator + caucus, threshold=_threshold(float(scenario.p_sustain[i]))
            )
            if senator:
                self.senate.append(member)
            else:
                self.house.append(member)
                state = STATE_CODES[int(roster.state[i])]
                self.delegations.setdefault(state, []).append("DR"[caucus])
        # Votes cast per candidate, and what each objection takes away if sustained.
        self.cast = {key: int(cert.votes[:, c].sum()) for c, key in enumerate(self.candidates)}
        self.objection_votes = [
            {key: int(cert.votes[s, c]) for c, key in enumerate(self.candidates)}
            for s in scenario.targets.state
        ]
        self.whole_number = int(cert.electors.sum())  # denominator = appointed
        self.nominee = {caucus: names[0] for caucus, names in session.nominee.items()}
        self.states_with_seats = [
            STATE_CODES[s] for s in range(len(cert.house_seats)) if cert.house_seats[s] > 0
        ]

    # --- one draw -----------------------------------------------------------------------

    def chamber_agrees(
        self, members: list[_Member], shocks: list[float], rng: random.Random
    ) -> bool:
        """Every member of a chamber votes on one objection; does the chamber agree?"""
        a = math.sqrt(self.correlation)
        b = math.sqrt(1.0 - self.correlation)
        yeas = nays = 0
        for member in members:
            if rng.random() < self.p_absent:
                continue
            latent = a * shocks[member.group] + b * rng.gauss(0.0, 1.0)
            if latent < member.threshold:
                yeas += 1
            else:
                nays += 1
        quorum = len(members) // 2 + 1
        return yeas > nays and yeas + nays >= quorum

    def house_election(self, totals: dict[str, int]) -> str:
        """The House chooses by states, every Representative on their caucus's line."""
        ranked = sorted((v for v in totals.values() if v > 0), reverse=True)
        cutoff = ranked[min(2, len(ranked) - 1)] if ranked else 1
        on_ballot = {c for c, v in totals.items() if v > 0 and v >= cutoff}
        states_won = dict.fromkeys(self.candidates, 0)
        states_present = 0
        for state in self.states_with_seats:
            caucuses = self.delegations.get(state, [])
            if caucuses:
                states_present += 1
            votes = dict.fromkeys(self.candidates, 0)
            for caucus in caucuses:
                choice = self.nominee.get(caucus)
                if choice in on_ballot:
                    votes[choice] += 1
            cast = sum(votes.values())
            for candidate, n in votes.items():
                if 2 * n > cast:
                    states_won[candidate] += 1
        n_states = len(self.states_with_seats)
        needed = n_states // 2 + 1
        best = max(self.candidates, key=lambda c: states_won[c])
        if 3 * states_present >= 2 * n_states and states_won[best] >= needed:
            return f"house:{best}"
        return "no_choice"

    def draw(self, rng: random.Random) -> NaiveDraw:
        shocks = [rng.gauss(0.0, 1.0) for _ in range(4)]
        raised = [rng.random() < p for p in self.p_raise]
        sustained = []
        for is_raised in raised:
            if not is_raised:
                sustained.append(False)
                continue
            house = self.chamber_agrees(self.house, shocks, rng)
            senate = self.chamber_agrees(self.senate, shocks, rng)
            sustained.append(house and senate)
        totals = dict(self.cast)
        for k, is_sustained in enumerate(sustained):
            if is_sustained:
                for candidate, votes in self.objection_votes[k].items():
                    totals[candidate] -= votes
        needed = self.whole_number // 2 + 1
        leader = max(self.candidates, key=lambda c: totals[c])
        elected = totals[leader] >= needed
        outcome = f"electors:{leader}" if elected else self.house_election(totals)
        return NaiveDraw(
            raised=tuple(raised), sustained=tuple(sustained), totals=totals, outcome=outcome
        )


def simulate_naive(scenario: Scenario, n_draws: int, *, seed: int) -> list[NaiveDraw]:
    """Draw ``n_draws`` joint sessions of ``scenario`` one member at a time."""
    model = NaiveModel(scenario)
    rng = random.Random(seed)
    return [model.draw(rng) for _ in range(n_draws)]
