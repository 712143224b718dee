"""A paired wall on loopback, an admin client, and the pairing view read like a person would."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from tests.support.api_client import Answer, fetch
from tests.support.browser import wait_for
from tests.support.live import demo_config, write_config

ADMIN = "admin-token-for-tests-0123456789"
READ = "read-token-for-tests-9876543210"
ENV = {"WALLBOARD_ADMIN_TOKEN": ADMIN, "WALLBOARD_API_TOKEN": READ}
CODE = re.compile(r"^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$")


def config(tmp_path: Path, access: str = "paired", **screen: Any) -> Path:
    lines = [f'access = "{access}"', 'admin_tokens_env = ["WALLBOARD_ADMIN_TOKEN"]']
    lines += [f"{key} = {json.dumps(value)}" for key, value in screen.items()]
    text = demo_config() + "\n[screen]\n" + "\n".join(lines) + "\n"
    text += '\n[api]\ntokens_env = ["WALLBOARD_API_TOKEN"]\n'
    return write_config(tmp_path, text)


def admin(url: str, path: str, body: Any = None, token: str | None = ADMIN) -> Answer:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    method = "GET" if body is None else "POST"
    return fetch(f"{url}/api/v1/screens{path}", method=method, headers=headers, data=data)


def approve(url: str, code: str, page: str, name: str = "3rd floor", **kw: Any) -> Answer:
    return admin(url, "/approve", {"code": code, "name": name, "page": page}, **kw)


def shown_code(page: Page, timeout: float = 5.0) -> str:
    """The code the pairing view shows, as a person reads it off the screen."""
    wait_for(page, "() => document.getElementById('pairing-code')", timeout)
    return str(page.locator("#pairing-code").inner_text()).strip()


def screen_row(url: str, screen_id: str) -> dict[str, Any]:
    rows = admin(url, "").json()["screens"]
    found: dict[str, Any] = next(r for r in rows if r["id"] == screen_id)
    return found


def start_pairing(url: str, page: str = "/teams/payments") -> tuple[str, str]:
    """(code, pairing cookie) of a fresh browser opening a screen page, read over HTTP."""
    shown = fetch(f"{url}{page}")
    assert shown.status == 200, shown.status
    code = re.search(r'data-code="(\w+)"', shown.body.decode())
    cookie = re.search(r"wallboard_pairing=([^;]+)", shown.headers["Set-Cookie"])
    assert code and cookie, shown.body[:300]
    return code.group(1), cookie.group(1)


def poll_pairing(url: str, cookie: str) -> Answer:
    return fetch(f"{url}/pair/poll", headers={"Cookie": f"wallboard_pairing={cookie}"})


def collect_credential(url: str, cookie: str) -> str:
    """The device credential the approved browser takes on its next poll."""
    answer = poll_pairing(url, cookie)
    assert answer.json()["status"] == "paired", answer.body
    credential = re.search(r"wallboard_device=([^;]+)", answer.headers["Set-Cookie"])
    assert credential, answer.headers
    return credential.group(1)


def device_cookie(credential: str) -> dict[str, str]:
    return {"Cookie": f"wallboard_device={credential}"}


def shows_pairing_view(answer: Answer) -> bool:
    return answer.status in (200, 503) and 'id="pairing-code"' in answer.body.decode()
