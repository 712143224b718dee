"""The fleet API's operations (``/api/v1/screens``, admin token) in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from wallboard.api.links import PREFIX
from wallboard.api.openapi_schemas import json_content, ref

_ADMIN: list[dict[str, list[str]]] = [
    {"bearer": []}
]  # an admin token (screen.admin_tokens_env), never a read token
_UNAUTHORIZED = json_content(ref("Error"), "No admin token, or a read token")
_UNAVAILABLE = json_content(ref("Error"), "The pairing records are unreachable (retry)")
# Wrong admin tokens count against the sign-in limiter of the client's address.
_TOO_MANY = json_content(ref("Error"), "Too many attempts (Retry-After)")


def _body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required}
    return {"required": bool(required), "content": {"application/json": {"schema": schema}}}


def paths() -> dict[str, Any]:
    text = {"type": "string"}
    screen_id = {"name": "screen_id", "in": "path", "required": True, "schema": text}
    action = {
        "name": "action",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "enum": ["identify", "reload", "move", "revoke"]},
    }
    return {
        f"{PREFIX}/screens": {
            "get": {
                "summary": "Every paired screen and every screen seen in 24 h, on every replica",
                "security": _ADMIN,
                "responses": {
                    "200": json_content(ref("ScreenList"), "The fleet"),
                    "401": _UNAUTHORIZED,
                    "429": _TOO_MANY,
                    "503": _UNAVAILABLE,
                },
            }
        },
        f"{PREFIX}/screens/approve": {
            "post": {
                "summary": "Approve the code a screen shows, for a page",
                "security": _ADMIN,
                "requestBody": _body(
                    {"code": text, "name": text, "page": text, "via": text},
                    ["code", "name", "page"],
                ),
                "responses": {
                    "201": json_content(ref("ScreenApproved"), "Approved"),
                    "400": json_content(ref("Error"), "Not a JSON object, a bad name or page"),
                    "401": _UNAUTHORIZED,
                    "404": json_content(ref("Error"), "No screen waits with this code"),
                    "429": _TOO_MANY,
                    "503": _UNAVAILABLE,
                },
            }
        },
        f"{PREFIX}/screens/{{screen_id}}/{{action}}": {
            "post": {
                "summary": "Identify, reload, move (body: page) or revoke one screen",
                "security": _ADMIN,
                "parameters": [screen_id, action],
                "requestBody": _body({"page": text}, []),
                "responses": {
                    "200": json_content(ref("ScreenAction"), "Sent"),
                    "400": json_content(ref("Error"), "A bad page"),
                    "401": _UNAUTHORIZED,
                    "404": json_content(ref("Error"), "Unknown screen or action"),
                    "409": json_content(ref("Error"), "Only a paired screen can be revoked"),
                    "429": _TOO_MANY,
                    "503": _UNAVAILABLE,
                },
            }
        },
    }
