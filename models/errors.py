"""Exceptions that name the bad value and what was expected."""

from __future__ import annotations


class CountlabError(ValueError):
    """A user mistake: bad input, an impossible roster, an unknown name.

    The CLI prints ``str(error)`` as one line and exits non-zero, without a traceback.
    """


class InputError(CountlabError):
    """A value in a user-supplied file or option is invalid.

    The message names the source (file or option), the row when there is one, the field
    and the offending value.
    """

    def __init__(
        self, source: str, field: str, value: object, expected: str, *, row: int | None = None
    ) -> None:
        where = f"{source}, line {row}" if row is not None else source
        shown = "" if value is None else f" = {value!r}"
        super().__init__(f"{where}: field '{field}'{shown}: {expected}")
        self.source = source
        self.field = field
        self.value = value
        self.row = row
