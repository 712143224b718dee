"""The OpenAPI 3.1 description of ``/api/v1``, checked against live answers by the tests.

Objects are closed (``additionalProperties: false``): a field added to the
views without being described here fails the schema tests instead of drifting.
"""

from __future__ import annotations

from typing import Any

from wallboard.links import PREFIX

STATUS = {"type": "string", "enum": ["ok", "warn", "crit", "unknown"]}
NUMBER_OR_NULL = {"type": ["number", "null"]}
STRING_OR_NULL = {"type": ["string", "null"]}
UNIT = ["percent", "per_second", "per_minute", "count", "ms", "seconds", "none"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": [k for k in properties if k not in optional],
        "additionalProperties": False,
    }


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


SCHEMAS: dict[str, Any] = {
    "Status": STATUS,
    "Thresholds": _object(
        {
            "warn": NUMBER_OR_NULL,
            "crit": NUMBER_OR_NULL,
            "direction": {"type": "string", "enum": ["above", "below"]},
        }
    ),
    "Item": _object(
        {
            "title": {"type": "string"},
            "status": STATUS,
            "detail": {"type": "string"},
            "since": NUMBER_OR_NULL,
            "link": STRING_OR_NULL,
            "meta": {
                "type": "object",
                "additionalProperties": {"type": ["string", "number", "null"]},
            },
        }
    ),
    "Panel": _object(
        {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "kind": {"type": "string", "enum": ["metric", "health", "issues", "alerts"]},
            "unit": {"type": "string", "enum": UNIT},
            "value": {**NUMBER_OR_NULL, "description": "In the unit shown (1.5 = 1.5 %)."},
            "display": {"type": "string", "description": "Exactly as the screen writes it."},
            "status": STATUS,
            "thresholds": _ref("Thresholds"),
            "updated_at": {**NUMBER_OR_NULL, "description": "Last success, unix seconds."},
            "stale": {"type": "boolean"},
            "error": {**STRING_OR_NULL, "description": "Why the last collection failed."},
            "config_error": {"type": "boolean"},
            "error_since": NUMBER_OR_NULL,
            "items": {"type": "array", "items": _ref("Item")},
            "source": {"type": "string"},
            "demo": {"type": "boolean"},
            "version": {"type": "integer"},
            "spark": {
                "type": "array",
                "items": NUMBER_OR_NULL,
                "description": "Sparkline history, oldest first; only with ?history=1.",
            },
        },
        optional=("spark",),
    ),
    "Links": _object(
        {
            "self": {"type": "string", "format": "uri"},
            "summary": {"type": "string", "format": "uri"},
            "screen": {"type": "string", "format": "uri"},
        }
    ),
    "Team": _object(
        {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "version": {"type": "integer"},
            "status": STATUS,
            "panels": {"type": "array", "items": _ref("Panel")},
            "links": _ref("Links"),
        }
    ),
    "WorstPanel": _object(
        {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "display": {"type": "string"},
            "status": STATUS,
            "value": NUMBER_OR_NULL,
            "unit": {"type": "string", "enum": UNIT},
        }
    ),
    "TeamRow": _object(
        {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "status": STATUS,
            "worst_panel": {"oneOf": [_ref("WorstPanel"), {"type": "null"}]},
            "links": _ref("Links"),
        }
    ),
    "TeamList": _object(
        {"version": {"type": "integer"}, "teams": {"type": "array", "items": _ref("TeamRow")}}
    ),
    "SlackMessage": {
        "type": "object",
        "properties": {
            "text": {"type": "string", "description": "Notification fallback."},
            "blocks": {
                "type": "array",
                "maxItems": 50,
                "items": {"type": "object", "required": ["type"]},
            },
        },
        "required": ["text", "blocks"],
    },
    "Summary": _object(
        {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "status": STATUS,
            "version": {"type": "integer"},
            "text": {"type": "string", "description": "One line, with the screen's strings."},
            "screen_url": {"type": "string", "format": "uri"},
            "slack": _ref("SlackMessage"),
        }
    ),
    "SlackReply": {
        "allOf": [
            _ref("SlackMessage"),
            {
                "type": "object",
                "properties": {
                    "response_type": {"type": "string", "enum": ["ephemeral", "in_channel"]}
                },
                "required": ["response_type"],
            },
        ]
    },
    "Error": _object(
        {
            "error": _object(
                {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "suggestions": {"type": "array", "items": {"type": "string"}},
                },
                optional=("suggestions",),
            )
        }
    ),
}

_ETAG = {"ETag": {"description": "Board version; send it back as If-None-Match.", "schema": {}}}
_IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}}
_ERRORS = {
    "400": _json(_ref("Error"), "Bad query parameter"),
    "401": _json(_ref("Error"), "A bearer token is configured and this one is missing/wrong"),
}


def _read(summary: str, schema: str, params: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "summary": summary,
        "parameters": [*params, _IF_NONE_MATCH],
        "responses": {
            "200": {**_json(_ref(schema), "Read from the board"), "headers": _ETAG},
            "304": {"description": "Not modified since the If-None-Match version"},
            **_ERRORS,
            "404": _json(_ref("Error"), "Unknown team (with suggestions)"),
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
            "200": _json(_ref("SlackReply"), "The answer Slack posts"),
            "400": _json(_ref("Error"), "Signed but not a form"),
            "401": {"description": "Bad or stale signature (no content)"},
            "404": _json(_ref("Error"), "Slack is not configured"),
            "413": _json(_ref("Error"), "Body too large"),
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
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "wallboard", "version": "1"},
        "servers": [{"url": base}],
        "paths": {
            f"{PREFIX}/teams": {"get": _read("Every team, worst panel first", "TeamList", [])},
            f"{PREFIX}/teams/{{team}}": {
                "get": _read("One team's panels as its screen shows them", "Team", [team, history])
            },
            f"{PREFIX}/teams/{{team}}/summary": {
                "get": _read("One line and Slack Block Kit for a team", "Summary", [team])
            },
            f"{PREFIX}/openapi.json": {
                "get": {
                    "summary": "This document",
                    "security": [],
                    "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1")},
                }
            },
            f"{PREFIX}/slack/command": {"post": _slack()},
        },
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
    if tokens_required:
        doc["security"] = [{"bearer": []}]
    return doc
