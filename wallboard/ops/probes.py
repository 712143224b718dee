"""Liveness and readiness probes for load balancers and orchestrators.

Both read only in-process state: a probe that called upstream would turn a
slow Prometheus into a restart loop of the wall.

- ``/healthz`` (liveness) fails with 500 when a thread the wall needs is dead or
  stuck: the hub's writer (every screen's updates) or the scheduler (every
  collection). Each stamps a heartbeat every loop; a stamp older than its bound
  counts as stuck. Restarting the process is the cure for both.
- ``/readyz`` (readiness) means "this process can serve screens": the config and
  board are loaded, the hub is alive and the scheduler runs. Upstream failures
  are reported in its body (and in ``/metrics``) but keep it 200: one expired
  token must not take every TV out of the load balancer. Operators who want the
  old behaviour set ``[server] ready_requires_sources = true``.
"""

from __future__ import annotations

import math
import time
from typing import Any

from flask import Blueprint, Response, jsonify

from wallboard.board.board import SourceState
from wallboard.ops.metrics import screen_caps
from wallboard.wall import Wall, current_wall

# A source counts as failing once it has not succeeded for this many of its intervals.
READY_INTERVALS = 3


def source_reasons(state: SourceState, started_at: float, now: float) -> list[str]:
    """Why one source is failing (empty when it is fine)."""
    window = READY_INTERVALS * state.interval
    if state.last_success is not None:
        if now - state.last_success <= window:
            return []
        reasons = [f"no successful collection for {now - state.last_success:.0f} s"]
    elif state.last_attempt is None and now - started_at <= window:
        return []  # within its first cycle
    elif state.last_attempt is None:
        reasons = [f"no collection attempted in {now - started_at:.0f} s"]
    else:
        reasons = ["never collected successfully"]
    if state.last_error:
        reasons.append(f"last attempt failed: {state.last_error}")
    return reasons


def liveness(wall: Wall) -> list[str]:
    """Why this process should be restarted (empty when it is alive)."""
    return [p for p in (wall.hub.problem(), wall.poller.problem()) if p]


def sources_report(wall: Wall, now: float) -> dict[str, Any]:
    board = wall.board
    sources: dict[str, Any] = {}
    for sid, state in board.sources.items():
        reasons = source_reasons(state, board.started_at, now)
        sources[sid] = {
            "ready": not reasons,
            "reasons": reasons,
            "last_success": _finite(state.last_success),
            "interval_seconds": _finite(state.interval),
        }
    return sources


def readiness(wall: Wall, now: float | None = None) -> tuple[bool, dict[str, Any]]:
    """(ready, details) as /readyz reports them."""
    now = time.time() if now is None else now
    # A replica that stands by while another holds the collection lease is fine without one.
    store: dict[str, Any] = {"backend": "memory", "ready": True, "reasons": []}
    if wall.state is not None:
        store = wall.state.describe()
    running = bool(store.get("collects_elsewhere")) or wall.poller.running
    reasons: list[str] = []
    if not wall.hub.started:
        reasons.append("hub not started")
    if not running:
        reasons.append("scheduler not running")
    reasons += liveness(wall)
    sources = sources_report(wall, now)
    failing = sorted(sid for sid, s in sources.items() if not s["ready"])
    requires_sources = wall.config.server.ready_requires_sources
    if failing and requires_sources:
        reasons.append(f"sources failing: {', '.join(failing)} (server.ready_requires_sources)")
    reasons += list(store["reasons"])  # the state store (e.g. Redis unreachable)
    ready = not reasons and bool(store["ready"])
    details: dict[str, Any] = {
        "status": "ready" if ready else "unready",
        "reasons": reasons,
        "config": wall.config.path,
        "config_loaded": True,  # a Wall only exists around a loaded config
        "config_error": wall.config_error,
        "scheduler_running": running,
        "hub_alive": wall.hub.started and wall.hub.problem() is None,
        "sources_ready": not failing,
        "ready_requires_sources": requires_sources,
        "sources": sources,
        "state": store,
        "screens": {"connected": wall.hub.screen_count, **screen_caps(wall)},
    }
    return ready, details


def _finite(value: float | None) -> float | None:
    # JSON has no Infinity or NaN: a probe answer must parse whatever the state holds.
    return value if value is not None and math.isfinite(value) else None


bp = Blueprint("probes", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """Liveness: the process answers and the threads the wall needs are running."""
    problems = liveness(current_wall())
    if problems:
        return jsonify(status="failing", reasons=problems), 500
    return jsonify(status="ok"), 200


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    ready, details = readiness(current_wall())
    return jsonify(details), 200 if ready else 503
