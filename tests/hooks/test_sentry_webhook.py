"""POST /hooks/sentry on a served wall: signatures, and issues on the screen at once."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from collectors.sentry.webhook import signature
from tests.support.live import LiveSpec, LiveWall, serve_wall, write_config
from tests.support.screens import ScreenClient
from tests.support.sentry_double import ALL_SCOPES, SentryDouble, event_alert
from tests.support.sentry_wall import wall_config

TOKEN = "sntrys_" + "51de7a0c" * 6
SECRET = "client-secret-of-the-integration"
ENV = {"SENTRY_AUTH_TOKEN": TOKEN, "SENTRY_CLIENT_SECRET": SECRET}
TEAMS = {
    "payments": 'sentry_projects = ["checkout"]',
    "search": 'sentry_projects = ["search-api"]',
}


@pytest.fixture
def double() -> Iterator[SentryDouble]:
    with SentryDouble(tokens={TOKEN: ALL_SCOPES}).serve() as running:
        running.add_project("checkout")
        running.add_project("search-api")
        running.add_issue("checkout", "KeyError: 'amount'", count=150, users=4)
        running.add_issue("search-api", "IndexError", count=20)
        running.set_events("checkout", 40)
        yield running


@pytest.fixture
def live_spec(double: SentryDouble, tmp_path: Path) -> LiveSpec:
    path = write_config(tmp_path, wall_config(double.url, TEAMS))
    return LiveSpec(path, env=ENV, prepare=lambda running: running.wall.poller.collect("sentry"))


def post(
    live: LiveWall,
    body: bytes,
    resource: str = "issue",
    *,
    secret: str = SECRET,
    sign: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any], float]:
    """POST like Sentry does; returns (status, JSON answer, seconds taken)."""
    sent = {
        "Content-Type": "application/json",
        "Request-ID": "6c5d3b4a2f1e4d0c9b8a7f6e5d4c3b2a",
        "Sentry-Hook-Resource": resource,
        "Sentry-Hook-Timestamp": str(int(time.time())),
        "Sentry-Hook-Signature": signature(secret.encode(), sign if sign is not None else body),
        **(headers or {}),
    }
    request = urllib.request.Request(
        f"{live.url}/hooks/sentry", data=body, headers=sent, method="POST"
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            status, data = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, data = exc.code, exc.read()
    return status, json.loads(data), time.monotonic() - started


def issue_body(action: str, issue: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "action": action,
            "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"},
            "data": {"issue": issue},
            "actor": {"type": "application", "id": "sentry", "name": "Sentry"},
        }
    ).encode()


def panel(live: LiveWall, team: str, panel_id: str) -> Any:
    _, states = live.wall.board.team_panels(team)
    return next(s for s in states if s.panel.id == panel_id)


def titles(live: LiveWall, team: str) -> list[str]:
    return [item.title for item in panel(live, team, "top").items]


def test_it_signs_the_published_test_vector() -> None:
    expected = "4ee076c3b7a5e5d96b4ad1485ca5c6cf831180a8983bf3f6a7b7221f554b12c3"
    assert signature(b"s3cr3t", b'{"action": "created"}') == expected


def test_it_accepts_the_test_vector_on_the_endpoint(double: SentryDouble, tmp_path: Path) -> None:
    path = write_config(tmp_path, wall_config(double.url, TEAMS))
    env = {**ENV, "SENTRY_CLIENT_SECRET": "s3cr3t"}
    with serve_wall(path, env=env, schedule=False) as live:
        status, answer, _ = post(live, b'{"action": "created"}', "installation", secret="s3cr3t")
    assert status == 200
    assert answer == {"ok": True, "ignored": "installation"}


def test_it_refuses_a_tampered_body_and_changes_nothing(
    live: LiveWall, double: SentryDouble
) -> None:
    issue = double.add_issue("checkout", "Brand new failure", count=1, age=5)
    before = (live.wall.board.version, panel(live, "payments", "unresolved").value)
    signed = issue_body("created", issue)
    tampered = signed.replace(b"Brand new failure", b"Forged new failure")
    status, answer, _ = post(live, tampered, sign=signed)
    assert status == 401
    assert answer["error"]["message"] == "bad signature"
    assert (live.wall.board.version, panel(live, "payments", "unresolved").value) == before


def test_it_refuses_a_missing_signature(live: LiveWall, double: SentryDouble) -> None:
    issue = double.add_issue("checkout", "Unsigned", count=1, age=5)
    before = live.wall.board.version
    status, answer, _ = post(
        live, issue_body("created", issue), headers={"Sentry-Hook-Signature": ""}
    )
    assert status == 401
    assert answer["error"]["message"] == "missing Sentry-Hook-Signature"
    assert live.wall.board.version == before


def test_it_refuses_a_body_signed_with_another_secret(live: LiveWall, double: SentryDouble) -> None:
    issue = double.add_issue("checkout", "Signed elsewhere", count=1, age=5)
    status, _, _ = post(live, issue_body("created", issue), secret="not-the-secret")
    assert status == 401
    assert "Signed elsewhere" not in titles(live, "payments")


def test_it_puts_a_new_issue_on_the_teams_screen_within_a_second(
    live: LiveWall, double: SentryDouble
) -> None:
    unresolved = panel(live, "payments", "unresolved").value
    new_1h = panel(live, "payments", "new_1h").value
    issue = double.add_issue("checkout", "PaymentDeclined: card expired", count=9999, age=3)
    with ScreenClient(f"{live.ws_url}/ws/teams/payments") as screen:
        screen.wait_for(lambda m: m["type"] == "snapshot")
        status, answer, took = post(live, issue_body("created", issue))
        shown = screen.wait_for(
            lambda m: (
                m["type"] == "update"
                and any(
                    it["title"] == issue["title"]
                    for p in m.get("panels", [])
                    if p["id"] == "top"
                    for it in p["items"]
                )
            ),
            timeout=1.0,
        )
    assert status == 200 and answer["teams"] == ["payments"]
    assert took < 1.0
    assert shown["team"] == "payments"
    assert panel(live, "payments", "unresolved").value == unresolved + 1
    assert panel(live, "payments", "new_1h").value == new_1h + 1
    assert titles(live, "payments")[0] == issue["title"]


def test_it_takes_resolved_and_archived_issues_off_and_puts_unresolved_back(
    live: LiveWall, double: SentryDouble
) -> None:
    issue = next(i for i in double.issues if i["project"]["slug"] == "checkout")
    count = panel(live, "payments", "unresolved").value
    for action, status, shown in (
        ("resolved", "resolved", False),
        ("unresolved", "unresolved", True),
        ("archived", "ignored", False),
    ):
        code, _, _ = post(live, issue_body(action, {**issue, "status": status}))
        assert code == 200
        assert (issue["title"] in titles(live, "payments")) is shown, action
        assert panel(live, "payments", "unresolved").value == count - (0 if shown else 1)


def test_it_counts_an_event_alert_on_its_issue_and_the_hour(
    live: LiveWall, double: SentryDouble
) -> None:
    issue = next(i for i in double.issues if i["project"]["slug"] == "checkout")
    events = panel(live, "payments", "events").value
    body = event_alert(issue)
    status, answer, _ = post(live, body, "event_alert")
    assert status == 200 and answer["teams"] == ["payments"]
    top = panel(live, "payments", "top").items[0]
    assert top.meta["events"] == int(issue["count"]) + 1
    assert panel(live, "payments", "events").value == events + 1


def test_it_leaves_other_teams_alone(live: LiveWall, double: SentryDouble) -> None:
    search = panel(live, "search", "top")
    issue = double.add_issue("checkout", "Only payments", count=5, age=5)
    status, answer, _ = post(live, issue_body("created", issue))
    assert status == 200 and answer["teams"] == ["payments"]
    assert panel(live, "search", "top").version == search.version


def test_it_keeps_a_resolve_that_arrives_while_a_slow_poll_is_in_flight(
    live: LiveWall, double: SentryDouble
) -> None:
    issue = next(i for i in double.issues if i["project"]["slug"] == "checkout")
    double.delay = 1.0  # the listing is read, then answered a second later
    poll = threading.Thread(target=live.wall.poller.collect, args=("sentry",))
    poll.start()
    time.sleep(0.4)  # within that second: the listing read, not yet answered
    issue["status"] = "resolved"
    status, _, _ = post(live, issue_body("resolved", issue))
    poll.join(10)
    assert status == 200
    assert issue["title"] not in titles(live, "payments")


def test_it_answers_json_errors_for_signed_but_unusable_bodies(live: LiveWall) -> None:
    status, answer, _ = post(live, b"not json")
    assert status == 400 and answer["error"]["message"] == "body is not JSON"
    status, answer, _ = post(live, b'{"action": "created"}', "issue")
    assert status == 400 and "data" in answer["error"]["message"]


def test_it_feeds_a_scheduled_wall_and_its_screens(double: SentryDouble, tmp_path: Path) -> None:
    path = write_config(tmp_path, wall_config(double.url, TEAMS))
    with (
        serve_wall(path, env=ENV) as running,
        ScreenClient(f"{running.ws_url}/ws/teams/search") as screen,
    ):
        shown = screen.wait_for(
            lambda m: any(
                p["id"] == "top" and p["items"] for p in (m.get("data") or m).get("panels", [])
            ),
            timeout=10,
        )
    panels = {p["id"]: p for p in (shown.get("data") or shown)["panels"]}
    assert [it["title"] for it in panels["top"]["items"]] == ["IndexError"]
    assert panels["unresolved"]["value"] == 1


def test_it_does_not_hide_a_failing_poll_behind_a_webhook(
    live: LiveWall, double: SentryDouble
) -> None:
    double.limit("issues", 5, 60.0)
    double.exhaust("issues")
    live.wall.poller.collect("sentry")
    error = panel(live, "payments", "unresolved").error
    assert error is not None and error.startswith("rate limited until")
    issue = double.add_issue("checkout", "Arrived while rate limited", count=5, age=5)
    status, answer, _ = post(live, issue_body("created", issue))
    assert status == 200 and answer["teams"] == []
    assert panel(live, "payments", "unresolved").error == error
    assert panel(live, "payments", "events").error is None
