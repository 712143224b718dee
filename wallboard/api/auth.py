"""Optional bearer tokens for ``/api/v1``; the screens never need one.

The config lists environment variable *names* (``api.tokens_env``); their
values are the accepted tokens. With none configured, the API is open like the
screens. Values are read per request from the wall's environment and compared
in constant time; a token never appears in a response or a log line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask import Response, request

from collectors.options import read_env, secret_in_file
from collectors.tokens import bearer, matches_any
from wallboard.api.errors import error_response
from wallboard.wall import current_wall


def accepted_tokens(
    names: Sequence[str], env: Mapping[str, str], files: Sequence[str] = ()
) -> list[bytes]:
    """The non-empty token values behind the configured names and files."""
    values = [read_env(name, env) for name in names]
    values += [secret_in_file(path) for path in files]
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
