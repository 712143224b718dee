"""The ``health`` source: every team's services up or down, polled from their health URLs.

One cycle probes every configured check at once through a bounded thread pool
(``concurrency``), each with its own timeout, all within the cycle's deadline:
a hanging endpoint costs one timeout, never the sum of them. Requests go
through the shared :class:`~collectors.http.HttpClient`; each check keeps its own
keep-alive connection to its host across cycles. A 502 or a refused/reset
connection is retried once, at once; a timeout never. URLs come only from the
config.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, ClassVar, cast
from urllib.parse import urlsplit

from collectors.base import Collection, SourceContext
from collectors.errors import CollectorError
from collectors.health.checks import CheckState, Outcome, summarize
from collectors.health.formats import DOWN, UNKNOWN, Verdict, interpret
from collectors.health.options import HealthCheck, HealthOptions, HealthTeamOptions
from collectors.http.client import HttpClient, HttpStats
from collectors.options import NoOptions, read_env, secret_in_file

log = logging.getLogger(__name__)

# Statuses worth one quick retry: a gateway hiccup. A 503 is a service saying
# "down" (Spring's DOWN), so asking again only doubles the load.
RETRY_STATUSES = frozenset({502})
ACCEPT = "application/health+json, application/json;q=0.9, text/plain;q=0.8, */*;q=0.5"
_MARGIN = 0.1  # seconds kept before the deadline to fold results into readings
_MIN_TRY = 0.05  # below this much time left, a probe is not started at all
_NOT_CHECKED = Outcome(Verdict(UNKNOWN, "not checked: the cycle ran out of time"), checked=False)


@dataclass(frozen=True)
class _Probe:
    """One distinct request; checks asking the same thing of the same URL share it."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    timeout: float
    expect: tuple[int, ...] | None
    tls: tuple[bool, str | None]  # (verify, ca_bundle): which client sends it


@dataclass(frozen=True)
class _Check:
    team: str
    name: str
    probe: _Probe


