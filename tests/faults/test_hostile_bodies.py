"""Hostile bodies on every POST route: always a 4xx (or 2xx) JSON answer, never 5xx or HTML.

Each body is sent correctly authenticated (Alertmanager's bearer token, Sentry's
HMAC, Slack's signature), so it reaches the parsing code, and once without.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from collectors.sentry.webhook import signature as sentry_signature
from tests.faults.servers import FaultServer, Script
from tests.support.live import LiveSpec, LiveWall
from wallboard.api.slack import signature as slack_signature

SECRET = "hook-secret-value-1234"
ENV = {"HOOK_SECRET": SECRET}

BODIES: dict[str, bytes] = {
    "empty": b"",
    "not json": b"not json at all",
    "invalid utf-8": b'{"status": "firing\xff\xfe"}',
    "latin-1": '{"status": "café"}'.encode("latin-1"),
    "utf-16": '{"alerts": []}'.encode("utf-16"),
    "deep arrays": b"[" * 200_000,
    "deep but valid": b"[" * 900 + b"]" * 900,
    "deep objects": b'{"a":' * 5000 + b"1" + b"}" * 5000,
    "array": b"[]",
    "number": b"5",
    "string": b'"alerts"',
    "null": b"null",
    "nan": b'{"alerts": NaN, "status": Infinity}',
    "huge numbers": b'{"alerts": [{"labels": {"team": "payments"}, "startsAt": 1'
    + b"0" * 400
    + b', "endsAt": 1e400}], "status": "firing", "data": {"issue": {"id": 1'
    + b"0" * 400
    + b"}}}",
    "alerts wrong type": b'{"alerts": 5, "status": "firing"}',
    "alert items wrong": b'{"alerts": [1, "x", null, []], "status": "firing"}',
    "labels wrong": b'{"alerts": [{"labels": 5, "startsAt": 7, "status": []}]}',
    "sentry data wrong": b'{"action": "created", "data": 5}',
    "sentry issue wrong": b'{"action": [], "data": {"issue": {"id": {}, "project": 5}}}',
    "huge string": b'{"alerts": [], "status": "' + b"x" * 900_000 + b'"}',
    "oversized": b'{"alerts": [' + b'{"labels": {}},' * 200_000 + b"{}]}",
}


def config(url: str) -> str:
    return f"""
[wall]
heartbeat = "1s"

[slack]
signing_secret_env = "HOOK_SECRET"

[sources.am]
type = "alertmanager"
url = "{url}"
interval = "1h"
webhook_token_env = "HOOK_SECRET"

[sources.sentry]
type = "sentry"
url = "{url}"
org = "acme"
token_env = "HOOK_SECRET"
webhook_secret_env = "HOOK_SECRET"
interval = "1h"

[panels.alerts]
title = "Alerts"
source = "am"
kind = "alerts"

[panels.issues]
title = "Issues"
source = "sentry"

[teams.payments]
panels = ["alerts", "issues"]
sentry_projects = ["web"]
"""


@pytest.fixture(scope="module")
def live_spec(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSpec]:
    with FaultServer(Script(body=b"[]")) as upstream:
        path = tmp_path_factory.mktemp("hostile") / "wall.toml"
        path.write_text(config(upstream.url))
        yield LiveSpec(path, env=ENV, shared=True)


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.headers.get("Content-Type", ""), answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


def signed(route: str, body: bytes) -> dict[str, str]:
    if route == "/hooks/alertmanager":
        return {"Authorization": f"Bearer {SECRET}", "Content-Type": "application/json"}
    if route == "/hooks/sentry":
        return {
            "Sentry-Hook-Signature": sentry_signature(SECRET.encode(), body),
            "Sentry-Hook-Resource": "issue",
            "Content-Type": "application/json",
        }
    stamp = str(int(time.time()))
    return {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": slack_signature(SECRET.encode(), stamp, body),
        "Content-Type": "application/x-www-form-urlencoded",
    }


ROUTES = ("/hooks/alertmanager", "/hooks/sentry", "/api/v1/slack/command")


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("name", list(BODIES))
def test_any_signed_body_gets_a_json_answer_below_500(
    live: LiveWall, route: str, name: str
) -> None:
    body = BODIES[name]
    status, content_type, answer = post(live.url + route, body, signed(route, body))
    assert status < 500, (route, name, status, answer[:200])
    assert content_type.startswith("application/json"), (route, name, status, answer[:200])
    parsed = json.loads(answer)
    if status >= 400:
        assert parsed["error"]["message"], parsed
    if name == "oversized":
        assert status == 413


@pytest.mark.parametrize("route", ROUTES[:2])
@pytest.mark.parametrize("name", ["deep arrays", "oversized", "invalid utf-8"])
def test_unsigned_hostile_bodies_are_refused_as_json(live: LiveWall, route: str, name: str) -> None:
    status, content_type, _ = post(live.url + route, BODIES[name], {})
    assert 400 <= status < 500 and content_type.startswith("application/json"), status


@pytest.mark.parametrize("route", ROUTES)
def test_wrong_methods_under_hooks_and_api_are_json(live: LiveWall, route: str) -> None:
    request = urllib.request.Request(live.url + route, method="GET")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=10)
    assert info.value.code == 405
    assert info.value.headers.get("Content-Type", "").startswith("application/json")


def test_the_board_is_untouched_by_hostile_bodies(live: LiveWall) -> None:
    version = live.wall.board.version
    for name, body in BODIES.items():
        if name in ("array",):
            continue
        post(live.url + "/hooks/alertmanager", body, signed("/hooks/alertmanager", body))
    assert live.wall.board.version == version
