"""Refusals: wrong, expired and used codes look alike; guesses are limited; admins only."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.devices.support import ADMIN, ENV, READ, admin, approve, config
from tests.support.api_client import fetch
from tests.support.live import LiveWall, serve_wall, write_config
from wallboard.config.loader import ConfigError, load


def start(live: LiveWall) -> tuple[str, str]:
    """(code, pairing cookie) of a fresh browser opening a screen page."""
    page = fetch(f"{live.url}/teams/payments")
    assert page.status == 200
    code = re.search(r'data-code="(\w+)"', page.body.decode())
    cookie = re.search(r"wallboard_pairing=([^;]+)", page.headers["Set-Cookie"])
    assert code and cookie
    return code.group(1), cookie.group(1)


def poll(live: LiveWall, cookie: str) -> dict[str, object]:
    answer = fetch(f"{live.url}/pair/poll", headers={"Cookie": f"wallboard_pairing={cookie}"})
    assert answer.status == 200
    result: dict[str, object] = answer.json()
    return result


def test_wrong_expired_and_used_codes_get_the_same_refusal(tmp_path: Path) -> None:
    with serve_wall(config(tmp_path, pairing_code_ttl="2s"), env=ENV) as live:
        used, cookie = start(live)
        assert approve(live.url, used, "/teams/payments").status == 201
        paired = fetch(f"{live.url}/pair/poll", headers={"Cookie": f"wallboard_pairing={cookie}"})
        assert paired.json() == {"status": "paired", "page": "/teams/payments"}
        credential = re.search(r"wallboard_device=([^;]+)", paired.headers["Set-Cookie"])
        assert credential and credential.group(1) not in paired.body.decode()
        assert paired.headers["Cache-Control"] == "no-store"
        assert poll(live, cookie)["status"] == "expired"  # collected once, never again
        expired, expired_cookie = start(live)
        deadline = time.monotonic() + 10
        while poll(live, expired_cookie)["status"] != "expired":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        refusals = [
            approve(live.url, code, "/teams/payments")
            for code in ("BBBBBBBB", used, expired, "not a code", "")
        ]
        assert {r.status for r in refusals} == {404}
        assert len({r.body for r in refusals}) == 1  # nothing tells a guesser which it was
        assert refusals[0].json()["error"]["code"] == "invalid_code"
        assert refusals[0].headers["Content-Type"] == "application/json"


def test_guesses_trip_the_limit_per_address_and_are_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    with serve_wall(config(tmp_path, pairing_guesses_per_minute=3), env=ENV) as live:
        code, _ = start(live)
        wrong = [approve(live.url, "BCDFGHJK", "/teams/payments").status for _ in range(3)]
        assert wrong == [404, 404, 404]
        limited = approve(live.url, code, "/teams/payments")  # even the right code, now
        assert limited.status == 429
        assert limited.json()["error"]["code"] == "too_many_attempts"
        assert 0 < int(limited.headers["Retry-After"]) <= 60
        assert code not in limited.body.decode()
    assert caplog.text.count("wrong, expired or used code from 127.0.0.1") == 3
    assert "rate limit" in caplog.text
    assert code not in caplog.text  # a valid code never reaches a log line


def test_the_global_limit_trips_too(tmp_path: Path) -> None:
    settings = {"pairing_guesses_per_minute": 50, "pairing_guesses_global_per_minute": 2}
    with serve_wall(config(tmp_path, **settings), env=ENV) as live:
        statuses = [approve(live.url, "BCDFGHJK", "/wall").status for _ in range(3)]
        assert statuses == [404, 404, 429]


def test_pending_codes_are_bounded(tmp_path: Path) -> None:
    with serve_wall(config(tmp_path, pairing_max_pending=2), env=ENV) as live:
        start(live)
        start(live)
        full = fetch(f"{live.url}/wall")
        assert full.status == 503
        assert "Too many screens" in full.body.decode()
        assert "data-code" not in full.body.decode()


def test_the_same_browser_keeps_its_code_until_it_expires(tmp_path: Path) -> None:
    with serve_wall(config(tmp_path), env=ENV) as live:
        code, cookie = start(live)
        again = fetch(f"{live.url}/wall", headers={"Cookie": f"wallboard_pairing={cookie}"})
        assert f'data-code="{code}"' in again.body.decode()


def test_admin_routes_refuse_a_read_token_and_no_token(tmp_path: Path) -> None:
    with serve_wall(config(tmp_path), env=ENV) as live:
        code, _ = start(live)
        for token in (READ, None, "wrong"):
            assert admin(live.url, "", token=token).status == 401
            refused = approve(live.url, code, "/teams/payments", token=token)
            assert refused.status == 401
            assert refused.json()["error"]["code"] == "unauthorized"
            assert admin(live.url, "/x/reload", {}, token=token).status == 401
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            page = fetch(f"{live.url}/screens", headers=headers)
            assert page.status == 401 and "Sign in" in page.body.decode()
        # The read token still reads the API, and still never pairs.
        assert (
            fetch(f"{live.url}/api/v1/teams", headers={"Authorization": f"Bearer {READ}"}).status
            == 200
        )
        login = fetch(
            f"{live.url}/screens/login",
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            data=f"token={READ}".encode(),
        )
        assert login.status == 401 and "Set-Cookie" not in login.headers
        assert approve(live.url, code, "/teams/payments").status == 201


def test_an_admin_token_equal_to_a_read_token_is_no_admin_token(tmp_path: Path) -> None:
    env = {"WALLBOARD_ADMIN_TOKEN": READ, "WALLBOARD_API_TOKEN": READ}
    with serve_wall(config(tmp_path), env=env) as live:
        assert admin(live.url, "", token=READ).status == 401


def test_the_browser_sign_in_sets_a_short_lived_strict_cookie(tmp_path: Path) -> None:
    with serve_wall(config(tmp_path), env=ENV) as live:
        login = fetch(
            f"{live.url}/screens/login",
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            data=f"token={ADMIN}&code=BCDF-GHJK".encode(),
        )
        assert login.status == 303 and login.headers["Location"] == "/screens?code=BCDF-GHJK"
        cookie = login.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age=3600" in cookie
        assert ADMIN not in cookie
        session = re.search(r"wallboard_admin=([^;]+)", cookie)
        assert session
        jar = {"Cookie": f"wallboard_admin={session.group(1)}"}
        assert fetch(f"{live.url}/screens", headers=jar).status == 200
        assert fetch(f"{live.url}/api/v1/screens", headers=jar).status == 200
        # A write with the cookie from another origin (or none) is refused.
        body = b'{"code": "BCDFGHJK", "name": "x", "page": "/wall"}'
        cross = {**jar, "Content-Type": "application/json", "Origin": "http://evil.example"}
        post = fetch(f"{live.url}/api/v1/screens/approve", method="POST", headers=cross, data=body)
        assert post.status == 401


def test_bad_approvals_say_what_is_wrong(tmp_path: Path) -> None:
    with serve_wall(config(tmp_path), env=ENV) as live:
        code, _ = start(live)
        assert approve(live.url, code, "/teams/nope").json()["error"]["code"] == "bad_page"
        assert approve(live.url, code, "https://evil.example/").status == 400
        assert approve(live.url, code, "/wall", name=" ").json()["error"]["code"] == "bad_name"
        raw = fetch(
            f"{live.url}/api/v1/screens/approve",
            method="POST",
            headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "text/plain"},
            data=b"code=x",
        )
        assert raw.status == 400 and raw.json()["error"]["code"] == "bad_request"


def test_paired_access_needs_admin_tokens(tmp_path: Path) -> None:
    path = write_config(tmp_path, (tmp_path / "x").name and _no_admin())
    with pytest.raises(ConfigError) as error:
        load(path, env={})
    assert "screen" in str(error.value) and "admin_tokens_env" in str(error.value)


def _no_admin() -> str:
    from tests.support.live import demo_config

    return demo_config() + '\n[screen]\naccess = "paired"\n'


@pytest.mark.processes
def test_the_cli_revokes_and_the_credential_is_refused_everywhere(tmp_path: Path) -> None:
    with serve_wall(config(tmp_path), env=ENV) as live:
        code, cookie = start(live)
        screen = approve(live.url, code, "/wall").json()["screen"]
        paired = fetch(f"{live.url}/pair/poll", headers={"Cookie": f"wallboard_pairing={cookie}"})
        credential = re.search(r"wallboard_device=([^;]+)", paired.headers["Set-Cookie"])
        assert credential
        jar = {"Cookie": f"wallboard_device={credential.group(1)}"}
        assert fetch(f"{live.url}/wall/sources", headers=jar).status == 200
        env = {**os.environ, "WALLBOARD_ADMIN_TOKEN": ADMIN}
        cli = [sys.executable, "-m", "wallboard", "screens", "--server", live.url]
        done = subprocess.run(
            [*cli, "revoke", screen["id"]], env=env, capture_output=True, text=True, timeout=30
        )
        assert done.returncode == 0, done.stderr
        assert fetch(f"{live.url}/wall/sources", headers=jar).status == 401
        assert "data-code" in fetch(f"{live.url}/wall", headers=jar).body.decode()
        again = subprocess.run(
            [*cli, "revoke", screen["id"]], env=env, capture_output=True, text=True, timeout=30
        )
        assert again.returncode == 1 and "no such screen" in again.stderr
        no_token = {k: v for k, v in env.items() if k != "WALLBOARD_ADMIN_TOKEN"}
        refused = subprocess.run(
            [*cli, "list"], env=no_token, capture_output=True, text=True, timeout=30
        )
        assert refused.returncode != 0 and "WALLBOARD_ADMIN_TOKEN" in refused.stderr