class HealthSource:
    kind: ClassVar[str] = "health"
    Options: ClassVar[type[HealthOptions]] = HealthOptions
    PanelOptions: ClassVar[type[NoOptions]] = NoOptions
    TeamOptions: ClassVar[type[HealthTeamOptions]] = HealthTeamOptions

    def __init__(self, context: SourceContext) -> None:
        self.context = context
        # The config loader validated these models; cast only informs type checkers.
        self.options = cast(HealthOptions, context.options)
        self.warnings: list[str] = []
        self.checks: dict[str, list[_Check]] = {}
        self.states: dict[tuple[str, str], CheckState] = {}
        for team in context.teams:
            opts = cast(HealthTeamOptions, team.options)
            self.checks[team.id] = [self._check(team.id, c, context.env) for c in opts.health]
            for check in opts.health:
                self.states[(team.id, check.name)] = CheckState(
                    fail_after=check.fail_after, window=self.options.latency_window
                )
        self.probes = list(dict.fromkeys(c.probe for cs in self.checks.values() for c in cs))
        self.clients = self._clients(self.probes)
        self._executor: ThreadPoolExecutor | None = None

    def _clients(self, probes: list[_Probe]) -> dict[_Probe, HttpClient]:
        """The client each probe uses: one keep-alive connection per probe, for good.

        A probe's rank among the probes of its host picks its client, so each
        client holds one connection per host and every probe reuses its own. A
        pool shared by all would open a new connection whenever a cycle happened
        to overlap more requests to one host than any cycle before.
        """
        hosts = {(p.tls, _origin(p.url)) for p in probes}
        ranks: Counter[tuple[tuple[bool, str | None], tuple[str, str, int]]] = Counter()
        by_lane: dict[tuple[tuple[bool, str | None], int], HttpClient] = {}
        out = {}
        for probe in probes:
            host = (probe.tls, _origin(probe.url))
            lane = (probe.tls, ranks[host])
            ranks[host] += 1
            if lane not in by_lane:
                by_lane[lane] = HttpClient(
                    timeout=self.options.check_timeout,
                    retries=1,
                    backoff=0.05,
                    maxsize=1,
                    num_pools=max(64, len(hosts)),  # never evict a host's idle connection
                    verify=probe.tls[0],
                    quiet_unverified=True,
                    ca_bundle=probe.tls[1],
                    user_agent="wallboard-health/0.1",
                    max_body=self.options.max_body_bytes,
                )
            out[probe] = by_lane[lane]
        return out

    def http_stats(self) -> list[HttpStats]:
        return [client.stats for client in {id(c): c for c in self.clients.values()}.values()]

    @property
    def connections_opened(self) -> int:
        """Connections opened since start, over every client (for /metrics and benchmarks)."""
        clients = {id(c): c for c in self.clients.values()}.values()
        return sum(client.stats.snapshot()[1] for client in clients)

    def _check(self, team: str, check: HealthCheck, env: Mapping[str, str]) -> _Check:
        given = {n.lower() for n in [*check.headers, *check.headers_env, *check.headers_file]}
        headers = {} if "accept" in given else {"Accept": ACCEPT}
        headers.update(check.headers)
        for header, name in check.headers_env.items():
            headers[header] = read_env(name, env) or ""
        for header, path in check.headers_file.items():
            headers[header] = secret_in_file(path) or ""
        timeout = check.timeout or self.options.check_timeout
        if timeout >= self.context.timeout:
            self.warnings.append(
                f"teams.{team}.health {check.name}: timeout {timeout:g} s is not below the"
                f" source timeout {self.context.timeout:g} s; the cycle deadline cuts it short"
            )
        if not check.verify and check.url.startswith("https:"):
            # Chosen in the config: said once here; its client skips urllib3's per-request
            # warning (only that client: the rest of the process keeps its warnings).
            log.warning("health check %s/%s: TLS verification is off", team, check.name)
        probe = _Probe(
            method=check.method,
            url=check.url,
            headers=tuple(sorted(headers.items())),
            timeout=timeout,
            expect=check.expect,
            tls=(check.verify, check.ca_bundle if check.verify else None),
        )
        return _Check(team, check.name, probe)

    # -- one cycle ---------------------------------------------------------------------
    def collect(self, deadline: float) -> Collection:
        """Probe every check concurrently; return before ``deadline`` whatever happens."""
        executor = self._pool()
        futures: dict[_Probe, Future[Outcome]] = {
            probe: executor.submit(self._probe, probe, deadline) for probe in self.probes
        }
        wait(futures.values(), timeout=max(0.0, deadline - _MARGIN - time.monotonic()))
        outcomes = {probe: _outcome(future) for probe, future in futures.items()}
        now = time.time()
        out = Collection(warnings=list(self.warnings))
        for team, checks in self.checks.items():
            for check in checks:
                self.states[(team, check.name)].record(outcomes[check.probe], now)
        for panel in self.context.panels:
            for team in panel.teams:
                checks = self.checks.get(team, [])
                if not checks:
                    out.failures[(team, panel.id)] = CollectorError(
                        f"no health checks configured (add teams.{team}.health)",
                        retryable=False,
                        config_error=True,
                        kind="config",
                    )
                    continue
                out.readings[(team, panel.id)] = summarize(
                    (c.name, self.states[(team, c.name)]) for c in checks
                )
        return out

    # -- memory across restarts (collectors.base.Memory) ----------------------------------
    def export_memory(self) -> dict[str, Any]:
        """Each check's status and down-since, keyed "team/check"."""
        return {"checks": {f"{t}/{c}": s.export() for (t, c), s in self.states.items()}}

    def import_memory(self, memory: Mapping[str, Any]) -> None:
        checks = memory.get("checks")
        if not isinstance(checks, Mapping):
            return
        for (team, name), state in self.states.items():
            saved = checks.get(f"{team}/{name}")
            if isinstance(saved, Mapping):
                state.restore(saved)

    def _probe(self, probe: _Probe, deadline: float) -> Outcome:
        """One request and its meaning; runs on a pool thread, touches no shared state."""
        left = deadline - _MARGIN - time.monotonic()
        if left < _MIN_TRY:
            return _NOT_CHECKED
        try:
            response = self.clients[probe].request(
                probe.method,
                probe.url,
                headers=dict(probe.headers),
                timeout=round(min(probe.timeout, left), 2),
                retries=1,
                retry_statuses=RETRY_STATUSES,
                retry_timeouts=False,
            )
        except CollectorError as exc:
            return Outcome(Verdict(DOWN, exc.reason))
        verdict = interpret(response.status, response.content_type, response.data, probe.expect)
        return Outcome(verdict, response.elapsed)

    def _pool(self) -> ThreadPoolExecutor:
        # Created on the first cycle, not at construction: building a wall starts no threads.
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=self.options.concurrency,
                thread_name_prefix=f"health-{self.context.id}",
            )
        return self._executor

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        for client in {id(c): c for c in self.clients.values()}.values():
            client.close()


def _origin(url: str) -> tuple[str, str, int]:
    """What urllib3 keys a connection pool by: "http://a" and "http://A:80" are one host."""
    parts = urlsplit(url)
    return (
        parts.scheme,
        parts.hostname or "",
        parts.port or (443 if parts.scheme == "https" else 80),
    )


def _outcome(future: Future[Outcome]) -> Outcome:
    if not future.done():
        if future.cancel():  # never started: the pool was busy until the deadline
            return _NOT_CHECKED
        return Outcome(Verdict(DOWN, "no answer before the cycle deadline"))
    try:
        return future.result()
    except Exception as exc:  # a bug in one probe must not blank the other checks
        log.exception("health probe crashed")
        return Outcome(Verdict(UNKNOWN, f"internal error: {type(exc).__name__}"), None, False)
