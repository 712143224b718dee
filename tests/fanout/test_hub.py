"""The hub over real sockets: no screen holds up another, memory stays bounded, state coalesces."""

from __future__ import annotations

import itertools
import json
import threading
import time
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from collectors.base import Collection, Reading
from tests.screens.rawscreen import RawScreen
from tests.support.live import LiveSpec, LiveWall, demo_config, write_config
from tests.support.screens import ScreenClient

BIG = "x" * 60_000  # a large panel text, so a screen that stops reading fills its buffers fast


@pytest.fixture
def live_spec(tmp_path: Path) -> LiveSpec:
    text = demo_config().replace('heartbeat = "1s"', 'heartbeat = "1s"\ndrop_stalled_after = "2s"')
    return LiveSpec(write_config(tmp_path, text))


def push(live: LiveWall, text: str) -> int:
    return live.wall.board.push(
        "demo", Collection(readings={("payments", "error_rate"): Reading(value=0.01, text=text)})
    )


def stalled_screen(live: LiveWall, team: str = "payments"):  # type: ignore[no-untyped-def]
    """A real websocket screen that never reads: its library stops taking bytes off the socket
    after one queued message, so TCP backs up to the server like a hung TV browser."""
    return connect(
        f"{live.ws_url}/ws/teams/{team}",
        max_queue=1,
        compression=None,
        legacy=True,
        close_timeout=0.5,
    )


def push_until_behind(live: LiveWall, text: str = BIG, limit: int = 400) -> int:
    """Push updates until the hub reports the (only) stalled screen behind; returns pushes."""
    assert wait_until(lambda: live.wall.hub.screen_count >= 1)
    screens = live.wall.hub.roster.everyone()  # inspect, never change
    for n in range(limit):
        push(live, f"{n}:{text}")
        time.sleep(0.005)
        if any(s.pending is not None for s in screens):
            return n + 1
    raise AssertionError(f"no screen fell behind after {limit} updates")


def read_until_closed(ws) -> None:  # type: ignore[no-untyped-def]
    """Read (bounded) until the server closes the socket; fails if it never does."""
    with pytest.raises(ConnectionClosed):
        for _ in range(10):
            ws.recv(timeout=3)


