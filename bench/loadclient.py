"""The load client: N screens in one separate process, measuring what each receives.

Latency is receipt ``time.time()`` minus the ``updated_at`` stamped into the
panels when the board changed (the same clock: one machine). Reading screens
answer pings like a kiosk page. ``--stalled`` screens complete the handshake on a
raw socket with a tiny receive buffer and never read again (a hung TV).

Prints ``{"window": [t0, t1], ...}`` when every screen has connected and the
warm-up is over, then one JSON line of results. Bounded in time throughout.
With ``--sync`` (several load clients for one server, each from its own loopback
source address) it prints ``{"connected": n}`` once connected and reads the
window's start (``{"t0": ...}``) from stdin, so every client measures the same
window; its results then carry a latency histogram the caller merges.

    python -m bench.loadclient URL --screens N [--stalled M] [--warmup S] [--duration S]
        [--source 127.0.0.2] [--sync] [--min-versions N]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import gc
import json
import os
import re
import socket
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect

from bench.common import percentile, raise_nofile


@dataclass
class Tally:
    window: tuple[float, float] = (float("inf"), float("inf"))
    latencies: list[float] = field(default_factory=list)
    versions: set[int] = field(default_factory=set)  # every version stamped inside the window
    got: int = 0  # (screen, version) pairs received for window versions
    resyncs: int = 0  # snapshots received inside the window: coalescing happened
    sizes: list[int] = field(default_factory=list)  # bytes of the first screen's updates
    by_version: dict[int, list[float]] = field(default_factory=dict)
    sample: str = ""  # one update as received: the reference re-sends this very shape
    errors: list[str] = field(default_factory=list)
    end: float = float("inf")  # readers stop at this time (moved once the window is known)


def stamp(msg: dict[str, Any]) -> float | None:
    panels = msg.get("panels") or msg.get("data", {}).get("panels") or []
    stamps = [p["updated_at"] for p in panels if p.get("updated_at") is not None]
    return max(stamps) if stamps else None


# The fields a screen's latency needs, found in the raw bytes: parsing 2,000-20,000 copies
# of a 7 KB update a second as JSON made the load client, not the servers, the bottleneck.
TYPE = re.compile(rb'"type":"(\w+)"')
VERSION = re.compile(rb'"version":(\d+)')
UPDATED_AT = re.compile(rb'"updated_at":([0-9.eE+-]+)')


def fields(raw: bytes) -> tuple[bytes, int | None, float | None]:
    """(type, version, newest panel ``updated_at``) of a wall or reference message.

    Both put ``type`` and the message's ``version`` before any panel, and
    ``updated_at`` only in panels; each load client checks that against the JSON of
    the first update it keeps (``agrees``).
    """
    kind = TYPE.search(raw)
    version = VERSION.search(raw)
    stamps = [float(x) for x in UPDATED_AT.findall(raw)]
    return (
        kind.group(1) if kind else b"",
        int(version.group(1)) if version else None,
        max(stamps) if stamps else None,
    )


def agrees(raw: bytes) -> None:
    msg = json.loads(raw)
    parsed = (str(msg.get("type")).encode(), int(msg["version"]), stamp(msg))
    if fields(raw) != parsed:
        raise RuntimeError(f"the raw fields {fields(raw)} disagree with the JSON {parsed}")


async def read_screen(ws: ClientConnection, tally: Tally) -> None:
    seen: set[int] = set()
    while time.time() < tally.end:
        try:
            raw = await asyncio.wait_for(
                ws.recv(decode=False), max(0.01, min(5.0, tally.end - time.time()))
            )
        except TimeoutError:
            continue  # a quiet spell (the window's end is checked above), not the end
        now = time.time()
        kind, version, at = fields(raw)
        if kind == b"ping":
            await ws.send('{"type":"pong"}')
            continue
        if kind not in (b"update", b"snapshot") or version is None:
            continue
        if at is None or not tally.window[0] <= at <= tally.window[1]:
            continue
        tally.versions.add(version)
        if kind == b"update":
            tally.latencies.append(now - at)
            tally.by_version.setdefault(version, []).append(now - at)
            if len(tally.sizes) < 64:
                tally.sizes.append(len(raw))
                if not tally.sample:
                    agrees(raw)
                    tally.sample = raw.decode()
        else:
            tally.resyncs += 1
        if version not in seen:
            seen.add(version)
            tally.got += 1


async def stalled_screen(host: str, port: int, path: str, source: str = "") -> socket.socket:
    """A websocket handshake on a socket that will never be read again."""
    loop = asyncio.get_running_loop()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    if source:
        sock.bind((source, 0))
    sock.setblocking(False)
    await loop.sock_connect(sock, (host, port))
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    await loop.sock_sendall(sock, request.encode())
    head = b""
    while b"\r\n\r\n" not in head and len(head) < 8192:
        chunk = await loop.sock_recv(sock, 1024)
        if not chunk:
            raise ConnectionError("closed during handshake")
        head += chunk
    if b" 101 " not in head.split(b"\r\n", 1)[0]:
        raise ConnectionError(head.split(b"\r\n", 1)[0].decode(errors="replace"))
    return sock


async def hold_open(tally: Tally, want: int, grace: float, limit: float = 60.0) -> None:
    """Keep the window open until ``want`` versions stamped inside it were received (at
    most ``limit`` s longer): a short window on a starved machine, or on replicas still
    choosing their leader, can hold no broadcast at all, and then measures nothing."""
    stop = tally.window[1] + limit
    while True:
        await asyncio.sleep(max(0.0, tally.window[1] - time.time()))
        if len(tally.versions) >= want or time.time() >= stop:
            return
        # Before the readers' end (window + grace > now), so none has stopped yet.
        tally.window = (tally.window[0], time.time() + 0.5)
        tally.end = tally.window[1] + grace


async def run(args: argparse.Namespace) -> dict[str, Any]:
    tally = Tally()
    gate = asyncio.Semaphore(args.parallel)
    url = urlsplit(args.url)
    host, port = url.hostname or "127.0.0.1", url.port or 80

    readers: list[asyncio.Task[None]] = []
    # Readers run until the window is known (then until its end and the grace).
    tally.end = time.time() + 900

    async def open_one(i: int) -> ClientConnection | socket.socket:
        target = args.url.format(i=i % args.teams)
        async with gate:
            if i < args.stalled:
                return await stalled_screen(host, port, urlsplit(target).path, args.source)
            # Each load client its own source address: 20,000 screens need more source
            # ports than one address has (net.ipv4.ip_local_port_range).
            local = {"local_addr": (args.source, 0)} if args.source else {}
            ws = await connect(
                target,
                compression=None,
                open_timeout=120,
                ping_interval=None,
                max_size=2**20,
                **local,
            )
        # Read from the moment it is open, as a TV does. Read only once every screen was
        # open, the first screens of a 30 s connect left the wall's pings unanswered past
        # its limit of 3 heartbeats and were dropped (B1 at 19,800 screens).
        readers.append(asyncio.create_task(read_screen(ws, tally)))
        return ws

    started = time.monotonic()
    opened = await asyncio.gather(
        *(open_one(i) for i in range(args.screens)), return_exceptions=True
    )
    connect_seconds = time.monotonic() - started
    # The instrument must not pause: with 2500 connections a load client's full garbage
    # collections took 60-225 ms every 6-7 s, in step across clients, and each one showed
    # as a slow broadcast of whichever server was measured. Bounded run: nothing to free.
    gc.freeze()
    gc.disable()
    screens = [c for c in opened if isinstance(c, ClientConnection)]
    stalled = [c for c in opened if isinstance(c, socket.socket)]
    failures = [repr(c)[:200] for c in opened if isinstance(c, BaseException)]
    if args.sync:
        # Read (and answer pings) while the other load clients connect; the window and
        # the readers' end are set once the caller says when the window starts.
        print(json.dumps({"connected": len(screens), "pid": os.getpid()}), flush=True)
        line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        t0 = float(json.loads(line)["t0"])
        tally.window = (t0, t0 + args.duration)
        tally.end = tally.window[1] + args.grace
    else:
        t0 = time.time() + args.warmup
        tally.window = (t0, t0 + args.duration)
        tally.end = tally.window[1] + args.grace
        await asyncio.sleep(max(0.0, t0 - time.time()))
        print(json.dumps({"window": tally.window, "connected": len(screens)}), flush=True)
    if args.min_versions:
        await hold_open(tally, args.min_versions, args.grace)
    results = await asyncio.gather(*readers, return_exceptions=True)
    errors = [repr(r)[:200] for r in results if isinstance(r, BaseException)]
    for ws in screens:
        ws.transport.abort()  # no close handshakes: the server sees a vanished client
    for sock in stalled:
        sock.close()
    expected = len(screens) * len(tally.versions)
    lat = tally.latencies
    return {
        "screens": len(screens),
        "stalled": len(stalled),
        "connect_failures": len(failures),
        "failure_examples": failures[:3],
        "connect_seconds": connect_seconds,
        "versions": len(tally.versions),
        "delivered_percent": 100.0 * tally.got / expected if expected else 0.0,
        "resyncs": tally.resyncs,
        "p50_ms": 1000 * percentile(lat, 50),
        "p99_ms": 1000 * percentile(lat, 99),
        "max_ms": 1000 * max(lat, default=float("nan")),
        "samples": len(lat),
        "update_bytes": percentile(tally.sizes, 50),
        "sample_update": tally.sample,
        # Per broadcast: is a slow tail one bad broadcast or every broadcast's last screens?
        "per_version_p50_max_ms": [
            (v, round(1000 * percentile(x, 50)), round(1000 * max(x)))
            for v, x in sorted(tally.by_version.items())
        ],
        "read_errors": errors[:3],
        # Whole milliseconds -> count: clients of one run merge these for p50/p99.
        "histogram": sorted(Counter(round(1000 * x) for x in lat).items()),
        "got": tally.got,
        "expected": expected,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "url", help="ws://127.0.0.1:PORT/ws/teams/t{i}: {i} is the screen's team index"
    )
    parser.add_argument("--screens", type=int, required=True)
    parser.add_argument("--stalled", type=int, default=0, help="of --screens, never read")
    parser.add_argument("--teams", type=int, default=1)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--grace", type=float, default=3.0)
    parser.add_argument("--parallel", type=int, default=64, help="handshakes in flight")
    parser.add_argument(
        "--min-versions", type=int, default=0, help="hold the window open until this many"
    )
    parser.add_argument("--source", default="", help="source address, e.g. 127.0.0.2")
    parser.add_argument("--sync", action="store_true", help="take the window's start on stdin")
    args = parser.parse_args()
    raise_nofile(args.screens * 2 + 256)
    out = asyncio.run(asyncio.wait_for(run(args), 900))  # bounded whatever happens
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
