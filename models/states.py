"""The 50 states and the District of Columbia, in the alphabetical order of their codes."""

from __future__ import annotations

STATE_CODES: tuple[str, ...] = (
    "AK", "AL", "AR", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "GA", "HI", "IA", "ID",
    "IL", "IN", "KS", "KY", "LA", "MA", "MD", "ME", "MI", "MN", "MO", "MS", "MT", "NC",
    "ND", "NE", "NH", "NJ", "NM", "NV", "NY", "OH", "OK", "OR", "PA", "RI", "SC", "SD",
    "TN", "TX", "UT", "VA", "VT", "WA", "WI", "WV", "WY",
)  # fmt: skip
STATE_INDEX: dict[str, int] = {code: i for i, code in enumerate(STATE_CODES)}
N_STATES = len(STATE_CODES)  # 51: DC appoints electors (23rd Amendment) but has no seats
DC = STATE_INDEX["DC"]
