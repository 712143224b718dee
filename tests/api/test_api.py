"""The JSON API on a real wall served on loopback, with real readings on its board."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
import schemathesis

from collectors.errors import CollectorError
from tests.support.api_client import api_config, fetch, set_board
from tests.support.live import LiveSpec, LiveWall, serve_wall
from wallboard.app import create_app

API = "/api/v1"
TOKENS = {"WB_TOKEN_BOT": "tok-bot-3f9a1c77e2", "WB_TOKEN_CI": "tok-ci-b81d0e44aa"}
SIGNING = {"WB_SLACK_SECRET": "slack-secret-5e0c2b9d7f1a"}
AUTH_CONFIG = '\n[api]\ntokens_env = ["WB_TOKEN_BOT", "WB_TOKEN_CI"]\n'
SLACK_CONFIG = '\n[slack]\nsigning_secret_env = "WB_SLACK_SECRET"\n'


@pytest.fixture
def live_spec(tmp_path: Path) -> LiveSpec:
    return LiveSpec(api_config(tmp_path))


def test_it_lists_every_team_with_its_worst_panel_and_links(live: LiveWall) -> None:
    set_board(live.wall, payments_rate=0.062, search_rate=0.004)
    answer = fetch(f"{live.url}{API}/teams")
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/json"
    teams = {t["id"]: t for t in answer.json()["teams"]}
    assert list(teams) == ["payments", "search"]
    assert teams["payments"]["status"] == "crit"
    assert teams["payments"]["worst_panel"]["title"] == "HTTP 5xx rate"
    assert teams["payments"]["worst_panel"]["value"] == pytest.approx(6.2)
    assert teams["payments"]["worst_panel"]["display"] == "6.20 %"
    assert teams["search"]["status"] == "ok"
    screen = fetch(teams["payments"]["links"]["screen"])
    assert screen.status == 200
    assert fetch(teams["search"]["links"]["self"]).json()["id"] == "search"


def test_it_shows_each_panel_with_the_strings_on_the_teams_screen(live: LiveWall) -> None:
    set_board(live.wall, payments_rate=0.0123, search_rate=0.0, down=1)
    team = fetch(f"{live.url}{API}/teams/payments").json()
    page = html.unescape(fetch(f"{live.url}/teams/payments").body.decode())
    assert [p["id"] for p in team["panels"]] == ["error_rate", "services"]
    for panel in team["panels"]:
        assert panel["display"] in page
        assert panel["title"] in page
    rate, services = team["panels"]
    assert (rate["display"], rate["status"], rate["unit"]) == ("1.23 %", "warn", "percent")
    assert rate["thresholds"] == {"warn": 1.0, "crit": 5.0, "direction": "above"}
    assert rate["updated_at"] is not None and rate["stale"] is False and rate["error"] is None
    assert (services["display"], services["status"]) == ("1 of 4 down", "crit")
    assert services["items"][0]["title"] == "svc-0"
    assert team["status"] == "crit"


def test_it_gives_the_sparkline_history_only_when_asked(live: LiveWall) -> None:
    for rate in (0.01, 0.02, 0.03):
        set_board(live.wall, payments_rate=rate, search_rate=0.0)
    plain = fetch(f"{live.url}{API}/teams/payments").json()
    with_history = fetch(f"{live.url}{API}/teams/payments?history=1").json()
    assert all("spark" not in p for p in plain["panels"])
    assert with_history["panels"][0]["spark"] == pytest.approx([1.0, 2.0, 3.0])
    assert fetch(f"{live.url}{API}/teams/payments?history=false").json() == plain


def test_it_shows_a_failed_source_with_its_last_value_and_reason(live: LiveWall) -> None:
    set_board(live.wall, payments_rate=0.002, search_rate=0.002)
    live.wall.board.fail("demo", CollectorError("timeout after 10 s", kind="timeout"))
    panel = fetch(f"{live.url}{API}/teams/search").json()["panels"][0]
    assert panel["error"] == "timeout after 10 s"
    assert panel["display"] == "0.20 %"
    # A value we cannot vouch for is not green, in the API as on the screen.
    assert panel["status"] == "unknown"


def test_it_answers_304_while_the_board_is_unchanged_and_200_after_a_change(
    live: LiveWall,
) -> None:
    set_board(live.wall, payments_rate=0.01, search_rate=0.0)
    for path in ("/teams", "/teams/payments", "/teams/payments?history=1", "/teams/search/summary"):
        first = fetch(f"{live.url}{API}{path}")
        etag = first.headers["ETag"]
        assert first.status == 200 and etag
        assert first.headers["Cache-Control"] == "no-cache"
        again = fetch(f"{live.url}{API}{path}", headers={"If-None-Match": etag})
        assert (again.status, again.body, again.headers["ETag"]) == (304, b"", etag)
    etag = fetch(f"{live.url}{API}/teams/payments").headers["ETag"]
    set_board(live.wall, payments_rate=0.07, search_rate=0.0)
    changed = fetch(f"{live.url}{API}/teams/payments", headers={"If-None-Match": etag})
    assert changed.status == 200
    assert changed.headers["ETag"] != etag
    assert changed.json()["panels"][0]["display"] == "7.00 %"


def test_it_does_not_reuse_an_etag_from_another_server_run(tmp_path: Path) -> None:
    tags = []
    for _ in range(2):  # two runs of the same config: versions restart, tags must not
        with serve_wall(api_config(tmp_path), schedule=False) as live:
            set_board(live.wall, payments_rate=0.01, search_rate=0.0)
            tags.append(fetch(f"{live.url}{API}/teams").headers["ETag"])
    assert tags[0] != tags[1]


def test_it_suggests_close_team_names_for_an_unknown_team(live: LiveWall) -> None:
    for path in ("/teams/paymnts", "/teams/paymnts/summary"):
        answer = fetch(f"{live.url}{API}{path}")
        assert answer.status == 404
        error = answer.json()["error"]
        assert error["code"] == "unknown_team"
        assert error["suggestions"] == ["payments"]
        assert '"payments"' in error["message"]
    assert fetch(f"{live.url}{API}/teams/zzzz").json()["error"]["suggestions"] == []


@pytest.mark.parametrize("query", ["history=maybe", "history=1&history=0", "histroy=1", "history="])
def test_it_rejects_bad_parameters_with_a_json_400(live: LiveWall, query: str) -> None:
    answer = fetch(f"{live.url}{API}/teams/payments?{query}")
    assert answer.status == 400
    assert answer.json()["error"]["code"] == "bad_parameter"
    assert answer.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/nothing-here", 404),
        ("GET", "/api/v2/teams", 404),
        ("GET", "/api", 404),
        ("POST", "/api/v1/teams", 405),
        ("DELETE", "/api/v1/teams/payments", 405),
        ("GET", "/api/v1/slack/command", 405),
        ("POST", "/api/v1/slack/command", 404),  # Slack is not configured on this wall
    ],
)
def test_it_never_answers_an_html_error_under_api(
    live: LiveWall, method: str, path: str, status: int
) -> None:
    answer = fetch(f"{live.url}{path}", method=method, data=b"" if method == "POST" else None)
    assert answer.status == status
    assert answer.headers["Content-Type"] == "application/json"
    assert set(answer.json()["error"]) >= {"code", "message"}
    if status == 405:
        assert "GET" in answer.headers["Allow"] or "POST" in answer.headers["Allow"]


def test_it_keeps_html_error_pages_outside_the_api(live: LiveWall) -> None:
    answer = fetch(f"{live.url}/no-such-page")
    assert answer.status == 404
    assert answer.headers["Content-Type"].startswith("text/html")


def test_it_requires_a_valid_token_when_tokens_are_configured(tmp_path: Path) -> None:
    config = api_config(tmp_path, AUTH_CONFIG)
    with serve_wall(config, env=TOKENS, schedule=False) as live:
        url = f"{live.url}{API}/teams/payments"
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}):
            refused = fetch(url, headers=headers)
            assert refused.status == 401
            assert refused.json()["error"]["code"] == "unauthorized"
            assert refused.headers["WWW-Authenticate"].startswith("Bearer")
        for token in TOKENS.values():
            assert fetch(url, headers={"Authorization": f"Bearer {token}"}).status == 200
        # An unknown team is not revealed to someone without a token.
        assert fetch(f"{live.url}{API}/teams/nope").status == 401
        # Screens and the public description need no token.
        assert fetch(f"{live.url}/teams/payments").status == 200
        assert fetch(f"{live.url}{API}/openapi.json").status == 200


def test_it_never_includes_a_secret_in_any_response(tmp_path: Path) -> None:
    env = {**TOKENS, **SIGNING}
    with serve_wall(api_config(tmp_path, AUTH_CONFIG + SLACK_CONFIG), env=env) as live:
        set_board(live.wall, payments_rate=0.03, search_rate=0.0)
        auth = {"Authorization": f"Bearer {TOKENS['WB_TOKEN_BOT']}"}
        answers = [
            fetch(f"{live.url}{path}", headers=auth)
            for path in (
                f"{API}/teams",
                f"{API}/teams/payments?history=1",
                f"{API}/teams/payments/summary",
                f"{API}/teams/nope",
                f"{API}/teams/payments?x=1",
                f"{API}/openapi.json",
                f"{API}/missing",
                "/",
                "/teams/payments",
                "/metrics",
                "/readyz",
            )
        ]
        answers.append(fetch(f"{live.url}{API}/teams", headers={"Authorization": "Bearer no"}))
        answers.append(fetch(f"{live.url}{API}/slack/command", method="POST", data=b"text="))
        assert {a.status for a in answers} >= {200, 400, 401, 404}
        for answer in answers:
            seen = answer.body.decode() + str(answer.headers)
            for secret in env.values():
                assert secret not in seen


def test_its_answers_match_the_openapi_document(live: LiveWall) -> None:
    schema = schemathesis.openapi.from_url(f"{live.url}{API}/openapi.json")
    set_board(live.wall, payments_rate=0.09, search_rate=0.0, down=2)
    live.wall.board.fail("demo", CollectorError("HTTP 503 from upstream", kind="http_5xx"))
    cases = [
        ("/api/v1/teams", {}, {}),
        ("/api/v1/teams/{team}", {"team": "payments"}, {"history": "1"}),
        ("/api/v1/teams/{team}", {"team": "search"}, {}),
        ("/api/v1/teams/{team}", {"team": "nope"}, {}),
        ("/api/v1/teams/{team}", {"team": "payments"}, {"history": "often"}),
        ("/api/v1/teams/{team}/summary", {"team": "payments"}, {}),
    ]
    statuses = []
    for path, params, query in cases:
        operation = schema[path]["GET"]
        case = operation.Case(path_parameters=params, query=query)
        response = case.call(base_url=live.url)
        operation.validate_response(response)  # raises with the offending field if not
        statuses.append(response.status_code)
    assert statuses == [200, 200, 200, 404, 400, 200]


def test_it_answers_a_polling_bot_with_one_200_per_board_change(live: LiveWall) -> None:
    set_board(live.wall, payments_rate=0.01, search_rate=0.0)
    url = f"{live.url}{API}/teams/payments"
    etag, oks, not_modified, changes = None, 0, 0, 0
    for poll in range(60):
        if poll % 7 == 6:  # the board moves now and then between polls
            set_board(live.wall, payments_rate=0.01 + poll / 1000, search_rate=0.0)
            changes += 1
        answer = fetch(url, headers={"If-None-Match": etag} if etag else {})
        if answer.status == 200:
            assert answer.headers["ETag"] != etag
            etag, oks = answer.headers["ETag"], oks + 1
        else:
            assert (answer.status, answer.body) == (304, b"")
            not_modified += 1
    assert oks == 1 + changes  # the first poll, then exactly one per change
    assert not_modified == 60 - oks


def test_it_answers_a_crash_under_api_with_a_json_500_that_names_nothing(tmp_path: Path) -> None:
    app = create_app(str(api_config(tmp_path)))

    def crash() -> str:
        raise RuntimeError("secret internals /etc/wallboard")

    # A route of the test's own: no API route can be made to crash from outside.
    app.add_url_rule("/api/v1/crash", "crash", crash)
    app.add_url_rule("/crash", "page_crash", crash)
    with app.test_client() as client:
        answer = client.get("/api/v1/crash")
        assert answer.status_code == 500
        assert answer.get_json() == {
            "error": {"code": "internal_error", "message": "internal error"}
        }
        assert client.get("/crash").content_type.startswith("text/html")
