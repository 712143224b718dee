"""B1's rows: the wall beside the reference, with and without never-reading screens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.common import Result, median, percentile, ratio, within

if TYPE_CHECKING:
    from bench.fanout import Run


def report_stalled(res: Result, base: Run, stalled: Run) -> None:
    """The same wall with and without never-reading screens, from this run."""
    tag = f"{stalled.screens} screens, {stalled.stalled} never reading"
    p0, p1 = base.client["p99_ms"], stalled.client["p99_ms"]
    rise = 100 * (p1 / p0 - 1) if p0 else float("nan")
    res.add(
        f"{tag}: other screens' p99 vs none stalled (ms)",
        f"{p1:.0f} vs {p0:.0f} ({rise:+.0f} %)",
        "≤ +10 %",
        within(rise, 10, " points"),
    )
    m0 = max(base.loops_ms, default=float("nan"))
    m1 = max(stalled.loops_ms, default=float("nan"))
    res.add(
        f"{tag}: slowest broadcast loop vs none stalled (ms); screens dropped",
        f"{m1:.1f} vs {m0:.1f}; {stalled.dropped} dropped",
        "never stalls a broadcast",
        "met" if m1 <= max(2 * m0, m0 + 50) else "MISSED: a broadcast waited",
    )


def report_alternative(res: Result, wall: Run, alt: Run, ref: Run) -> None:
    """The same wall under gunicorn gthread (one worker), beside the default server."""
    tag = f"{alt.screens} screens, gunicorn gthread"
    la, lr = median(alt.loops_ms), median(ref.loops_ms)
    res.add(
        f"{tag}: loop median ms; p50/p99 ms; RSS MB (werkzeug server: same figures)",
        f"{la:.1f} ({ratio(la, lr)} ref); {alt.client['p50_ms']:.0f}/"
        f"{alt.client['p99_ms']:.0f} ({ratio(alt.client['p99_ms'], ref.client['p99_ms'])} ref);"
        f" {alt.rss_max:.0f} (werkzeug: {median(wall.loops_ms):.1f}; "
        f"{wall.client['p50_ms']:.0f}/{wall.client['p99_ms']:.0f}; {wall.rss_max:.0f})",
    )


def report(res: Result, wall: Run, ref: Run, size: int) -> None:
    tag = f"{wall.screens} screens" + (f", {wall.stalled} never reading" if wall.stalled else "")
    big = wall.screens >= 1000 and not wall.stalled  # with stalled screens: report_stalled
    lw, lr = median(wall.loops_ms), median(ref.loops_ms)
    pw, pr = wall.client["p99_ms"], ref.client["p99_ms"]
    res.add(
        f"{tag}: broadcast loop median (max) ms, wall | reference",
        f"{lw:.1f} ({max(wall.loops_ms, default=float('nan')):.1f}) | "
        f"{lr:.1f} ({max(ref.loops_ms, default=float('nan')):.1f}); ratio {ratio(lw, lr)}",
        "≤ 1.2x reference" if big else "",
        within(lw / lr if lr else float("nan"), 1.2, "x") if big else "",
    )
    res.add(
        f"{tag}: latency p50/p99 ms, wall | reference",
        f"{wall.client['p50_ms']:.0f}/{pw:.0f} | {ref.client['p50_ms']:.0f}/{pr:.0f}; "
        f"p99 ratio {ratio(pw, pr)}",
        "p99 ≤ 1.2x reference" if big else "",
        within(pw / pr if pr else float("nan"), 1.2, "x") if big else "",
    )
    dw, dr = wall.client["delivered_percent"], ref.client["delivered_percent"]
    res.add(
        f"{tag}: delivered % (reading screens), wall | reference",
        f"{dw:.2f} | {dr:.2f}",
        "100 %",
        "met" if dw >= 100 else f"MISSED by {100 - dw:.2f} points",
    )
    res.add(
        f"{tag}: server RSS max MB / CPU %, wall | reference",
        f"{wall.rss_max:.0f} / {wall.cpu:.0f} | {ref.rss_max:.0f} / {ref.cpu:.0f}",
        "RSS ≤ 200 MB" if wall.screens >= 2000 else "",
        within(wall.rss_max, 200, " MB") if wall.screens >= 2000 else "",
    )
    fails = wall.client["connect_failures"]
    res.add(
        f"{tag}: connect failures / seconds to connect all, wall | reference",
        f"{fails} / {wall.client['connect_seconds']:.1f} | "
        f"{ref.client['connect_failures']} / {ref.client['connect_seconds']:.1f}",
        "0 failures" if wall.screens >= 2000 else "",
        ("met" if fails == 0 else f"MISSED: {fails} failed") if wall.screens >= 2000 else "",
    )
    res.notes.append(
        f"{tag}: update {size} B; p99 per round wall {wall.client.get('p99_rounds')}, reference"
        f" {ref.client.get('p99_rounds')}; wall versions {wall.client['versions']}, resyncs "
        f"{wall.client['resyncs']}, screens dropped {wall.dropped}; loop p99 wall "
        f"{percentile(wall.loops_ms, 99):.1f} ms, reference {percentile(ref.loops_ms, 99):.1f} ms"
    )
