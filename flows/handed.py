"""Values that Prefect hands over as they are, without walking them for futures."""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


class Handed(Generic[T]):
    """A task's argument or a flow's return value that Prefect hands over as it is.

    Prefect walks a task's arguments (dataclasses, lists, dicts: a scenario is some 5,000
    objects) for futures to wait on, at submit and again at run, about 80 ms a task; and a
    flow's return value when the flow ends (a 50-point sweep's summary: 13,800 objects,
    36 ms; ten times that at 500 points). It does not walk this. Not Prefect's ``quote``:
    the Dask runner hands that to the task as a bare tuple."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value
