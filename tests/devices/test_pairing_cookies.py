"""Behind a TLS proxy (``public_url`` is https) every device cookie carries ``Secure``."""

from __future__ import annotations

from pathlib import Path

from tests.devices.support import ENV, approve, config, poll_pairing, start_pairing
from tests.support.api_client import fetch
from tests.support.live import serve_wall


def attributes(set_cookie: str, name: str) -> set[str]:
    """The attributes of cookie ``name`` in a Set-Cookie header, lower-case, values dropped."""
    for cookie in set_cookie.split(", wallboard_"):
        cookie = cookie if cookie.startswith("wallboard_") else "wallboard_" + cookie
        if cookie.startswith(f"{name}="):
            return {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    raise AssertionError(f"no {name} cookie in {set_cookie!r}")


def test_device_and_pairing_cookies_are_secure_when_the_public_url_is_https(
    tmp_path: Path,
) -> None:
    path = config(tmp_path)
    text = path.read_text().replace(
        'title = "test wall"', 'title = "test wall"\npublic_url = "https://wall.example.com"'
    )
    path.write_text(text)
    with serve_wall(path, env=ENV) as live:  # plain http on loopback, as behind the proxy
        shown = fetch(f"{live.url}/teams/payments")
        pairing = attributes(shown.headers["Set-Cookie"], "wallboard_pairing")
        assert {"secure", "httponly", "samesite"} <= pairing
        assert "https://wall.example.com/screens" in shown.body.decode()  # where to approve
        code, cookie = start_pairing(live.url)
        assert approve(live.url, code, "/teams/payments").status == 201
        paired = poll_pairing(live.url, cookie)
        assert paired.json()["status"] == "paired"
        headers = paired.headers.get_all("Set-Cookie") or []
        device = attributes(
            next(h for h in headers if h.startswith("wallboard_device=")), "wallboard_device"
        )
        assert {"secure", "httponly", "samesite", "max-age"} <= device


def test_device_cookies_are_not_secure_on_plain_http(tmp_path: Path) -> None:
    with serve_wall(config(tmp_path), env=ENV) as live:
        code, cookie = start_pairing(live.url)
        assert approve(live.url, code, "/teams/payments").status == 201
        headers = poll_pairing(live.url, cookie).headers.get_all("Set-Cookie") or []
        device = next(h for h in headers if h.startswith("wallboard_device="))
        assert "secure" not in attributes(device, "wallboard_device")
