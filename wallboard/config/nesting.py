"""How deep a TOML text nests, read from the text itself, with the line and key to blame.

``tomllib`` parses arrays and inline tables recursively: a value nested a few hundred
levels deep ends in a RecursionError that knows neither key nor line. This scan runs
before the parser, in one pass: brackets and braces inside strings and comments do not
count, table headers (``[a.b]``, ``[[a]]``) are never deep.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADER = re.compile(r"\s*\[\[?\s*([^\]#]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"\s*([A-Za-z0-9_\-.\"' ]+?)\s*=")


@dataclass(frozen=True)
class TooDeep:
    path: str  # "table.key" of the value, as well as the text tells it
    line: int
    column: int


def _clean(key: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in key.split("."))


def too_deep(text: str, limit: int) -> TooDeep | None:
    """Where a value first nests past ``limit`` arrays or inline tables, or None."""
    table, key = "", ""
    depth = 0
    line, start = 1, 0  # line number, offset of its first character
    quote = ""  # the open string's delimiter: ", ', \"\"\" or '''
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if quote:
            if char == "\\" and quote[0] == '"':
                i += 2
                continue
            if text.startswith(quote, i):
                i += len(quote)
                quote = ""
                continue
            if char == "\n":
                line, start = line + 1, i + 1
            i += 1
            continue
        if char == "\n":
            line, start = line + 1, i + 1
        elif char == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif char in "\"'":
            quote = char * 3 if text.startswith(char * 3, i) else char
            i += len(quote)
            continue
        elif depth == 0 and not char.isspace() and not text[start:i].strip():
            end = text.find("\n", i)
            rest = text[i : n if end < 0 else end]
            header = _HEADER.match(rest) if char == "[" else None
            if header:
                table, key = _clean(header.group(1)), ""
                i += len(rest)
                continue
            assigned = _KEY.match(rest)
            if assigned:
                key = _clean(assigned.group(1))
        if char in "[{":
            depth += 1
            if depth > limit:
                path = ".".join(part for part in (table, key) if part)
                return TooDeep(path, line, i - start + 1)
        elif char in "]}":
            depth = max(0, depth - 1)
        i += 1
    return None
