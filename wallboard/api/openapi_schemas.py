"""The shapes the API answers with, as OpenAPI 3.1 (JSON Schema) components.

Objects are closed (``additionalProperties: false``): a field added to the
views without being described here fails the schema tests instead of drifting.
Enumerations come from the config's own types, so they cannot disagree.
"""

from __future__ import annotations

from typing import Any, get_args

from collectors.base import STATUSES
from wallboard.config.schema import Direction, PanelKind, Unit

STATUS = {"type": "string", "enum": list(STATUSES)}
NUMBER_OR_NULL = {"type": ["number", "null"]}
STRING_OR_NULL = {"type": ["string", "null"]}
UNIT = list(get_args(Unit))


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": [k for k in properties if k not in optional],
        "additionalProperties": False,
    }


def json_content(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


SCHEMAS: dict[str, Any] = {
    "Status": STATUS,
    "Thresholds": _object(
        {
            "warn": NUMBER_OR_NULL,
            "crit": NUMBER_OR_NULL,
            "direction": {"type": "string", "enum": list(get_args(Direction))},
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
            "kind": {"type": "string", "enum": list(get_args(PanelKind))},
            "unit": {"type": "string", "enum": UNIT},
            "value": {**NUMBER_OR_NULL, "description": "In the unit shown (1.5 = 1.5 %)."},
            "display": {"type": "string", "description": "Exactly as the screen writes it."},
            "status": STATUS,
            "thresholds": ref("Thresholds"),
            "updated_at": {**NUMBER_OR_NULL, "description": "Last success, unix seconds."},
            "stale": {"type": "boolean"},
            "error": {**STRING_OR_NULL, "description": "Why the last collection failed."},
            "config_error": {"type": "boolean"},
            "error_since": NUMBER_OR_NULL,
            "items": {"type": "array", "items": ref("Item")},
            "source": {"type": "string"},
            "demo": {"type": "boolean"},
            "version": {"type": "integer"},
            "spark": {
                "type": "array",
                "items": NUMBER_OR_NULL,
                "description": "Sparkline history, oldest first; only with ?history=1.",
            },
            "spark_from": {**NUMBER_OR_NULL, "description": "Oldest point, unix seconds."},
            "spark_to": {**NUMBER_OR_NULL, "description": "Newest point, unix seconds."},
            "spark_span": {"type": "string", "description": 'What the line covers: "last 1 h".'},
            "facts": {
                "type": "object",
                "description": "Numbers behind the value (an SLO's budget, burns, thresholds).",
                "additionalProperties": {"type": ["string", "number", "null"]},
            },
            "deploys": {"type": "array", "items": ref("Deploy")},
            "worse_since": {
                **STRING_OR_NULL,
                "description": "The deploy after which this panel got worse, if recent.",
            },
        },
        optional=("spark", "spark_from", "spark_to", "spark_span"),
    ),
    "Deploy": _object(
        {
            "team": {"type": "string"},
            "version": {"type": "string"},
            "short": {"type": "string"},
            "at": {"type": "number", "description": "Unix seconds."},
            "source": {"type": "string"},
            "url": STRING_OR_NULL,
            "environment": STRING_OR_NULL,
        }
    ),
    "DeployList": _object(
        {
            "id": {"type": "string"},
            "version": {"type": "integer"},
            "deploys": {"type": "array", "items": ref("Deploy")},
        }
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
            "panels": {"type": "array", "items": ref("Panel")},
            "links": ref("Links"),
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
            "worst_panel": {"oneOf": [ref("WorstPanel"), {"type": "null"}]},
            "links": ref("Links"),
        }
    ),
    "TeamList": _object(
        {"version": {"type": "integer"}, "teams": {"type": "array", "items": ref("TeamRow")}}
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
            "slack": ref("SlackMessage"),
        }
    ),
    "SlackReply": {
        "allOf": [
            ref("SlackMessage"),
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
