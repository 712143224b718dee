"""B1 at scale: 1000 to 20,000 screens on one wall process, beside the asyncio reference.

The same measurement as ``fanout`` (bench/fanout.py: one board change a second,
the same load client, the same reference), at sizes where one load-client
process cannot keep up: from 5,000 screens on, several load clients share the
screens, each from its own loopback source address (127.0.0.2, .3, ...), and
all measure one window. Reported per size: broadcast loop, p50/p99, delivered %,
RSS and RSS per screen ((max - before any screen) / screens), the server's
threads, CPU and the time to connect every screen.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

from bench.common import Result, median, ratio, within
from bench.fanout import Plan, Run, measure, wall_config

# The largest size is what fits this machine's hard open-files limit (20,000, which a
# session here cannot raise) for both servers: 19,800 sockets and the server's own files.
SIZES = [1000, 2000, 5000, 10_000, 19_800]
PER_CLIENT = 2500  # screens per load-client process (beyond one, each its own address)
# A 20 s window's p99 swung 0.84x to 1.40x of the reference between two runs minutes apart
# at 10,000 screens, and 3 rounds still spread 318-410 ms against 286-344: below the
# largest size, wall and reference alternate this many rounds and the round with the
# median p99 of each is reported (every round's p99 beside it). The largest size takes
# ~4 min a round; two single rounds there gave 0.86x and 1.13x, so it gets rounds too.
ROUNDS = 5
ROUNDS_LARGEST = 3


def per_screen_kb(run: Run) -> float:
    return 1024 * (run.rss_max - run.rss_start) / run.screens


def middle(runs: list[Run]) -> Run:
    """The run whose p99 is the median of ``runs`` (the upper one of an even count)."""
    return sorted(runs, key=lambda r: float(r.client["p99_ms"]))[len(runs) // 2]


def report(res: Result, walls: list[Run], refs: list[Run]) -> None:
    wall, ref = middle(walls), middle(refs)
    tag = f"{wall.screens} screens"
    if len(walls) > 1:
        res.add(
            f"{tag}: p99 ms of each round (alternating), wall | reference",
            f"{[round(r.client['p99_ms']) for r in walls]} | "
            f"{[round(r.client['p99_ms']) for r in refs]}",
            "the median round is reported",
        )
    lw, lr = median(wall.loops_ms), median(ref.loops_ms)
    res.add(
        f"{tag}: broadcast loop median (max) ms, wall | reference",
        f"{lw:.1f} ({max(wall.loops_ms, default=math.nan):.1f}) | "
        f"{lr:.1f} ({max(ref.loops_ms, default=math.nan):.1f}); ratio {ratio(lw, lr)}",
        "≤ 1.0x reference",
        within(lw / lr if lr else math.nan, 1.0, "x"),
    )
    pw, pr = wall.client["p99_ms"], ref.client["p99_ms"]
    res.add(
        f"{tag}: latency p50/p99 ms, wall | reference",
        f"{wall.client['p50_ms']:.0f}/{pw:.0f} | {ref.client['p50_ms']:.0f}/{pr:.0f}; "
        f"p99 ratio {ratio(pw, pr)}",
        "p99 ≤ 1.0x reference",
        within(pw / pr if pr else math.nan, 1.0, "x"),
    )
    dw, dr = wall.client["delivered_percent"], ref.client["delivered_percent"]
    res.add(
        f"{tag}: delivered %, wall | reference",
        f"{dw:.2f} | {dr:.2f}",
        "100 %",
        "met" if dw >= 100 else f"MISSED by {100 - dw:.2f} points",
    )
    kw, kr = per_screen_kb(wall), per_screen_kb(ref)
    res.add(
        f"{tag}: RSS max (before screens) MB; per screen KB, wall | reference",
        f"{wall.rss_max:.0f} ({wall.rss_start:.0f}); {kw:.1f} | "
        f"{ref.rss_max:.0f} ({ref.rss_start:.0f}); {kr:.1f}; ratio {ratio(kw, kr)}",
        "per screen ≤ 1.2x reference" + ("; RSS < 500 MB" if wall.screens >= 19_800 else ""),
        within(kw / kr if kr else math.nan, 1.2, "x")
        + (f"; {within(wall.rss_max, 500, ' MB')}" if wall.screens >= 19_800 else ""),
    )
    res.add(
        f"{tag}: server CPU % / threads (max), wall | reference",
        f"{wall.cpu:.0f} / {wall.threads_max} | {ref.cpu:.0f} / {ref.threads_max}",
    )
    (nw, mw), (nr, mr) = wall.gc_pauses, ref.gc_pauses
    res.add(
        f"{tag}: server's full GC pauses in the window: count (longest ms), wall | reference",
        f"{nw} ({mw:.0f}) | {nr} ({mr:.0f})",
    )
    fails = wall.client["connect_failures"]
    res.add(
        f"{tag}: connect failures / seconds to connect all, wall | reference",
        f"{fails} / {wall.client['connect_seconds']:.1f} | "
        f"{ref.client['connect_failures']} / {ref.client['connect_seconds']:.1f}",
        "0 failures",
        "met" if fails == 0 else f"MISSED: {fails} failed",
    )
    res.notes.append(
        f"{tag}: {wall.client.get('clients', 1)} load client(s); wall versions "
        f"{wall.client['versions']}, resyncs {wall.client['resyncs']}, dropped {wall.dropped}; "
        f"failures {wall.client['failure_examples'][:1]} | {ref.client['failure_examples'][:1]}"
    )


def run(smoke: bool = False, screens: list[int] | None = None) -> Result:
    sizes = screens or ([20] if smoke else SIZES)
    res = Result("B1 fan-out at scale")
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "bench.toml"
        config.write_text(wall_config(1, max_screens=max(sizes) + 500))
        plan = Plan(config, 1, *((1.5, 0.5, 0.5) if smoke else (20.0, 3.0, 3.0)))
        for n in sizes:
            # The smoke run takes the several-clients path too, so it cannot rot.
            clients = 2 if smoke else max(1, math.ceil(n / PER_CLIENT))
            walls: list[Run] = []
            refs: list[Run] = []
            try:
                for _ in range(1 if smoke else ROUNDS_LARGEST if n >= SIZES[-1] else ROUNDS):
                    walls.append(measure("wall", n, 0, plan, clients=clients))
                    sample = walls[-1].client["sample_update"]
                    refs.append(measure("reference", n, 0, plan, sample, clients))
            except RuntimeError as exc:  # one size failing keeps the others' figures
                res.add(f"{n} screens", f"failed: {str(exc)[:300]}", "", "MISSED")
                continue
            report(res, walls, refs)
    return res