def wait_until(predicate, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_it_sends_hello_and_a_full_snapshot_at_once(live: LiveWall) -> None:
    with ScreenClient(f"{live.ws_url}/ws/teams/payments") as screen:
        hello = screen.next(timeout=2)
        snapshot = screen.next(timeout=2)
    assert hello["type"] == "hello" and hello["build"] == "test-build"
    assert hello["heartbeat"] == 1.0
    assert snapshot["type"] == "snapshot" and snapshot["team"] == "payments"
    assert [p["id"] for p in snapshot["data"]["panels"]] == ["error_rate", "services"]


def test_a_screen_hears_its_hello_first_while_the_board_changes(live: LiveWall) -> None:
    """The roster holds a new screen before the writer greets it: a broadcast cycle under
    way then sent it a snapshot before its hello (seen under load in CI)."""
    stop = threading.Event()

    def churn() -> None:
        for i in itertools.count():
            if stop.is_set():
                return
            push(live, f"change {i}")
            time.sleep(0.001)

    changer = threading.Thread(target=churn, daemon=True)
    changer.start()
    first: list[str] = []
    try:
        for _ in range(60):
            screen = RawScreen(f"{live.url}/ws/teams/payments")
            screen.pump_until(lambda: bool(screen.messages))  # noqa: B023 (called at once)
            first.append(screen.messages[0]["type"])
            screen.close()
    finally:
        stop.set()
        changer.join(5)
    wrong = [(i, kind) for i, kind in enumerate(first) if kind != "hello"]
    assert wrong == [], f"{len(wrong)} of {len(first)} screens heard something else first"


def test_a_stalled_screen_does_not_delay_the_others(live: LiveWall) -> None:
    stalled = stalled_screen(live)
    push_until_behind(live)
    readers = [ScreenClient(f"{live.ws_url}/ws/teams/payments") for _ in range(3)]
    for r in readers:
        r.next(), r.next()  # hello, snapshot
    sent_at: dict[int, float] = {}
    delays: list[list[float]] = [[] for _ in readers]
    last_seen = [0 for _ in readers]
    stop = threading.Event()

    def read(i: int) -> None:
        while not stop.is_set():
            try:
                msg = readers[i].next(timeout=0.5)
            except TimeoutError:
                continue
            if msg["type"] in ("update", "snapshot") and msg["version"] in sent_at:
                delays[i].append(time.monotonic() - sent_at[msg["version"]])
                last_seen[i] = msg["version"]

    threads = [threading.Thread(target=read, args=(i,), daemon=True) for i in range(3)]
    for t in threads:
        t.start()
    for n in range(50):  # the stalled screen stays behind the whole time
        version = push(live, f"{n}:{'y' * 20_000}")
        sent_at[version] = time.monotonic()
        time.sleep(0.02)
    assert wait_until(lambda: all(v == version for v in last_seen), timeout=5), last_seen
    stop.set()
    for t in threads:
        t.join(timeout=5)
    assert all(len(d) >= 45 for d in delays), [len(d) for d in delays]
    # Loose bound (figures belong to bench/): nobody waited on the stalled screen.
    assert max(max(d) for d in delays) < 1.0
    for r in readers:
        r.close()
    stalled.close()


def test_a_stalled_screen_holds_at_most_one_frame(live: LiveWall) -> None:
    stalled = stalled_screen(live)
    pushes = push_until_behind(live)
    screen = live.wall.hub.roster.everyone()[0]  # inspect, do not change
    largest = 0
    for n in range(pushes, pushes + 40):
        push(live, f"{n}:{BIG}")
        time.sleep(0.01)
        pending = screen.pending
        largest = max(largest, len(pending) if pending is not None else 0)
    assert largest <= len(BIG) + 2_000  # never more than the rest of one frame
    assert live.wall.hub.stats.updates_coalesced > 0
    stalled.close()


def test_a_screen_that_was_behind_gets_the_latest_state_when_it_reads_again(live: LiveWall) -> None:
    live.wall.hub.stall_timeout = 30.0  # this screen will read again, well before any drop
    stalled = stalled_screen(live)
    pushes = push_until_behind(live)
    for n in range(10):
        push(live, f"more {n}:{BIG}")
    push(live, "final")
    final = live.wall.board.version
    received: list[dict] = []
    end = time.monotonic() + 10
    while time.monotonic() < end:
        msg = json.loads(stalled.recv(timeout=5))
        received.append(msg)
        if msg.get("version") == final:
            break
    last = received[-1]
    assert last["version"] == final
    assert last["type"] == "snapshot"  # coalesced: one snapshot, not the updates it missed
    panel = last["data"]["panels"][0]
    assert panel["display"] == "final"
    assert len(received) < pushes + 10  # it skipped what it missed
    stalled.close()


def test_it_drops_a_screen_that_stays_stalled(live: LiveWall) -> None:
    stalled = stalled_screen(live)
    push_until_behind(live)
    started = time.monotonic()
    assert wait_until(lambda: live.wall.hub.screen_count == 0, timeout=6)
    assert time.monotonic() - started >= 1.5  # drop_stalled_after = 2s, not at once
    assert live.wall.hub.stats.screens_dropped == 1
    stalled.close()


def test_it_drops_a_screen_that_never_answers_pings(live: LiveWall) -> None:
    with connect(f"{live.ws_url}/ws/teams/payments", compression=None) as silent:
        started = time.monotonic()
        with pytest.raises(ConnectionClosed):
            while time.monotonic() - started < 8:
                silent.recv(timeout=8)  # reads, but never sends pong
        assert silent.close_code == 1008
        assert 2.5 < time.monotonic() - started < 8


def test_the_heartbeat_pings_screens_spread_over_its_period_each_once(live: LiveWall) -> None:
    """Pinged together, thousands of screens answer together, and parsing their pongs
    delays the next broadcast; each screen is still pinged once a heartbeat (1 s here)."""
    screens: list[ScreenClient] = []
    # Per screen, when each ping was sent: its own server_time, the server's schedule (a
    # starved test thread read one ping 0.4 s late, and the next gap looked 0.78 s).
    pings: list[list[float]] = []
    threads: list[threading.Thread] = []
    stop_at = [float("inf")]  # set once every screen is connected

    def listen(conn, times: list[float]) -> None:  # type: ignore[no-untyped-def]
        while time.monotonic() < stop_at[0]:
            try:
                msg = json.loads(conn.recv(timeout=0.2))
            except TimeoutError:
                continue
            if msg["type"] == "ping":
                times.append(float(msg["server_time"]))
                conn.send(json.dumps({"type": "pong"}))

    try:
        for _ in range(10):  # each read from the moment it is open: no ping waits unread
            screens.append(ScreenClient(f"{live.ws_url}/ws/teams/payments"))
            pings.append([])
            threads.append(threading.Thread(target=listen, args=(screens[-1].conn, pings[-1])))
            threads[-1].start()
        stop_at[0] = time.monotonic() + 2.5
        for t in threads:
            t.join(5)
        firsts = sorted(p[0] for p in pings if p)
        assert len(firsts) == 10, pings  # every screen pinged
        # Ten screens that connected one after another fall in ten slices, pinged at ten
        # different steps at least a tenth of the heartbeat apart (so >= 0.9 s from the
        # first to the last): pinged all at once, they were 2 ms apart.
        assert firsts[-1] - firsts[0] >= 0.6, [round(t - firsts[0], 2) for t in firsts]
        for times in pings:  # once a heartbeat: never twice within a heartbeat
            gaps = [b - a for a, b in itertools.pairwise(times)]
            assert all(gap >= 0.8 for gap in gaps), gaps
        assert live.wall.hub.screen_count == 10  # answered: none dropped
    finally:
        stop_at[0] = 0.0
        for t in threads:
            t.join(5)
        for s in screens:
            s.close()


def test_it_closes_a_socket_for_an_unknown_team_with_a_reason(live: LiveWall) -> None:
    with connect(f"{live.ws_url}/ws/teams/nobody", compression=None) as ws:
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=3)
        assert ws.close_code == 4404
        assert "nobody" in (ws.close_reason or "")


