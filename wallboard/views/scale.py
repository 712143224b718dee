"""``?scale=``: how much larger a screen draws its text (a big room's TV asks for 2).

One range for the pages that draw it (``screens/pages.py`` answers 400 outside it) and for
the pages a TV may be paired or moved to (``devices/scope.py`` keeps a valid one), so a
TV opened at ``/teams/search?scale=1.5`` keeps its scale through its approval.
"""

from __future__ import annotations

import math

SCALE_MIN = 0.5
SCALE_MAX = 3.0


def parse_scale(raw: str) -> float | None:
    """The scale ``raw`` asks for, or None when it is not a number in range."""
    try:
        scale = float(raw)
    except ValueError:
        return None
    if math.isnan(scale) or not SCALE_MIN <= scale <= SCALE_MAX:  # NaN and infinities too
        return None
    return scale
