"""Optional bearer tokens for ``/api/v1``; the screens never need one.

The config lists environment variable *names* (``api.tokens_env``); their
values are the accepted tokens. With none configured, the API is open like the
screens. Values are read per request from the wall's environment and compared
in constant time; a token never appears in a response or a log line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask import Response, request

from collectors.options import read_env
from collectors.tokens import bearer, matches_any
from wallboard.api.errors import error_response
from wallboard.wall import current_wall


def accepted_tokens(names: Sequence[str], env: Mapping[str, str]) -> list[bytes]:
    """The non-empty token values behind the configured names."""
    values = (read_env(name, env) for name in names)
    return [value.encode() for value in values if value]


def presents_token(header: str | None, tokens: Sequence[bytes]) -> bool:
    """Whether an ``Authorization`` header carries one of ``tokens`` (constant time)."""
    presented = bearer(header)
    return presented is not None and matches_any(presented, tokens)


def require_token(exempt: frozenset[str]) -> Response | None:
    """A ``before_request`` hook: None lets the request through, else a 401."""
    if request.endpoint in exempt:
        return None
    wall = current_wall()
    names = wall.config.api.tokens_env
    if not names:
        return None
    # Configured but unset at run time means no token matches: fail closed, never open.
    tokens = accepted_tokens(names, wall.env)
    if presents_token(request.headers.get("Authorization"), tokens):
        return None
    response = error_response(
        401, "unauthorized", "this API needs a valid token: Authorization: Bearer <token>"
    )
    response.headers["WWW-Authenticate"] = 'Bearer realm="wallboard"'
    return response
