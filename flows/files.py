"""Reading the user's text files: UTF-8, with a one-line error naming the file."""

from __future__ import annotations

from importlib.resources.abc import Traversable
from pathlib import Path

from models.errors import CountlabError


def read_utf8(path: Path | Traversable, *, source: str, missing: CountlabError) -> str:
    """Return the text of ``path``; raise ``missing`` when it is not a file, and a one-line
    error naming ``source`` when it is not UTF-8."""
    if not path.is_file():
        raise missing
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CountlabError(f"{source}: not UTF-8 text ({exc.reason})") from None
