"""From a deterministic count's inputs (a remand, the legislatures' answers, the governors
who sign, competing returns, the Houses' votes) to each state's counted slate (remand.md
M7-M10), with the legal notes of M14. Every random element of M15 is fixed by the caller.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from models.errors import CountlabError
from models.remand import Remand, RemandOrder, resolve_remand
from models.rules import Rules
from models.session import Session
from models.slates import (
    CHAMBER_VOTES,
    ORIGINAL,
    SLATES,
    Papers,
    Votes,
    goes_to_the_houses,
    party_line_votes,
    slate_counted,
)
from models.states import STATE_INDEX
from models.tally import Rejection

Returns = Mapping[str, tuple[bool, bool]]
"""Competing returns before the count: ``{ST: (legislature annex, executive certificate)}``."""


@dataclass(frozen=True, slots=True)
class SlateDecision:
    """Each state's counted slate, for the states remanded or with two returns (M8-M10)."""

    remand: Remand | None
    returns: dict[str, tuple[bool, bool]]
    papers: dict[str, Papers]
    counted: dict[str, int]  # index into SLATES
    votes: dict[str, Votes]  # the Houses' votes where they chose between two returns
    notes: tuple[str, ...]


def decide_slates(
    session: Session,
    rules: Rules,
    *,
    remand: RemandOrder | None,
    answers: Mapping[str, str],
    governor_signs: Collection[str],
    returns: Returns,
    chamber_votes: Mapping[str, Votes],
) -> SlateDecision:
    """Resolve the inputs into counted slates; raise CountlabError, in one line naming the
    input, the state and the value, for anything inconsistent."""
    if remand is None and (answers or governor_signs):
        given = "answers" if answers else "governor signs"
        raise CountlabError(f"{given}: given without a remand (name the remanded states)")
    resolved = None
    if remand is not None:
        resolved = resolve_remand(
            session, rules, remand, answers=answers, governor_signs=governor_signs
        )
    _check_returns(returns)
    remanded = resolved.states if resolved is not None else ()
    involved = sorted({*remanded, *returns})
    for state, given_votes in chamber_votes.items():
        _check_votes(state, given_votes, involved)
    notes: list[str] = []
    if resolved is not None and not resolved.lawful:
        notes.append("remand: not lawful, no one may suspend the count (L7; rules.md A14)")
        if answers or governor_signs:
            notes.append("remand: answers and governor signatures ignored (no legislature asked)")
    papers = {s: _papers(session, s, resolved, returns) for s in involved}
    counted: dict[str, int] = {}
    used: dict[str, Votes] = {}
    for state, paper in papers.items():
        for_houses = goes_to_the_houses(paper, rules)
        votes: Votes | None = None
        if for_houses:
            votes = chamber_votes.get(state) or party_line_votes(session, state)
            used[state] = votes
            if state not in chamber_votes:
                notes.append(f"{state}: the Houses vote their caucus lines (remand.md §7 (ii))")
        elif state in chamber_votes:
            notes.append(f"{state}: chamber votes not used (the Houses do not choose its slate)")
        facts = session.remand_facts.get(state)
        if for_houses and facts is None:
            raise CountlabError(
                f"returns {state}: the 1887 multiple-return rule needs its safe-harbor fact "
                f"(remand.md ST3); session {session.date} has no remand facts for {state}"
            )
        counted[state] = slate_counted(
            paper,
            rules,
            safe_harbor_met=None if facts is None else facts.safe_harbor_met,
            votes=votes,
        )
        notes.extend(_legal_notes(paper, rules))
    return SlateDecision(resolved, dict(returns), papers, counted, used, tuple(notes))


def check_rejections(rejections: Sequence[Rejection], counted: Mapping[str, int]) -> None:
    """An objection reaches only an original slate that is counted (A9): a rejection of a
    state whose counted slate is the alternate or none is an error."""
    for rej in rejections:
        code = counted.get(rej.state, ORIGINAL)
        if code != ORIGINAL:
            raise CountlabError(
                f"rejection {rej.state}: its counted slate is {SLATES[code]} (remand.md M8); "
                "an objection reaches only a counted original"
            )


def _check_returns(returns: Returns) -> None:
    for state, annexes in returns.items():
        if state not in STATE_INDEX:
            raise CountlabError(f"returns {state!r}: unknown state code")
        if not isinstance(annexes, tuple) or len(annexes) != 2:
            raise CountlabError(f"returns {state} = {annexes!r}: expected (legislature, executive)")
        if not any(annexes):
            raise CountlabError(
                f"returns {state}: an alternate with neither a legislature's nor an executive's "
                "certificate is not a return (L4); leave it out"
            )


def _check_votes(state: str, votes: Votes, involved: Sequence[str]) -> None:
    if state not in STATE_INDEX:
        raise CountlabError(f"chamber votes {state!r}: unknown state code")
    if state not in involved:
        raise CountlabError(f"chamber votes {state}: neither remanded nor with a competing return")
    if not isinstance(votes, tuple) or len(votes) != 2:
        raise CountlabError(f"chamber votes {state} = {votes!r}: expected (house, senate)")
    for chamber, vote in zip(("house", "senate"), votes, strict=True):
        if vote not in CHAMBER_VOTES:
            raise CountlabError(
                f"chamber votes {state}: {chamber} = {vote!r}: expected one of "
                f"{', '.join(CHAMBER_VOTES)}"
            )


def _papers(session: Session, state: str, remand: Remand | None, returns: Returns) -> Papers:
    """M7: the state's alternate and its annexes at the count. A state with a return but
    no remand facts is taken to hold an unconditional paper (the return says it voted)."""
    facts = session.remand_facts.get(state)
    paper = facts.alternate_paper if facts is not None else "unconditional"
    legislature, executive = returns.get(state, (False, False))
    answer = remand.answer(state) if remand is not None else None
    if state not in returns and facts is None:
        paper = "none"
    if answer is not None and answer.effective == "appoint_alternate":
        legislature = True
        executive = executive or answer.governor_signed
    return Papers(
        state=state,
        paper=paper,
        legislature=legislature,
        executive=executive,
        answer=None if answer is None else answer.effective,
    )


def _legal_notes(papers: Papers, rules: Rules) -> list[str]:
    """M14's legal notes on one state's papers."""
    state = papers.state
    congress = not rules.presiding_officer_decides
    notes = []
    if congress and papers.paper != "none" and not papers.is_return:
        notes.append(f"{state}: not_a_return (L4: no state authority's certificate annexed)")
    if papers.legislature and congress:
        if rules.regime == "ecra2022":
            notes.append(f"{state}: federal_basis=false (L1: old §2 repealed)")
        elif state not in rules.failed_to_make_choice:
            notes.append(f"{state}: federal_basis=false (L1: the state made a choice)")
    if (
        papers.is_return
        and papers.paper == "conditional"
        and not rules.conditional_certificates_valid
    ):
        notes.append(f"{state}: the conditional paper's votes do not count (E1)")
    late = rules.presiding_officer_decides and rules.allow_late_votes
    if papers.legislature and papers.paper == "none" and not late:
        notes.append(f"{state}: electors named after the voting day cast no vote (L2)")
    return notes
