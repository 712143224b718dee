"""Flask's JSON, refusing what is not JSON: ``NaN`` and infinities raise, never go out.

Python's ``json.dumps`` writes ``Infinity`` by default, which no JSON parser reads. The
views give ``None`` plus a text for any such number (views/shapes.py); should one slip
through anyway, the request fails as a clean JSON 500 (api/errors.py) instead of
answering a document its client cannot parse.
"""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider


class StrictJSONProvider(DefaultJSONProvider):
    """``allow_nan=False`` on every ``jsonify`` and ``app.json.dumps``; documented field
    order (no key sorting)."""

    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("allow_nan", False)
        return super().dumps(obj, **kwargs)
