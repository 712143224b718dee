"""One contract: the response models build the answers and are the OpenAPI components."""

from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

import pytest
from pydantic import ValidationError

from collectors.base import STATUSES
from tests.support.api_client import api_config, fetch, set_board
from tests.support.live import serve_wall
from wallboard.api import models
from wallboard.api.links import team_links
from wallboard.views.team import team_view

API = "/api/v1"


def test_the_document_components_are_exactly_the_response_models(tmp_path: Path) -> None:
    with serve_wall(api_config(tmp_path), schedule=False) as live:
        doc = json.loads(fetch(f"{live.url}{API}/openapi.json").body)
    schemas = doc["components"]["schemas"]
    for model in models.RESPONSES:
        expected = model.model_json_schema(
            mode="serialization", ref_template="#/components/schemas/{model}"
        )
        expected.pop("$defs", None)
        assert schemas[model.__name__] == expected
    assert schemas["Panel"]["additionalProperties"] is False
    assert "spark" not in schemas["Panel"]["required"]
    assert set(get_args(models.Status)) == set(STATUSES)


def test_a_body_is_the_screen_view_unchanged_numbers_included(tmp_path: Path) -> None:
    with serve_wall(api_config(tmp_path), schedule=False) as live:
        set_board(live.wall, payments_rate=0.062, search_rate=0.004, down=1)
        answer = fetch(f"{live.url}{API}/teams/payments?history=1")
        view = team_view(live.wall.board, "payments", history=True)
        expected = {**view, "links": team_links(live.url, "payments")}
    body = json.loads(answer.body)
    # Beside the team's links, its signed mobile page (the QR's link): checked in tests/rooms.
    mobile = body["links"].pop("mobile")
    assert mobile.startswith(f"{live.url}/m/teams/payments?exp=")
    # Same values and the same JSON types (a count stays 3, never 3.0).
    assert body == json.loads(json.dumps(expected))
    assert answer.body.decode().count('"spark"') == len(body["panels"])


def test_a_view_field_missing_from_the_models_fails_loudly_instead_of_drifting(
    tmp_path: Path,
) -> None:
    with serve_wall(api_config(tmp_path), schedule=False) as live:
        set_board(live.wall, payments_rate=0.062, search_rate=0.004)
        view = team_view(live.wall.board, "payments", history=False)
        links = team_links(live.url, "payments")
    view["panels"][0]["new_field"] = 1
    with pytest.raises(ValidationError, match="new_field"):
        models.body(models.Team, {**view, "links": links})
