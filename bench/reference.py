"""The reference: a minimal broadcaster on the asyncio ``websockets`` library, the
practical ceiling for Python on this machine, doing the wall's work.

Once a second it stamps ``time.time()`` into an update of the wall's very shape
(``--template``: an update the load client received from the wall; else padded
to ``--size``), encodes it once and hands it to every screen with
``websockets.broadcast``. New screens get a snapshot; every ``--heartbeat`` all
get the wall's JSON ping and their pongs are read, as the wall does.
Prints ``{"port": ...}`` when listening and, on SIGTERM, its loop times.

    python -m bench.reference [--template FILE | --size BYTES] [--port P]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

from bench.common import raise_nofile, record_full_collections


class Reference:
    def __init__(self, size: int, panels: int, template: dict[str, Any] | None) -> None:
        self.size = size
        self.panels = panels
        self.template = template
        self.version = 0
        self.by_team: dict[str, set[ServerConnection]] = {}
        self.loops: list[tuple[float, float]] = []

    def message(self, kind: str, team: str) -> str:
        now = time.time()
        if self.template is not None:
            panels = [{**p, "updated_at": now} for p in self.template["panels"]]
            body = {**self.template, "team": team, "version": self.version, "panels": panels}
            if kind == "snapshot":
                body = {"type": kind, "team": team, "version": self.version, "data": body}
            return json.dumps(body, separators=(",", ":"))
        panels = [
            {"id": f"p{i}", "value": 1.0 + i, "status": "ok", "updated_at": now}
            for i in range(self.panels)
        ]
        body: dict[str, Any] = {
            "type": kind,
            "team": team,
            "version": self.version,
            "status": "ok",
            "panels": panels,
            "pad": "",
        }
        # Same bytes on the wire as the wall's update, so both do the same work.
        body["pad"] = "x" * max(0, self.size - len(json.dumps(body, separators=(",", ":"))))
        if kind == "snapshot":
            body["data"] = {"panels": body.pop("panels")}
        return json.dumps(body, separators=(",", ":"))

    async def handler(self, ws: ServerConnection) -> None:
        team = ws.request.path.rsplit("/", 1)[-1] if ws.request else "bench"
        await ws.send(self.message("snapshot", team))
        self.by_team.setdefault(team, set()).add(ws)
        try:
            async for message in ws:  # pongs, read and parsed as the wall does
                json.loads(message)
        except ConnectionClosed:
            pass
        finally:
            self.by_team[team].discard(ws)

    async def heartbeat(self, stop: asyncio.Event, period: float) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), period)
            ping = json.dumps({"type": "ping", "server_time": time.time()})
            for screens in self.by_team.values():
                broadcast(screens, ping)

    async def tick(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
            self.version += 1
            at, started = time.time(), time.perf_counter()
            for team, screens in self.by_team.items():
                if screens:
                    broadcast(screens, self.message("update", team))
            self.loops.append((at, time.perf_counter() - started))


async def run(args: argparse.Namespace) -> None:
    pauses = record_full_collections()
    template = json.loads(Path(args.template).read_text()) if args.template else None
    ref = Reference(args.size, args.panels, template)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with serve(
        ref.handler, "127.0.0.1", args.port, compression=None, max_size=4096, backlog=4096
    ) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(json.dumps({"port": port, "pid": os.getpid()}), flush=True)
        ticker = asyncio.create_task(ref.tick(stop))
        pinger = asyncio.create_task(ref.heartbeat(stop, args.heartbeat))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 3600)  # bounded
        stop.set()
        await ticker
        await pinger
        screens = sum(len(s) for s in ref.by_team.values())
        print(
            json.dumps({"broadcasts": ref.loops, "screens": screens, "gc_pauses": pauses}),
            flush=True,
        )
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--panels", type=int, default=4)
    parser.add_argument("--template", help="a JSON update received from the wall")
    parser.add_argument("--heartbeat", type=float, default=10.0)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--nofile", type=int, default=8192)
    args = parser.parse_args()
    raise_nofile(args.nofile)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
