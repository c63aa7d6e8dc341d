"""Make an uploaded file's name safe to show and store."""

from __future__ import annotations

import re

_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def safe_file_name(name: str | None) -> str:
    """The base name of `name`: directory parts (both "/" and "\\") and control characters
    dropped, surrounding whitespace stripped; "upload" when nothing usable is left."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _CONTROL_CHARS.sub("", base).strip()
    if base in ("", ".", ".."):
        return "upload"
    return base
