"""Rows of the session's CSV files, with the line of each row for one-line errors.

The one tokenizer of the state files (:mod:`models.statehouses`) and the ideal points
(:mod:`models.ideal_points`); the roll-call reader in ``flows/rollcalls.py`` uses it too, so
that every file names its bad line the same way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from models.errors import InputError


def csv_rows(
    text: str, *, source: str, columns: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line, {column: stripped cell})`` per row of a CSV whose header holds exactly
    ``columns`` (in any order); blank lines are skipped."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = [cell.strip() for cell in next(reader, [])]
        for column in columns:
            if column not in header:
                raise InputError(
                    source, column, None, f"missing column (header is {header})", row=1
                )
        for i, column in enumerate(header):
            if column not in columns:
                raise InputError(
                    source, column, None, f"unknown column; expected {list(columns)}", row=1
                )
            if column in header[:i]:
                raise InputError(source, column, None, "column listed twice", row=1)
        for cells in reader:
            row = reader.line_num
            if not cells:
                continue
            if len(cells) < len(header):
                field = header[len(cells)]
                raise InputError(source, field, None, "missing value (row too short)", row=row)
            if len(cells) > len(header):
                raise InputError(
                    source,
                    f"column {len(header) + 1}",
                    cells[len(header)],
                    f"extra value (the header has {len(header)} columns)",
                    row=row,
                )
            yield row, {column: cell.strip() for column, cell in zip(header, cells, strict=True)}
    except csv.Error as exc:
        raise InputError(
            source, "csv", None, f"not valid CSV ({exc})", row=reader.line_num
        ) from None
