"""Thirty days of synthetic request history, backfilled into a real Prometheus by promtool.

Each team serves requests at a fixed rate with an error ratio that changes in
phases (a spike in the last minutes, a burn in the last hours). Counters are
written every 60 s for the last 4 days and every 10 min before, aligned to the
minute, and continue 30 min into the future, so any query in the next half hour
sees full windows. ``expected_ratio`` answers what Prometheus must: the ratio of
the counters' growth between the first and last samples inside a window (the
extrapolation of ``increase()`` scales errors and total alike, so it cancels).
"""

from __future__ import annotations

import itertools
import json
import subprocess
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.daemons import Daemon, free_port

PROMETHEUS = "/usr/bin/prometheus"
PROMTOOL = "/usr/bin/promtool"
DAY = 86400.0
FINE_FOR = 4 * DAY  # the last 4 days at 60 s: every burn window up to 3d sees fine samples
AHEAD = 1800.0
START_VALUE = 1_000_000.0  # counters start high, so increase() never extrapolates to zero


@dataclass
class Team:
    """Requests per second, a base error ratio, and (seconds before now, ratio) phases."""

    name: str
    per_second: float
    ratio: float
    phases: list[tuple[float, float]] = field(default_factory=list)  # from this age on: ratio

    def ratio_at(self, age: float) -> float:
        """The error ratio at ``age`` seconds before the end of history (negative: after)."""
        current = self.ratio
        for since, ratio in sorted(self.phases, reverse=True):  # oldest phase first
            if age < since:
                current = ratio
        return current


@dataclass
class History:
    end: float  # "now" of the history, on a minute boundary
    teams: list[Team]
    times: list[float] = field(default_factory=list)
    errors: dict[str, list[float]] = field(default_factory=dict)
    total: dict[str, list[float]] = field(default_factory=dict)

    def build(self) -> None:
        start = self.end - 31 * DAY
        t, times = start, []
        while t <= self.end + AHEAD:
            times.append(t)
            t += 60.0 if t >= self.end - FINE_FOR else 600.0
        self.times = times
        for team in self.teams:
            errors, total = [START_VALUE], [START_VALUE]
            for prev, cur in itertools.pairwise(times):
                served = team.per_second * (cur - prev)
                # Phases change on sample times, so one ratio holds over each interval.
                ratio = team.ratio_at(self.end - (prev + cur) / 2)
                errors.append(errors[-1] + served * ratio)
                total.append(total[-1] + served)
            self.errors[team.name], self.total[team.name] = errors, total

    def expected_ratio(self, team: str, at: float, window: float) -> float:
        """errors / requests between the first and last samples in [at - window, at]."""
        first = bisect_left(self.times, at - window)
        last = bisect_right(self.times, at) - 1
        errors, total = self.errors[team], self.total[team]
        return (errors[last] - errors[first]) / (total[last] - total[first])

    def expected_requests(self, team: str, at: float, window: float) -> float:
        """What ``increase()`` says: the growth, extrapolated over the whole window."""
        first = bisect_left(self.times, at - window)
        last = bisect_right(self.times, at) - 1
        total = self.total[team]
        return (total[last] - total[first]) / (self.times[last] - self.times[first]) * window

    def openmetrics(self) -> str:
        lines = []
        for family, values in (("slo_errors", self.errors), ("slo_requests", self.total)):
            lines += [f"# HELP {family} Synthetic counter.", f"# TYPE {family} counter"]
            for team in self.teams:
                for t, v in zip(self.times, values[team.name], strict=True):
                    lines.append(f'{family}_total{{team="{team.name}"}} {v:.6f} {int(t)}')
        lines.append("# EOF")
        return "\n".join(lines) + "\n"


PART = 24 * 7200.0  # seconds of history per promtool run: whole 2-hour blocks


def split_by_time(text: str, span: float) -> list[str]:
    """OpenMetrics ``text`` cut into texts of samples in [k * span, (k + 1) * span), each
    with the HELP and TYPE lines of its families and its own ``# EOF``."""
    parts: dict[int, list[str]] = {}
    families: list[list[str]] = []  # each family's HELP and TYPE lines, in order
    family_at: dict[int, int] = {}  # part -> the number of the family it last wrote
    in_header = False
    for line in text.splitlines():
        if line == "# EOF":
            break
        if line.startswith("#"):
            if not in_header:
                families.append([])
            families[-1].append(line)
            in_header = True
            continue
        in_header = False
        k = int(float(line.rsplit(" ", 1)[1]) // span)
        lines = parts.setdefault(k, [])
        if family_at.get(k) != len(families):
            family_at[k] = len(families)
            lines.extend(families[-1])
        lines.append(line)
    return ["\n".join(lines) + "\n# EOF\n" for _, lines in sorted(parts.items())]


class BackfilledPrometheus(Daemon):
    """Prometheus serving only backfilled blocks (no scraping), retention beyond 30 days."""

    def __init__(self, workdir: Path, history: History) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        data = workdir / "data"
        # promtool reads its whole input once per 2-hour block it writes: 31 days in one
        # file took 28 CPU-seconds (373 passes over 77,000 samples). Parts of two days,
        # cut on block boundaries, take each sample through 24 passes instead.
        for i, part in enumerate(split_by_time(history.openmetrics(), PART)):
            source = workdir / f"history-{i}.om"
            source.write_text(part)
            subprocess.run(
                [PROMTOOL, "tsdb", "create-blocks-from", "openmetrics", str(source), str(data)],
                check=True,
                capture_output=True,
                timeout=600,
            )
            source.unlink()
        (workdir / "prometheus.yml").write_text(json.dumps({"global": {}}))
        port = free_port()
        argv = [
            PROMETHEUS,
            f"--config.file={workdir / 'prometheus.yml'}",
            f"--storage.tsdb.path={data}",
            "--storage.tsdb.retention.time=60d",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ]
        super().__init__("prometheus", argv, port, workdir, "/-/ready")

    def queries_served(self) -> float:
        """Instant queries Prometheus itself counted (its prometheus_http_requests_total)."""
        from prometheus_client.parser import text_string_to_metric_families

        total = 0.0
        for family in text_string_to_metric_families(self.get("/metrics").data.decode()):
            for sample in family.samples:
                if (
                    sample.name == "prometheus_http_requests_total"
                    and sample.labels.get("handler") == "/api/v1/query"
                ):
                    total += sample.value
        return total
