"""The Slack slash command: Slack's signing scheme, and answers read from the real board."""

from __future__ import annotations

import html
import json
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import schemathesis

from collectors.base import Collection, Reading
from tests.support.api_client import Answer, api_config, fetch, set_board, slack_headers
from tests.support.live import LiveSpec, LiveWall, serve_wall
from wallboard.api.slack import verify

# Slack's published example (docs/api-facts.md section 4.2).
VECTOR_SECRET = b"8f742231b10e8888abcd99yyyzzz85a5"
VECTOR_TIMESTAMP = "1531420618"
VECTOR_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&"
    b"channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&"
    b"command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands"
    b"%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
    b"trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
VECTOR_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
VECTOR_NOW = float(VECTOR_TIMESTAMP)

SECRET = "wallboard-test-signing-secret"
ENV = {"WB_SLACK_SECRET": SECRET}
SLACK_CONFIG = '\n[slack]\nsigning_secret_env = "WB_SLACK_SECRET"\n'
API = "/api/v1"


def test_it_accepts_slacks_published_test_vector() -> None:
    for now in (VECTOR_NOW, VECTOR_NOW + 299, VECTOR_NOW - 299):
        assert verify(VECTOR_SECRET, VECTOR_TIMESTAMP, VECTOR_BODY, VECTOR_SIGNATURE, now=now)


@pytest.mark.parametrize(
    ("secret", "timestamp", "body", "signature", "now"),
    [
        (VECTOR_SECRET, VECTOR_TIMESTAMP, VECTOR_BODY.replace(b"text=", b"text=x"), None, None),
        (b"8f742231b10e8888abcd99yyyzzz85a6", VECTOR_TIMESTAMP, VECTOR_BODY, None, None),
        (VECTOR_SECRET, VECTOR_TIMESTAMP, VECTOR_BODY, None, VECTOR_NOW + 301),
        (VECTOR_SECRET, VECTOR_TIMESTAMP, VECTOR_BODY, None, VECTOR_NOW - 301),
        (VECTOR_SECRET, "1531420619", VECTOR_BODY, None, None),
        (VECTOR_SECRET, VECTOR_TIMESTAMP, VECTOR_BODY, VECTOR_SIGNATURE.upper(), None),
        (VECTOR_SECRET, VECTOR_TIMESTAMP, VECTOR_BODY, VECTOR_SIGNATURE[:-1], None),
        (VECTOR_SECRET, VECTOR_TIMESTAMP, VECTOR_BODY, "", None),
        (VECTOR_SECRET, "", VECTOR_BODY, None, None),
        (VECTOR_SECRET, " 1531420618", VECTOR_BODY, None, None),
        (b"", VECTOR_TIMESTAMP, VECTOR_BODY, None, None),
    ],
    ids=[
        "tampered body",
        "wrong secret",
        "stale timestamp",
        "future timestamp",
        "other timestamp",
        "signature case",
        "short signature",
        "no signature",
        "no timestamp",
        "padded timestamp",
        "no secret",
    ],
)
def test_it_refuses_anything_but_the_exact_signature(
    secret: bytes, timestamp: str, body: bytes, signature: str | None, now: float | None
) -> None:
    signature = VECTOR_SIGNATURE if signature is None else signature
    assert not verify(secret, timestamp, body, signature, now=now or VECTOR_NOW)


@pytest.fixture
def live_spec(tmp_path: Path) -> LiveSpec:
    def board(live: LiveWall) -> None:
        set_board(live.wall, payments_rate=0.062, search_rate=0.004, down=1)

    return LiveSpec(api_config(tmp_path, SLACK_CONFIG), env=ENV, prepare=board)


def command(live: LiveWall, text: str, *, at: float | None = None, secret: str = SECRET) -> Answer:
    body = urlencode({"command": "/errors", "text": text, "user_id": "U1"}).encode()
    headers = slack_headers(secret, int(time.time() if at is None else at), body)
    return fetch(f"{live.url}{API}/slack/command", method="POST", headers=headers, data=body)


def everything(message: dict[str, object]) -> str:
    return json.dumps(message, ensure_ascii=False)


def test_it_answers_a_team_with_the_strings_the_api_and_screen_show(live: LiveWall) -> None:
    started = time.monotonic()
    answer = command(live, "payments")
    assert time.monotonic() - started < 3.0  # Slack gives up after 3 s
    assert answer.status == 200
    message = answer.json()
    assert message["response_type"] == "ephemeral"
    team = fetch(f"{live.url}{API}/teams/payments").json()
    summary = fetch(f"{live.url}{API}/teams/payments/summary").json()
    assert message["text"] == summary["slack"]["text"] == summary["text"]
    assert message["blocks"] == summary["slack"]["blocks"]
    shown = everything(message)
    screen = html.unescape(fetch(f"{live.url}/teams/payments").body.decode())
    for panel in team["panels"]:
        assert f"*{panel['title']}*" in shown
        assert panel["display"] in shown
        assert panel["display"] in screen  # the TV writes the very same string
    # Since when, as a start time: the same answer to every ask.
    assert re.fullmatch(r"Payments: CRIT since \d\d:\d\d UTC", message["blocks"][0]["text"]["text"])
    assert ":red_circle:" in shown
    assert f"<{live.url}/teams/payments|Open the screen>" in shown


