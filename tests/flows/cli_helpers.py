"""Run the ``countlab`` CLI in-process, as a user would from a shell."""

from __future__ import annotations

import sys

from flows.cli import main


def run_cli(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Return (exit code, stdout, stderr) of ``countlab ARGS``."""
    monkeypatch.setattr(sys, "argv", ["countlab", *args])
    code = 0
    try:
        main()
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err
