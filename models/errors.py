"""Exceptions that name the bad value and what was expected."""

from __future__ import annotations

from collections.abc import Callable


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


class OptionError(CountlabError):
    """A run or sweep option out of range (``chunk_draws``, ``seed``, ``runner``, ...).

    The message names the option as a field (``chunk_draws 0: expected 1 to ...``), as a run
    started from the Prefect UI shows it; the command line shows it as its flag
    (:meth:`as_flag`: ``--chunk-draws 0: ...``). ``expected`` may name other options as
    ``{0}``, ``{1}``, ... (given in ``others``), rendered the same way; with no ``field``
    the message is about ``shown`` (e.g. a file's value) and names options only there.
    """

    def __init__(
        self, field: str | None, shown: str | None, expected: str, *, others: tuple[str, ...] = ()
    ) -> None:
        self.field = field
        self.shown = shown
        self.expected = expected
        self.others = others
        super().__init__(self.render(str))

    def render(self, name: Callable[[str], str]) -> str:
        """The message with every option named by ``name(field)``."""
        expected = self.expected
        for index, other in enumerate(self.others):  # not str.format: values may hold braces
            expected = expected.replace(f"{{{index}}}", name(other))
        if self.field is None:
            return f"{self.shown}: {expected}"
        if self.shown is None:
            return f"{name(self.field)} {expected}"
        return f"{name(self.field)} {self.shown}: {expected}"

    def as_flag(self) -> str:
        """The message with options as command-line flags (``chunk_draws`` -> ``--chunk-draws``)."""
        return self.render(flag)


def flag(field: str) -> str:
    """The command-line flag of an option field: ``chunk_draws`` -> ``--chunk-draws``."""
    return "--" + field.replace("_", "-")