def test_it_closes_a_screen_that_sends_anything_but_pong(live: LiveWall) -> None:
    with connect(f"{live.ws_url}/ws/teams/payments", compression=None) as ws:
        ws.recv(timeout=2)
        ws.send(json.dumps({"type": "subscribe", "team": "search"}))
        read_until_closed(ws)
        assert ws.close_code == 1008


def test_it_closes_a_screen_that_sends_an_oversized_frame(live: LiveWall) -> None:
    with connect(f"{live.ws_url}/ws/teams/payments", compression=None) as ws:
        ws.recv(timeout=2)
        ws.send(json.dumps({"type": "pong", "pad": "y" * 10_000}))
        read_until_closed(ws)
    assert wait_until(lambda: live.wall.hub.screen_count == 0)


def test_it_refuses_a_websocket_from_a_foreign_origin(live: LiveWall) -> None:
    with pytest.raises(InvalidStatus) as info:
        connect(f"{live.ws_url}/ws/teams/payments", origin="http://evil.example", legacy=True)
    assert info.value.response.status_code == 403


def test_it_accepts_its_own_origin(live: LiveWall) -> None:
    with connect(f"{live.ws_url}/ws/teams/payments", origin=live.url, compression=None) as ws:
        assert json.loads(ws.recv(timeout=2))["type"] == "hello"


def test_it_refuses_permessage_deflate_so_one_frame_serves_all(live: LiveWall) -> None:
    with connect(f"{live.ws_url}/ws/teams/payments") as ws:  # offers deflate, like browsers
        assert "Sec-WebSocket-Extensions" not in ws.response.headers
        assert json.loads(ws.recv(timeout=2))["type"] == "hello"


def test_one_socket_can_follow_several_teams(live: LiveWall) -> None:
    with ScreenClient(f"{live.ws_url}/ws/screens?teams=payments,search") as screen:
        assert screen.next()["teams"] == ["payments", "search"]
        teams = {screen.next()["team"], screen.next()["team"]}
    assert teams == {"payments", "search"}


def reload_with(live: LiveWall, text: str) -> None:
    import tomllib

    from wallboard.config import loader as config_mod

    live.wall.board.reconfigure(config_mod.parse(tomllib.loads(text), env={}))


def test_a_screen_of_every_team_gains_a_team_added_by_a_reload(live: LiveWall) -> None:
    with ScreenClient(f"{live.ws_url}/ws/screens") as screen:
        assert screen.next()["teams"] == ["payments", "search"]
        screen.next(), screen.next()
        added = demo_config() + '\n[teams.checkout]\nname = "Checkout"\npanels = ["error_rate"]\n'
        reload_with(live, added)
        fresh = screen.wait_for(lambda m: m["type"] == "snapshot" and m["team"] == "checkout")
    assert fresh["data"]["name"] == "Checkout"


def test_a_screen_of_a_team_removed_by_a_reload_is_closed_with_a_reason(live: LiveWall) -> None:
    with connect(f"{live.ws_url}/ws/teams/search", compression=None) as ws:
        ws.recv(timeout=2)
        reload_with(live, demo_config().split("[teams.search]")[0])
        read_until_closed(ws)
        assert ws.close_code == 4404 and "search" in (ws.close_reason or "")


def test_a_rotation_that_lost_one_of_its_teams_is_told_to_reload(live: LiveWall) -> None:
    with connect(f"{live.ws_url}/ws/screens?teams=payments,search", compression=None) as ws:
        ws.recv(timeout=2)
        reload_with(live, demo_config().split("[teams.search]")[0])
        read_until_closed(ws)
        assert ws.close_code == 4001
