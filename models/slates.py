"""Which slate a state's votes come from (remand.md §5 M7-M10), under each regime.

A state's *original* slate is the one its executive certified; an *alternate* is a second
slate (the 14 December 2020 papers, P10), which becomes a *return* under the 1887 Act when a
state authority's certificate is annexed to it: a legislature's act or resolution, or a new
executive certificate (L4, M7). The count then takes each state's ``original``, ``alternate``
or ``none`` (:data:`SLATES`) and scores it with :func:`models.tally.tally`; an alternate's
electors all vote for the other caucus's nominee (:func:`alternate_candidate`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from models.errors import CountlabError
from models.roster import CAUCUSES
from models.rules import Rules, counted_slate
from models.session import Session
from models.states import STATE_INDEX

SLATES: Final = ("original", "alternate", "none")
"""A state's counted slate; the codes in :class:`models.tally.Tally` index into it."""
ORIGINAL: Final = 0
ALTERNATE: Final = 1
NO_SLATE: Final = 2

CHAMBER_VOTES: Final = ("original", "alternate", "neither")
"""How one House votes on a two-return state (M8): count one slate, or neither."""
UNDECIDED: Final = "undecided"
"""A House that reaches no majority for any option (a party-line tie): no concurrence."""

_VOTE_CODE: Final = {"original": ORIGINAL, "alternate": ALTERNATE, "neither": -1}

Votes = tuple[str, str]
"""A two-return state's House and Senate votes, each a :data:`CHAMBER_VOTES` or
:data:`UNDECIDED`."""


@dataclass(frozen=True, slots=True)
class Papers:
    """What one state has at the count (M7), beside its executive-certified original.

    ``paper`` is the 14 December alternate (``none``, ``unconditional`` or ``conditional``;
    P10); ``legislature`` and ``executive`` are the certificates annexed to it (L4);
    ``answer`` is a lawfully remanded state's answer once its validity is applied (M5-M6;
    an invalid act reads ``no_action``), None for a state not sent back.
    """

    state: str
    paper: str
    legislature: bool = False
    executive: bool = False
    answer: str | None = None

    @property
    def is_return(self) -> bool:
        """Whether the alternate is a second return: a state authority's certificate is
        annexed to it (L4). The 14 December papers alone are not."""
        return self.paper != "none" and (self.legislature or self.executive)

    def votes_count(self, rules: Rules, *, late_votes: bool) -> bool:
        """Whether the alternate electors' votes can be counted at all: they voted on the
        voting day (L2; January electors only with ``late_votes``) and, for a conditional
        paper, ``conditional_certificates_valid`` (E1)."""
        if self.paper == "none":
            return late_votes and self.legislature
        return self.paper == "unconditional" or rules.conditional_certificates_valid


def two_returns(papers: Papers, rules: Rules) -> bool:
    """Whether the 1887 multiple-return rule decides the state: a second return whose
    electors' votes can be counted (L4, L2, E1). Otherwise one return counts (A9)."""
    return papers.is_return and papers.votes_count(rules, late_votes=False)


def goes_to_the_houses(papers: Papers, rules: Rules) -> bool:
    """Whether each House votes on the state's slates (M8): two returns decided by the 1887
    rules, under eca1887 or with ``post_remand_decider=congress_eca1887``."""
    if rules.presiding_officer_decides:
        return rules.post_remand_decider == "congress_eca1887" and two_returns(papers, rules)
    return rules.regime != "ecra2022" and two_returns(papers, rules)


def non_response(rules: Rules) -> int:
    """The slate of a remanded state that answers ``no_action`` or ``not_in_time`` (M10)."""
    return ORIGINAL if rules.non_response_rule == "count_original" else NO_SLATE


def one_return(papers: Papers, rules: Rules) -> int:
    """The slate under the Houses' rules when no second return can be counted: the
    original (A9; a decertification is only an objection ground), or M10 for a remanded
    state that did not answer."""
    if papers.answer in ("no_action", "not_in_time"):
        return non_response(rules)
    return ORIGINAL


def governor_slate(papers: Papers, rules: Rules) -> int:
    """The slate the executive certified, for the 1887 tiebreak (L5): the original, unless
    a new executive certificate backs the alternate too, when ``dual_executive_certificates``
    picks the ``latest`` (the alternate, Hawaii 1961), the ``earliest`` or ``none`` (-1)."""
    if not papers.executive:
        return ORIGINAL
    return {"latest": ALTERNATE, "earliest": ORIGINAL, "none": -1}[
        rules.dual_executive_certificates
    ]


def slate_1887(papers: Papers, rules: Rules, *, safe_harbor_met: bool, votes: Votes) -> int:
    """The counted slate under the 1887 Act (M8): one return, A9; two returns, the
    safe-harbor slate where it binds, else what both Houses agree on, else the governor's
    slate (A10, with ``multi_return_governor_tiebreak``)."""
    if not two_returns(papers, rules):
        return one_return(papers, rules)
    house, senate = votes
    code = counted_slate(
        _VOTE_CODE.get(house, -2),  # an undecided House concurs with nothing
        _VOTE_CODE.get(senate, -3),
        governor_slate=governor_slate(papers, rules),
        safe_harbor_slate=ORIGINAL if safe_harbor_met and rules.safe_harbor_binding else -1,
        tiebreak=rules.multi_return_governor_tiebreak,
    )
    return NO_SLATE if int(code) < 0 else int(code)


