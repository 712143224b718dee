"""The OpenAPI 3.1 description of ``/api/v1``, checked against live answers by the tests.

The shapes live in ``openapi_schemas``; this module describes the operations.
"""

from __future__ import annotations

from typing import Any

from wallboard.api import openapi_screens
from wallboard.api.links import PREFIX
from wallboard.api.openapi_schemas import SCHEMAS, json_content, ref

_ETAG = {"ETag": {"description": "Board version; send it back as If-None-Match.", "schema": {}}}
_ONE_STATUS = "(ok|warn|crit|unknown)"
_IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}}
_ERRORS = {
    "400": json_content(ref("Error"), "Bad query parameter"),
    "401": json_content(ref("Error"), "A bearer token is configured and this one is missing/wrong"),
}


def _read(summary: str, schema: str, params: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "summary": summary,
        "parameters": [*params, _IF_NONE_MATCH],
        "responses": {
            "200": {**json_content(ref(schema), "Read from the board"), "headers": _ETAG},
            "304": {"description": "Not modified since the If-None-Match version"},
            **_ERRORS,
            "404": json_content(ref("Error"), "Unknown team (with suggestions)"),
            "503": json_content(
                ref("Error"),
                "Replicas: this one is behind a version another has shown; retry (Retry-After)",
            ),
        },
    }


def _slack() -> dict[str, Any]:
    fields = [
        "token",
        "team_id",
        "team_domain",
        "enterprise_id",
        "enterprise_name",
        "channel_id",
        "channel_name",
        "user_id",
        "user_name",
        "command",
        "text",
        "response_url",
        "trigger_id",
        "api_app_id",
        "is_enterprise_install",
    ]
    header = {"in": "header", "required": True, "schema": {"type": "string"}}
    return {
        "summary": "Slack slash command (signed by Slack; no bearer token)",
        "security": [],
        "parameters": [
            {"name": "X-Slack-Request-Timestamp", **header},
            {"name": "X-Slack-Signature", **header},
        ],
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {f: {"type": "string"} for f in fields},
                    }
                }
            },
        },
        "responses": {
            "200": json_content(ref("SlackReply"), "The answer Slack posts"),
            "400": json_content(ref("Error"), "Signed but not a form"),
            "401": {"description": "Bad or stale signature (no content)"},
            "404": json_content(ref("Error"), "Slack is not configured"),
            "413": json_content(ref("Error"), "Body too large"),
        },
    }


def document(base: str, team_ids: list[str], tokens_required: bool) -> dict[str, Any]:
    """The description for a server reached at ``base``, with its own teams as examples."""
    team = {
        "name": "team",
        "in": "path",
        "required": True,
        "description": "Team id as in the screen URL /teams/<team>.",
        "schema": {"type": "string"},
        "examples": {t: {"value": t} for t in team_ids},
    }
    history = {
        "name": "history",
        "in": "query",
        "description": "1/true adds each panel's sparkline history.",
        "schema": {"type": "string", "enum": ["0", "1", "true", "false"]},
    }
    status = {
        "name": "status",
        "in": "query",
        "description": "Only teams with one of these statuses: ok, warn, crit, unknown, "
        "comma-separated (crit,warn). Anything else is a 400 naming it.",
        "schema": {
            "type": "string",
            "pattern": "^(ok|warn|crit|unknown)(,(ok|warn|crit|unknown))*$",
        },
    }
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "wallboard", "version": "1"},
        "servers": [{"url": base}],
        "paths": {
            f"{PREFIX}/teams": {
                "get": _read("Every team, worst first (ties in config order)", "TeamList", [status])
            },
            f"{PREFIX}/teams/{{team}}": {
                "get": _read("One team's panels as its screen shows them", "Team", [team, history])
            },
            f"{PREFIX}/teams/{{team}}/summary": {
                "get": _read("One line and Slack Block Kit for a team", "Summary", [team])
            },
            f"{PREFIX}/teams/{{team}}/oncall": {
                "get": _read(
                    "Who is on call and what is open, in the screen's words", "Oncall", [team]
                )
            },
            f"{PREFIX}/teams/{{team}}/deploys": {
                "get": _read("A team's recent deploys, newest first", "DeployList", [team])
            },
            f"{PREFIX}/rooms": {
                "get": {
                    "summary": "Every room: its teams, their worst status, a rotation's page now",
                    "responses": {
                        "200": json_content(ref("RoomList"), "Read from the board and config"),
                        "401": _ERRORS["401"],
                    },
                }
            },
            f"{PREFIX}/openapi.json": {
                "get": {
                    "summary": "This document",
                    "security": [],
                    "responses": {"200": json_content({"type": "object"}, "OpenAPI 3.1")},
                }
            },
            f"{PREFIX}/slack/command": {"post": _slack()},
            **openapi_screens.paths(),
        },
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
    if tokens_required:
        doc["security"] = [{"bearer": []}]
    return doc
