"""Command-line usage errors as one line: click's own (a bad value, an unknown or missing
option) and an option given twice where it takes one value."""

from __future__ import annotations

from typing import Any

import click
from typer import _click  # typer's own copy of click: the classes its commands use

from models.errors import CountlabError

USAGE_ERRORS = (_click.exceptions.ClickException, click.exceptions.ClickException)
NO_ARGS_HELP = (_click.exceptions.NoArgsIsHelpError, click.exceptions.NoArgsIsHelpError)


def usage_line(error: Any) -> str:
    """``run --draws '1e3': Input should be a valid integer, ...``: the command, the option,
    the value given and what is wrong, on one line."""
    ctx = getattr(error, "ctx", None)
    command = f"{ctx.info_name}: " if ctx is not None and ctx.parent is not None else ""
    param = getattr(error, "param", None)
    cause = error.__cause__
    if param is not None and hasattr(cause, "errors"):  # typer's pydantic coercion
        first = cause.errors()[0]
        hint = param.opts[0] if getattr(param, "opts", None) else param.name
        return f"{command}{hint} {first.get('input')!r}: {first.get('msg')}"
    return command + " ".join(error.format_message().split())


def check_repeated(group: Any, args: list[str]) -> None:
    """A one-line error if an option that takes one value is given twice (click would keep
    the last and drop the first silently); repeatable options (``--vary``) may repeat."""
    name = next((a for a in args if not a.startswith("-")), None)
    command = group.commands.get(name) if name else None
    if command is None or name is None:
        return
    rest = args[args.index(name) + 1 :]
    if hasattr(command, "commands"):  # a group (`countlab analyze`): check its command
        check_repeated(command, rest)
        return
    if "--" in rest:
        rest = rest[: rest.index("--")]
    for param in command.params:
        if not hasattr(param, "is_flag") or param.multiple or param.count:
            continue
        given = [a for a in rest for opt in param.opts if a == opt or a.startswith(opt + "=")]
        if len(given) > 1 and not param.is_flag:
            raise CountlabError(
                f"{param.opts[0]} given {len(given)} times: it takes one value; give it once"
            )
