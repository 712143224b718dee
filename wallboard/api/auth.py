"""Optional bearer tokens for ``/api/v1``; the screens never need one.

The config lists environment variable *names* (``api.tokens_env``); their
values are the accepted tokens. With none configured, the API is open like the
screens. Values are read per request from the wall's environment and compared
in constant time; a token never appears in a response or a log line.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence

from flask import Response, current_app, request

from collectors.options import read_env, secret_in_file
from wallboard.api.errors import error_response
from wallboard.wall import wall


def accepted_tokens(
    names: Sequence[str], env: Mapping[str, str], files: Sequence[str] = ()
) -> list[bytes]:
    """The non-empty token values behind the configured names and files."""
    values = [read_env(name, env) for name in names]
    values += [secret_in_file(path) for path in files]
    return [value.encode() for value in values if value]


def token_ok(presented: str, tokens: Sequence[bytes]) -> bool:
    """Constant-time match against every token (no early exit that times which one)."""
    candidate = presented.encode()
    matched = False
    for token in tokens:
        matched |= hmac.compare_digest(candidate, token)
    return matched


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else None."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def require_token(exempt: frozenset[str]) -> Response | None:
    """A ``before_request`` hook: None lets the request through, else a 401."""
    if request.endpoint in exempt:
        return None
    the_wall = wall(current_app)
    api = the_wall.config.api
    if not api.tokens_env and not api.tokens_file:
        return None
    # Configured but unset at run time means no token matches: fail closed, never open.
    tokens = accepted_tokens(api.tokens_env, the_wall.env, api.tokens_file)
    presented = bearer(request.headers.get("Authorization"))
    if presented is not None and token_ok(presented, tokens):
        return None
    response = error_response(
        401, "unauthorized", "this API needs a valid token: Authorization: Bearer <token>"
    )
    response.headers["WWW-Authenticate"] = 'Bearer realm="wallboard"'
    return response
