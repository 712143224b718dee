"""B1, never-reading screens A/B: the wall with and without 5 % stalled screens, same
window (45 s, so the drop rules act inside it), alternating rounds in one run.

The main fan-out run compares a 45 s stalled window with 20 s clean windows;
here both sides have the same length and alternate, so a difference is the
stalled screens' and not the machine's.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.common import Result, median, within
from bench.fanout import Plan, measure, wall_config


def run(smoke: bool = False, screens: list[int] | None = None, rounds: int = 2) -> Result:
    sizes = screens or ([10] if smoke else [1000, 2000])
    rounds = 1 if smoke else rounds
    res = Result("B1 never-reading screens, A/B")
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "bench.toml"
        config.write_text(wall_config(1))
        plan = Plan(config, 1, *((2.0, 0.5, 1.0) if smoke else (45.0, 3.0, 3.0)))
        for n in sizes:
            stalled = max(1, n // 20)
            clean, dirty = [], []
            for _ in range(rounds):
                clean.append(measure("wall", n, 0, plan))
                dirty.append(measure("wall", n, stalled, plan))
            p0 = median([r.client["p99_ms"] for r in clean])
            p1 = median([r.client["p99_ms"] for r in dirty])
            rise = 100 * (p1 / p0 - 1) if p0 else float("nan")
            tag = f"{n} screens, {stalled} never reading, {plan.seconds:g} s windows x{rounds}"
            res.add(
                f"{tag}: reading screens' p99 ms without → with (rounds)",
                f"{p0:.0f} → {p1:.0f} ({rise:+.0f} %); rounds "
                f"{[round(r.client['p99_ms']) for r in clean]} → "
                f"{[round(r.client['p99_ms']) for r in dirty]}",
                "≤ +10 %",
                within(rise, 10, " points"),
            )
            m0 = max(ms for r in clean for ms in r.loops_ms)
            m1 = max(ms for r in dirty for ms in r.loops_ms)
            res.add(
                f"{tag}: slowest broadcast loop ms without → with; dropped; RSS max MB",
                f"{m0:.1f} → {m1:.1f}; {sum(r.dropped for r in dirty)} dropped; "
                f"{max(r.rss_max for r in clean):.0f} → {max(r.rss_max for r in dirty):.0f}",
                "never stalls a broadcast; memory bounded",
                "met" if m1 <= max(2 * m0, m0 + 50) else "MISSED: a broadcast waited",
            )
    return res