def test_it_finds_a_team_by_its_name_in_any_case(live: LiveWall) -> None:
    assert command(live, "  SEARCH ").json()["blocks"][0]["text"]["text"] == "Search: OK"
    header = command(live, "Payments").json()["blocks"][0]["text"]["text"]
    assert header.startswith("Payments: CRIT since ")


def test_it_lists_all_teams_worst_first_for_an_empty_command(live: LiveWall) -> None:
    set_board(live.wall, payments_rate=0.001, search_rate=0.2)
    shown = everything(command(live, "").json())
    assert shown.index("|Search>") < shown.index("|Payments>")
    assert "HTTP 5xx rate 20.0 %" in shown
    assert f"<{live.url}/teams/search|Search>" in shown


def test_it_explains_itself_for_help(live: LiveWall) -> None:
    message = command(live, "help").json()
    assert message["response_type"] == "ephemeral"
    assert "`/errors <team>`" in message["text"]
    assert "`payments` (Payments)" in message["text"]


def test_it_suggests_a_team_for_a_typo_and_keeps_it_private(tmp_path: Path) -> None:
    config = api_config(tmp_path, SLACK_CONFIG + 'response_type = "in_channel"\n')
    with serve_wall(config, env=ENV, schedule=False) as live:
        typo = command(live, "paymnts").json()
        assert typo["response_type"] == "ephemeral"
        assert "Did you mean `payments`?" in typo["text"]
        assert command(live, "payments").json()["response_type"] == "in_channel"


def test_it_links_to_the_public_url_when_one_is_configured(tmp_path: Path) -> None:
    config = api_config(tmp_path, SLACK_CONFIG)
    # public_url belongs in the [wall] table that the demo config already opens.
    text = config.read_text().replace(
        'title = "test wall"', 'title = "test wall"\npublic_url = "https://wall.example.org/"'
    )
    config.write_text(text)
    with serve_wall(config, env=ENV, schedule=False) as live:
        shown = everything(command(live, "search").json())
        assert "<https://wall.example.org/teams/search|Open the screen>" in shown


def test_it_escapes_hostile_text_from_upstream(live: LiveWall) -> None:
    hostile = Collection(readings={("payments", "services"): Reading(text="<!channel> & co")})
    live.wall.board.push("demo", hostile)
    shown = everything(command(live, "payments").json())
    assert "<!channel>" not in shown
    assert "&lt;!channel&gt; &amp; co" in shown
    # The API's plain one-liner is not Slack markup and keeps the text as it came.
    assert "<!channel> & co" in fetch(f"{live.url}{API}/teams/payments/summary").json()["text"]


@pytest.mark.parametrize("case", ["unsigned", "wrong secret", "stale", "tampered"])
def test_it_refuses_bad_requests_over_http_with_an_empty_401(live: LiveWall, case: str) -> None:
    url = f"{live.url}{API}/slack/command"
    body = b"command=%2Ferrors&text=payments"
    now = int(time.time())
    if case == "unsigned":
        answer = fetch(url, method="POST", data=body)
    elif case == "wrong secret":
        answer = fetch(url, method="POST", data=body, headers=slack_headers("x", now, body))
    elif case == "stale":
        headers = slack_headers(SECRET, now - 301, body)
        answer = fetch(url, method="POST", data=body, headers=headers)
    else:
        headers = slack_headers(SECRET, now, body)
        answer = fetch(url, method="POST", data=body + b"x", headers=headers)
    assert (answer.status, answer.body) == (401, b"")


def test_its_answers_match_the_openapi_document(live: LiveWall) -> None:
    schema = schemathesis.openapi.from_url(f"{live.url}{API}/openapi.json")
    operation = schema[f"{API}/slack/command"]["POST"]
    for text in ("payments", "", "help", "nope"):
        form: Any = {"command": "/errors", "text": text}
        headers = slack_headers(SECRET, int(time.time()), urlencode(form).encode())
        case = operation.Case(
            body=form, headers=headers, media_type="application/x-www-form-urlencoded"
        )
        response = case.call(base_url=live.url)
        assert response.status_code == 200
        operation.validate_response(response)


def test_it_refuses_an_oversized_body_with_a_json_413(live: LiveWall) -> None:
    body = b"text=" + b"x" * (2 * 1024 * 1024)
    headers = slack_headers(SECRET, int(time.time()), body)
    answer = fetch(f"{live.url}{API}/slack/command", method="POST", headers=headers, data=body)
    assert answer.status == 413
    assert answer.json()["error"]["code"] == "payload_too_large"