def slate_2022(papers: Papers, rules: Rules) -> int:
    """The counted slate under ECRA (M8, L6): only the §5 slate is ever opened or counted,
    so the original (a decertification has no effect, L3), or M10 for a non-response."""
    return one_return(papers, rules)


def slate_presiding_officer(papers: Papers, rules: Rules) -> int:
    """The counted slate when the presiding officer decides (M8, M9, M10).

    ``vp_remand_choice``: ``original``; ``exclude`` (none); or ``legislature_backed``: the
    alternate when the legislature backs it, its votes count (``allow_late_votes``,
    ``conditional_certificates_valid``) and, with ``alternate_requires_governor``, the
    executive certifies it. Otherwise a remanded state's answer decides: ``reaffirm`` the
    original, ``decertify_only`` none, a non-response M10. An appointment whose slate
    cannot be counted withdraws the original and names no countable slate, so it counts as
    ``decertify_only``. A state not sent back keeps its original.
    """
    if rules.vp_remand_choice == "original":
        return ORIGINAL
    if rules.vp_remand_choice == "exclude":
        return NO_SLATE
    backed = papers.legislature and (papers.executive or not rules.alternate_requires_governor)
    if backed and papers.votes_count(rules, late_votes=rules.allow_late_votes):
        return ALTERNATE
    if papers.answer in ("decertify_only", "appoint_alternate"):
        return NO_SLATE
    if papers.answer in ("no_action", "not_in_time"):
        return non_response(rules)
    return ORIGINAL


def slate_counted(
    papers: Papers, rules: Rules, *, safe_harbor_met: bool | None, votes: Votes | None
) -> int:
    """The counted slate of one state with competing slates or a remand, by regime (M8).

    ``safe_harbor_met`` and ``votes`` are read only where :func:`goes_to_the_houses`.
    """
    if goes_to_the_houses(papers, rules):
        if safe_harbor_met is None or votes is None:
            raise CountlabError(
                f"{papers.state}: the 1887 multiple-return rule needs its safe-harbor fact "
                "(remand.md ST3) and both Houses' votes"
            )
        return slate_1887(papers, rules, safe_harbor_met=safe_harbor_met, votes=votes)
    if rules.presiding_officer_decides:
        return slate_presiding_officer(papers, rules)
    if rules.regime == "ecra2022":
        return slate_2022(papers, rules)
    return one_return(papers, rules)


def original_caucus(session: Session, state: str) -> int:
    """The caucus (index into ``CAUCUSES``) whose nominee carried ``state``'s original slate.

    Raises CountlabError when the original's leader is no caucus's nominee (a third party):
    an alternate's candidate, "the other party's nominee", is then undefined.
    """
    votes = session.certificates.votes[STATE_INDEX[state]]
    nominees = session.nominee_index("president").tolist()
    leader = int(votes.argmax())
    if votes.sum() == 0 or leader not in nominees or -1 in nominees:
        raise CountlabError(
            f"{state}: the original slate is not for a caucus nominee "
            f"({', '.join(session.candidate_keys)}), so an alternate's candidate is undefined"
        )
    return int(nominees.index(leader))


def alternate_candidate(session: Session, state: str) -> int:
    """The candidate an alternate slate's electors vote for: the other caucus's nominee
    (the 2020 alternates were Trump electors where Biden carried the original)."""
    return int(session.nominee_index("president")[1 - original_caucus(session, state)])


def party_line_votes(session: Session, state: str) -> Votes:
    """Each House's vote on a two-return state when members vote their caucus's line
    (remand.md §7 (ii)): every sworn member for the slate of their own caucus's nominee; a
    House tie is :data:`UNDECIDED`."""
    ours = original_caucus(session, state)
    roster = session.roster
    votes: list[str] = []
    for chamber in ("house", "senate"):
        members = np.bincount(roster.caucus[roster.sworn_in(chamber)], minlength=len(CAUCUSES))
        for_original, for_alternate = int(members[ours]), int(members[1 - ours])
        votes.append(
            "original"
            if for_original > for_alternate
            else ("alternate" if for_alternate > for_original else UNDECIDED)
        )
    return votes[0], votes[1]


def slate_arrays(
    session: Session, counted: dict[str, int]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Return ``(1, n_states)`` slate codes (original where not named) and ``(n_states,)``
    each state's alternate candidate (-1 where no alternate is counted), for the tally."""
    n_states = session.certificates.electors.size
    slates = np.full((1, n_states), ORIGINAL, dtype=np.int64)
    alternate_for = np.full(n_states, -1, dtype=np.int64)
    for state, code in counted.items():
        slates[0, STATE_INDEX[state]] = code
        if code == ALTERNATE:
            alternate_for[STATE_INDEX[state]] = alternate_candidate(session, state)
    return slates, alternate_for
