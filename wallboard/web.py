"""What every face of the app shares of HTTP: JSON errors, links, bodies, bearer tokens.

A leaf below the faces (``api``, ``hooks``, ``devices``, ``screens``), so that no face
imports another for these and no import runs both ways between them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import Response, jsonify, request
from pydantic import BaseModel, ConfigDict, Field

from collectors.options import read_env, secret_in_file
from collectors.tokens import bearer, matches_any
from wallboard.config.loader import WallConfig

PREFIX = "/api/v1"


def base_url(config: WallConfig) -> str:
    """``wall.public_url`` when configured (behind a proxy), else the host that was asked."""
    return (config.wall.public_url or request.host_url).rstrip("/")


def body(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """``data`` checked against ``model`` and serialised by it, as the response body."""
    return model.model_validate(data).model_dump(mode="json", exclude_unset=True)


def _omitted(schema: dict[str, Any]) -> None:
    # A field left out of the body when absent: no "default": null in the document.
    schema.pop("default", None)


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    message: str
    suggestions: list[str] = Field(default=None, json_schema_extra=_omitted)  # type: ignore[arg-type]


class Error(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    error: ErrorDetail


def error_response(status: int, code: str, message: str, **extra: Any) -> Response:
    """A JSON error that is never cached (the next request may well succeed)."""
    response = jsonify(body(Error, {"error": {"code": code, "message": message, **extra}}))
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


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
