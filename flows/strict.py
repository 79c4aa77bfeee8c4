"""The scenario file's tables' common base: frozen, extra keys forbidden, strict types."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Strict types: a TOML integer is a number, but a boolean or a string is not, and a
    float is not an integer (``draws = 1e3`` is refused)."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
