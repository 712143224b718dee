"""Optional bearer tokens for ``/api/v1``; the screens never need one.

The config lists environment variable *names* (``api.tokens_env``); their
values are the accepted tokens. With none configured, the API is open like the
screens. Values are read per request from the wall's environment and compared
in constant time; a token never appears in a response or a log line.
"""

from __future__ import annotations

from flask import Response, request

from wallboard.api.errors import error_response
from wallboard.wall import current_wall
from wallboard.web import accepted_tokens as accepted_tokens
from wallboard.web import presents_token as presents_token


def require_token(exempt: frozenset[str]) -> Response | None:
    """A ``before_request`` hook: None lets the request through, else a 401."""
    if request.endpoint in exempt:
        return None
    wall = current_wall()
    api = wall.config.api
    if not api.tokens_env and not api.tokens_file:
        return None
    # Configured but unset at run time means no token matches: fail closed, never open.
    tokens = accepted_tokens(api.tokens_env, wall.env, api.tokens_file)
    if presents_token(request.headers.get("Authorization"), tokens):
        return None
    response = error_response(
        401, "unauthorized", "this API needs a valid token: Authorization: Bearer <token>"
    )
    response.headers["WWW-Authenticate"] = 'Bearer realm="wallboard"'
    return response
