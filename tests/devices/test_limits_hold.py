"""Limits that hold: wrong admin bearer tokens are guesses too, and concurrent guesses
never get more evaluations than the limit (real ``wallboard serve`` processes)."""

from __future__ import annotations

import http.client
import json
import socket
from pathlib import Path

import pytest

from tests.devices.support import ADMIN, ENV, admin, config
from tests.support.process import run_servers
from tests.support.redis_server import RedisDatabase

ADDRESSES = [f"127.0.0.{n}" for n in range(2, 152)]  # 150 clients
STATE = '\n[state]\nbackend = "redis"\nkey_prefix = "limits"\nlease_ttl = "2s"\n'


def open_guess(url: str, source: str) -> socket.socket:
    """A connection from ``source`` that has sent one wrong approval but its last byte."""
    host, port = url.removeprefix("http://").split(":")
    body = json.dumps({"code": "BCDF-GHJK", "name": "tv", "page": "/wall"})
    head = (
        "POST /api/v1/screens/approve HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\nAuthorization: Bearer {ADMIN}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    sock = socket.create_connection((host, int(port)), timeout=30, source_address=(source, 0))
    sock.sendall((head + body[:-1]).encode())
    return sock


def status_of(sock: socket.socket) -> int:
    with sock, sock.makefile("rb") as answer:
        return int(answer.readline().split()[1])


def guess_all_at_once(urls: list[str]) -> list[int]:
    """Two guesses from each of 150 addresses, spread over ``urls``: every request is sent
    but its last byte, then the last bytes go out together, so they are evaluated at once."""
    jobs = [(urls[i % len(urls)], a) for i, a in enumerate(ADDRESSES + ADDRESSES)]
    socks = [open_guess(url, source) for url, source in jobs]
    for sock in socks:
        sock.sendall(b"}")
    return [status_of(sock) for sock in socks]


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_concurrent_guesses_get_no_more_evaluations_than_the_limit(
    tmp_path: Path, backend: str
) -> None:
    path = config(tmp_path, pairing_guesses_global_per_minute=60)
    path.write_text(path.read_text() + f'\n[state]\nbackend = "{backend}"\n')
    with run_servers([path], env=ENV) as (server,):
        statuses = guess_all_at_once([server.url])
        log = server.log()
    assert len(statuses) == 300 and set(statuses) == {404, 429}, set(statuses)
    assert statuses.count(404) <= 60, statuses.count(404)  # each 404 is one evaluation
    assert log.count("wrong, expired or used code from") <= 60


def test_concurrent_guesses_through_two_replicas_share_one_limit(
    tmp_path: Path, store: RedisDatabase
) -> None:
    text = config(tmp_path, pairing_guesses_global_per_minute=60).read_text() + STATE
    paths = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        paths.append(tmp_path / name / "config.toml")
        paths[-1].write_text(text)
    with run_servers(paths, env={**ENV, "WALLBOARD_REDIS_URL": store.url}) as servers:
        statuses = guess_all_at_once([s.url for s in servers])
        logs = "\n".join(s.log() for s in servers)
    # 503: a Redis call past its 2 s socket timeout on a loaded machine; the sender retries.
    # Never an evaluation, so never a way past the limit.
    assert len(statuses) == 300 and set(statuses) <= {404, 429, 503}, set(statuses)
    assert statuses.count(429) >= 100
    assert statuses.count(404) <= 60, statuses.count(404)
    assert logs.count("wrong, expired or used code from") <= 60


def test_wrong_bearer_tokens_trip_the_sign_in_limit(tmp_path: Path) -> None:
    with run_servers([config(tmp_path)], env=ENV) as (server,):
        answers = [admin(server.url, "", token=f"wrong-{n}") for n in range(1000)]
        statuses = [a.status for a in answers]
        assert statuses[:10] == [401] * 10  # LOGINS_PER_MINUTE, as on the sign-in form
        assert set(statuses[10:]) == {429}
        assert 0 < int(answers[-1].headers["Retry-After"]) <= 60
        assert answers[-1].json()["error"]["code"] == "too_many_attempts"
        # The same limiter: the sign-in form from that address is refused now too.
        conn = http.client.HTTPConnection(server.url.removeprefix("http://"), timeout=5)
        conn.request(
            "POST",
            "/screens/login",
            f"token={ADMIN}",
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        blocked = conn.getresponse()
        assert blocked.status == 429  # told to wait, not told the token is wrong
        assert 0 < int(blocked.headers["Retry-After"]) <= 60
        # Its page keeps the sign-in form: an admin token is configured, so it never says
        # that none is.
        text = blocked.read().decode()
        assert "Not signed in." in text and "No admin token is configured" not in text
        conn.close()
        # Another address is not held back by this one's guesses.
        other = http.client.HTTPConnection(
            server.url.removeprefix("http://").split(":")[0],
            int(server.url.rsplit(":", 1)[1]),
            timeout=5,
            source_address=("127.0.0.9", 0),
        )
        other.request("GET", "/api/v1/screens", headers={"Authorization": f"Bearer {ADMIN}"})
        assert other.getresponse().status == 200
        other.close()
        log = server.log()
    assert log.count("screens API: refused an admin token from 127.0.0.1") == 10


def open_bearer(url: str, token: str) -> socket.socket:
    """A connection that has sent a screen listing with ``token`` but its last byte."""
    host, port = url.removeprefix("http://").split(":")
    head = (
        f"GET /api/v1/screens HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Authorization: Bearer {token}\r\nConnection: close\r\n\r"
    )
    sock = socket.create_connection((host, int(port)), timeout=30)
    sock.sendall(head.encode())
    return sock


def test_a_burst_of_wrong_bearer_tokens_gets_no_more_evaluations_than_the_limit(
    tmp_path: Path, store: RedisDatabase
) -> None:
    text = config(tmp_path).read_text() + STATE
    paths = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        paths.append(tmp_path / name / "config.toml")
        paths[-1].write_text(text)
    with run_servers(paths, env={**ENV, "WALLBOARD_REDIS_URL": store.url}) as servers:
        # An admin's own script: right tokens never use the limit up.
        assert [admin(servers[0].url, "").status for _ in range(15)] == [200] * 15
        socks = [open_bearer(servers[n % 2].url, f"wrong-{n}") for n in range(160)]
        for sock in socks:  # the last bytes together: evaluated at once, on both replicas
            sock.sendall(b"\n")
        statuses = [status_of(sock) for sock in socks]
        logs = "\n".join(s.log() for s in servers)
    # 503: a Redis call past its socket timeout on a loaded machine; never an evaluation.
    assert set(statuses) <= {401, 429, 503} and 429 in statuses, statuses
    assert statuses.count(401) <= 10, statuses.count(401)  # LOGINS_PER_MINUTE evaluations
    assert logs.count("screens API: refused an admin token from") <= 10
