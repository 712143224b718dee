"""JSON from outside, parsed so that no number in it and no nesting of it can hurt.

``json.loads`` takes ``NaN`` and ``Infinity`` (not JSON), turns ``1e400`` into
infinity and a 400-digit integer into an int that ``float()`` cannot convert, and
recurses once per bracket. :func:`loads` refuses all of these with a ValueError
naming what is wrong, so a webhook answers 400, a screen's frame closes cleanly
and an upstream's answer is a collector error: never a 500 or a traceback.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 32  # webhooks, screen frames and small upstream answers nest under 10 levels
MAX_INT_DIGITS = 20  # unix milliseconds and counters fit; 400 digits do not


class TooDeep(ValueError):
    """The document nests deeper than allowed (checked before parsing recurses)."""


class BadNumber(ValueError):
    """A number that is not a finite float, or an integer past ``MAX_INT_DIGITS``."""


def _constant(name: str) -> Any:
    raise BadNumber(f"{name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadNumber(f"number {text[:40]} is out of range")
    return value


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise BadNumber(f"integer of {len(text)} digits is out of range")
    return int(text)


def loads(data: str | bytes, max_depth: int | None = MAX_DEPTH) -> Any:
    """The parsed document; ``TooDeep``, ``BadNumber`` or another ValueError (not JSON,
    not UTF-8) otherwise. ``max_depth=None`` skips the linear depth scan (large
    upstream answers) and relies on catching the parser's own recursion limit."""
    if max_depth is not None and depth(data, max_depth) > max_depth:
        raise TooDeep(f"JSON nested deeper than {max_depth} levels")
    try:
        return json.loads(data, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except RecursionError:
        raise TooDeep("JSON nested too deep to parse") from None


def depth(data: str | bytes, limit: int = MAX_DEPTH) -> int:
    """The deepest bracket nesting outside strings, an upper bound for the parser's
    recursion; the scan stops as soon as it passes ``limit``."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    level = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            level += 1
            deepest = max(deepest, level)
            if deepest > limit:
                return deepest
        elif byte in (0x5D, 0x7D):
            level -= 1
    return deepest
