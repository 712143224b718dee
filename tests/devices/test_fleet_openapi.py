"""The fleet API is in the OpenAPI document, and its live answers match it."""

from __future__ import annotations

from pathlib import Path

import schemathesis

from tests.devices.support import ADMIN, ENV, config, start_pairing
from tests.support.api_client import fetch
from tests.support.live import serve_wall

ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN}"}


def test_the_screens_operations_are_documented_and_answer_as_documented(tmp_path: Path) -> None:
    with serve_wall(config(tmp_path), env=ENV) as live:
        doc = fetch(f"{live.url}/api/v1/openapi.json").json()
        paths = doc["paths"]
        assert "get" in paths["/api/v1/screens"]
        assert "post" in paths["/api/v1/screens/approve"]
        assert "post" in paths["/api/v1/screens/{screen_id}/{action}"]
        assert {"ScreenList", "ScreenApproved", "ScreenAction"} <= set(doc["components"]["schemas"])

        schema = schemathesis.openapi.from_url(f"{live.url}/api/v1/openapi.json")
        code, _ = start_pairing(live.url)
        statuses = []

        def call(path: str, method: str, **kw: object) -> object:
            operation = schema[path][method]
            case = operation.Case(headers=ADMIN_HEADERS, **kw)
            response = case.call(base_url=live.url)
            operation.validate_response(response)  # raises with the offending field if not
            statuses.append(response.status_code)
            return response

        approve = "/api/v1/screens/approve"
        approved = call(approve, "POST", body={"code": code, "name": "Hall", "page": "/wall"})
        screen_id = approved.json()["screen"]["id"]  # type: ignore[attr-defined]
        call(approve, "POST", body={"code": code, "name": "Again", "page": "/wall"})  # used
        call(approve, "POST", body={"code": "BCDFGHJK", "name": "x", "page": "/nowhere"})
        call("/api/v1/screens", "GET")
        act = "/api/v1/screens/{screen_id}/{action}"
        call(act, "POST", path_parameters={"screen_id": screen_id, "action": "reload"}, body={})
        call(act, "POST", path_parameters={"screen_id": "nope", "action": "reload"}, body={})
        call(act, "POST", path_parameters={"screen_id": screen_id, "action": "revoke"}, body={})
        assert statuses == [201, 404, 400, 200, 200, 404, 200]
        refused = fetch(f"{live.url}/api/v1/screens")  # no token
        assert refused.status == 401
