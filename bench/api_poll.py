"""A chat bot polling ``/api/v1/teams/<team>`` with ``If-None-Match`` while the board moves.

The wall runs in its own process (``bench.wallserver``) with the demo source
collecting every ``CHANGE_S`` seconds, so the board version really changes on
that cadence; the bot polls every ``POLL_S`` seconds, sending back the last
ETag. Reports the share of 304s (ideal: 1 - poll/change), the response times
of 304s and 200s (median, p99) and the bytes a 200 costs, and checks that no
200 repeated an ETag the bot already held (a 200 that could have been a 304).

    python -m bench.api_poll [--smoke]
"""

from __future__ import annotations

import argparse
import http.client
import tempfile
import time
from pathlib import Path

from bench.common import Child, Result, median, percentile, python_cmd
from tests.support.live import demo_config

CHANGE_S = 3.0
POLL_S = 0.25
PATH = "/api/v1/teams/payments"


def _get(port: int, etag: str | None) -> tuple[int, str | None, int, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    started = time.perf_counter()
    try:
        conn.request("GET", PATH, headers={"If-None-Match": etag} if etag else {})
        response = conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        return response.status, response.getheader("ETag"), len(body), elapsed
    finally:
        conn.close()


def run(smoke: bool = False, poll_s: float = POLL_S, change_s: float = CHANGE_S) -> Result:
    requests = 40 if smoke else 200
    res = Result("api_poll")
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text(demo_config(f"{change_s:g}s"))
        child = Child(python_cmd("bench.wallserver", str(config)))
        try:
            port = int(child.ready["port"])
            etag: str | None = None
            times: dict[int, list[float]] = {200: [], 304: []}
            sizes, wasted, other = [], 0, 0
            started = time.monotonic()
            for _ in range(requests):
                status, tag, size, elapsed = _get(port, etag)
                if status in times:
                    times[status].append(elapsed)
                else:
                    other += 1
                if status == 200:
                    wasted += int(tag == etag)
                    sizes.append(size)
                    etag = tag
                time.sleep(poll_s)
            duration = time.monotonic() - started
        finally:
            child.stop()
    share = len(times[304]) / requests
    ideal = max(0.0, 1 - (duration / requests) / change_s)
    res.add("requests (poll / change)", f"{requests} ({poll_s:g} s / {change_s:g} s)")
    res.add("304 share", f"{share:.1%}", f"ideal {ideal:.1%}", "met" if wasted == 0 else "")
    res.add("200s repeating a held ETag", str(wasted), "0", "met" if wasted == 0 else "MISSED")
    res.add("other statuses", str(other), "0", "met" if other == 0 else "MISSED")
    everything = times[200] + times[304]
    for label, values in (("304", times[304]), ("200", times[200]), ("all", everything)):
        res.add(
            f"{label} response time median / p99",
            f"{median(values) * 1000:.2f} / {percentile(values, 99) * 1000:.2f} ms",
        )
    res.add("200 body bytes (median)", f"{median(sizes):.0f}" if sizes else "n/a", "304: 0")
    res.notes.append(
        "Each request opens a new loopback connection (the threaded werkzeug server "
        "closes after each answer); the wall collects the demo source every "
        f"{change_s:g} s, and every collection bumps the board version."
    )
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--poll", type=float, default=POLL_S, help="seconds between polls")
    parser.add_argument("--change", type=float, default=CHANGE_S, help="demo source interval")
    args = parser.parse_args()
    result = run(args.smoke, args.poll, args.change)
    for row in result.rows:
        print(f"{row.measure:36} {row.figure:24} {row.target:12} {row.verdict}")


if __name__ == "__main__":
    main()
