"""`/wall pair CODE team` from Slack: signed, and only from the listed users."""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import urlencode

from tests.devices.support import ENV, admin
from tests.support.api_client import Answer, fetch, slack_headers
from tests.support.live import LiveWall, demo_config, serve_wall, write_config

SECRET = "wallboard-test-signing-secret"
CONFIG = """
[slack]
signing_secret_env = "WB_SLACK_SECRET"

[screen]
access = "paired"
admin_tokens_env = ["WALLBOARD_ADMIN_TOKEN"]
pairing_slack_users = ["UOPS"]
"""


def pair(live: LiveWall, text: str, user: str, secret: str = SECRET) -> Answer:
    body = urlencode({"command": "/wall", "text": text, "user_id": user}).encode()
    headers = slack_headers(secret, int(time.time()), body)
    return fetch(f"{live.url}/api/v1/slack/command", method="POST", headers=headers, data=body)


def shown(live: LiveWall) -> tuple[str, str]:
    page = fetch(f"{live.url}/wall")
    code = re.search(r'data-code="(\w+)"', page.body.decode())
    cookie = re.search(r"wallboard_pairing=([^;]+)", page.headers["Set-Cookie"])
    assert code and cookie
    return code.group(1), cookie.group(1)


def test_a_listed_slack_user_pairs_a_screen_for_a_team(tmp_path: Path) -> None:
    env = {**ENV, "WB_SLACK_SECRET": SECRET}
    with serve_wall(write_config(tmp_path, demo_config() + CONFIG), env=env) as live:
        code, cookie = shown(live)
        assert (
            pair(live, f"pair {code} payments", "USOMEONE")
            .json()["text"]
            .startswith("You may not pair")
        )
        assert pair(live, f"pair {code} payments", "UOPS", secret="forged").status == 401
        answer = pair(live, f"pair {code[:4]}-{code[4:]} payments Kitchen TV", "UOPS")
        assert answer.status == 200
        assert answer.json()["response_type"] == "ephemeral"
        assert "Kitchen TV" in answer.json()["text"] and "/teams/payments" in answer.json()["text"]
        polled = fetch(f"{live.url}/pair/poll", headers={"Cookie": f"wallboard_pairing={cookie}"})
        assert polled.json() == {"status": "paired", "page": "/teams/payments"}
        row = admin(live.url, "").json()["screens"][0]
        assert (row["name"], row["approved_by"]) == ("Kitchen TV", "slack:UOPS")
        assert "Not paired" in pair(live, f"pair {code} payments", "UOPS").json()["text"]
