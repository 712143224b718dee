"""One contract for every DeviceStore: in memory, in the SQLite state file, in a real Redis.

What a user relies on: a code is approved once and collected once, an expired code is
gone, the limits on waiting codes hold, a revoked credential opens nothing, and (SQLite)
what was stored is there again when the file is opened by a new process.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.support.daemons import wait_until
from tests.support.redis_server import RedisServer
from wallboard.devices import codes
from wallboard.devices.store import MemoryDeviceStore
from wallboard.state.ports import Device, DeviceStore, Pending
from wallboard.state.redis.devices import RedisDeviceStore
from wallboard.state.sqlite.devices import SqliteDeviceStore
from wallboard.state.sqlite.file import SqliteFile

TTL = 600.0


@pytest.fixture(params=["memory", "sqlite", pytest.param("redis", marks=pytest.mark.processes)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DeviceStore]:
    if request.param == "memory":
        yield MemoryDeviceStore()
    elif request.param == "sqlite":
        file = SqliteFile(tmp_path / "state.db")
        yield SqliteDeviceStore(file)
        file.close()
    else:
        server: RedisServer = request.getfixturevalue("redis_instance")
        client = server.client()
        yield RedisDeviceStore(client, f"contract-{secrets.token_hex(4)}")
        client.close()


def pending(address: str = "10.0.0.1", ttl: float = TTL, at: float | None = None) -> Pending:
    now = time.time() if at is None else at
    return Pending(codes.new_code(), codes.digest(codes.new_secret()), address, now, now + ttl)


def device(name: str = "Lobby", page: str = "/teams/payments") -> Device:
    return Device(codes.new_id("d"), name, page, time.time(), "api")


def test_a_code_is_approved_once_and_collected_once(store: DeviceStore) -> None:
    shown = pending()
    assert store.add_pending(shown, 4, 10)
    assert store.pending_by_secret(shown.secret_hash) == shown
    assert store.collect(shown.secret_hash, "c" * 64, time.time()) is None  # not approved yet
    tv = device()
    assert store.approve(shown.code, tv, time.time())
    assert not store.approve(shown.code, device("Thief"), time.time())  # single use
    waiting = store.pending_by_secret(shown.secret_hash)
    assert waiting is not None and waiting.device_id == tv.id
    assert store.device_by_credential("c" * 64) is None  # nothing collected yet
    got = store.collect(shown.secret_hash, "c" * 64, time.time())
    assert got is not None and got.id == tv.id and got.credential_hash == "c" * 64
    assert got.name == "Lobby" and got.paired_at == tv.paired_at  # times come back exactly
    assert store.collect(shown.secret_hash, "d" * 64, time.time()) is None  # once only
    assert store.pending_by_secret(shown.secret_hash) is None
    assert store.device_by_credential("d" * 64) is None
    assert store.device_by_credential("c" * 64) == got
    assert store.device(tv.id) == got
    assert [d.id for d in store.devices()] == [tv.id]


def test_two_threads_approving_one_code_only_one_wins(store: DeviceStore) -> None:
    shown = pending()
    assert store.add_pending(shown, 4, 10)
    results: list[bool] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(store.approve(shown.code, device(), time.time()))
        )
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(results) == [False] * 7 + [True]
    assert len(store.devices()) == 1


def test_expired_codes_are_gone(store: DeviceStore) -> None:
    short = pending(ttl=0.6)
    assert store.add_pending(short, 4, 10)
    assert store.pending_by_secret(short.secret_hash) is not None
    assert store.pending_count() == 1
    wait_until(lambda: store.pending_by_secret(short.secret_hash) is None, 10, "expiry")
    assert store.pending_count() == 0
    assert not store.approve(short.code, device(), time.time())
    if isinstance(store, RedisDeviceStore):  # Redis drops the records itself (PX)
        left = list(store.client.scan_iter(f"{store.prefix}:pairing:*"))
        assert left == []


def test_per_address_and_global_limits(store: DeviceStore) -> None:
    now = time.time()
    mine = [pending("10.0.0.7", at=now + i * 0.001) for i in range(3)]
    for shown in mine:
        assert store.add_pending(shown, 2, 5)
    # Two per address: the oldest was replaced by the newest.
    assert store.pending_by_secret(mine[0].secret_hash) is None
    assert store.pending_by_secret(mine[2].secret_hash) is not None
    assert store.pending_count() == 2
    others = [pending(f"10.0.1.{i}") for i in range(3)]
    assert [store.add_pending(p, 2, 5) for p in others] == [True, True, True]
    assert store.pending_count() == 5
    assert not store.add_pending(pending("10.0.2.1"), 2, 5)  # five wait: no sixth
    duplicate = Pending(others[0].code, "x" * 64, "10.0.3.1", now, now + TTL)
    assert not store.add_pending(duplicate, 2, 10)  # a code that waits is not issued twice


def test_waiting_screens_are_listed_with_the_page_they_asked_for(store: DeviceStore) -> None:
    now = time.time()
    first = replace(pending("10.0.0.8", at=now), page="/teams/search")
    second = pending("10.0.0.9", at=now + 0.01)  # opened at a page that is no screen page
    for shown in (first, second):
        assert store.add_pending(shown, 2, 10)
    listed = [(p.code, p.address, p.page) for p in store.waiting(time.time())]
    assert listed == [(first.code, "10.0.0.8", "/teams/search"), (second.code, "10.0.0.9", "")]
    assert store.approve(first.code, device(), time.time())
    assert [p.code for p in store.waiting(time.time())] == [second.code]  # approved: not waiting
    assert store.waiting(now + TTL + 1) == []  # expired: gone


def test_move_and_revoke(store: DeviceStore) -> None:
    shown = pending()
    tv = device()
    assert store.add_pending(shown, 4, 10) and store.approve(shown.code, tv, time.time())
    assert store.collect(shown.secret_hash, "e" * 64, time.time()) is not None
    moved = store.move(tv.id, "/wall")
    assert moved is not None and moved.page == "/wall"
    found = store.device_by_credential("e" * 64)
    assert found is not None and found.page == "/wall"
    assert store.move("dnope", "/wall") is None
    revoked = store.revoke(tv.id, time.time())
    assert revoked is not None and revoked.revoked_at is not None
    assert store.device_by_credential("e" * 64) is None  # refused from now on
    assert store.revoke(tv.id, time.time()) is None  # once
    assert store.move(tv.id, "/teams/search") is None  # a revoked screen is not moved
    kept = store.device(tv.id)
    assert kept is not None and kept.revoked_at is not None and kept.page == "/wall"


def test_an_approved_screen_revoked_before_collecting_gets_nothing(store: DeviceStore) -> None:
    shown = pending()
    tv = device()
    assert store.add_pending(shown, 4, 10) and store.approve(shown.code, tv, time.time())
    assert store.revoke(tv.id, time.time()) is not None
    assert store.collect(shown.secret_hash, "f" * 64, time.time()) is None
    assert store.device_by_credential("f" * 64) is None


def test_the_sqlite_file_keeps_pairings_for_the_next_process(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    first = SqliteFile(path)
    store = SqliteDeviceStore(first)
    shown, kept, gone = pending(), device("Kept"), device("Gone")
    other = pending()
    assert store.add_pending(shown, 4, 10) and store.approve(shown.code, kept, time.time())
    assert store.collect(shown.secret_hash, "a" * 64, time.time()) is not None
    assert store.add_pending(other, 4, 10) and store.approve(other.code, gone, time.time())
    assert store.collect(other.secret_hash, "b" * 64, time.time()) is not None
    assert store.revoke(gone.id, time.time()) is not None
    waiting = pending()
    assert store.add_pending(waiting, 4, 10)
    first.close()

    again = SqliteDeviceStore(SqliteFile(path))
    found = again.device_by_credential("a" * 64)
    assert found is not None and found.name == "Kept"
    assert again.device_by_credential("b" * 64) is None
    assert again.pending_by_secret(waiting.secret_hash) == waiting
    assert again.approve(waiting.code, device("After"), time.time())
