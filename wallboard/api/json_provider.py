"""Flask's JSON, refusing what is not JSON, both ways.

Out: Python's ``json.dumps`` writes ``Infinity`` by default, which no JSON parser reads.
The views give ``None`` plus a text for any such number (views/shapes.py); should one
slip through anyway, the request fails as a clean JSON 500 (api/errors.py) instead of
answering a document its client cannot parse.

In: ``request.get_json`` parses with ``collectors.jsonsafe``, so a body nested past 32
levels or holding ``NaN``, ``1e400`` or a 400-digit integer is a ValueError (a 400, or
None with ``silent=True``), never a RecursionError's 500.
"""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider

from collectors import jsonsafe


class StrictJSONProvider(DefaultJSONProvider):
    """``allow_nan=False`` on every ``jsonify`` and ``app.json.dumps``; documented field
    order (no key sorting); bounded parsing of request bodies."""

    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("allow_nan", False)
        return super().dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return jsonsafe.loads(s)
