"""The OpenAPI components, generated from the response models in ``models``.

Nothing here is written by hand: the classes that build the answers are the
schemas (pydantic's JSON Schema, serialization mode, OpenAPI 3.1 dialect).
"""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from wallboard.api.models import RESPONSES
from wallboard.api.rooms import ROOM_RESPONSES

REF_TEMPLATE = "#/components/schemas/{model}"


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF_TEMPLATE.format(model=name)}


def json_content(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _schemas() -> dict[str, Any]:
    _, top = models_json_schema(
        [(model, "serialization") for model in (*RESPONSES, *ROOM_RESPONSES)],
        ref_template=REF_TEMPLATE,
    )
    defs: dict[str, Any] = top["$defs"]
    return defs


SCHEMAS: dict[str, Any] = _schemas()
