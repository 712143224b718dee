"""Liveness and readiness probes for load balancers and orchestrators.

Both read only in-process state (the board's per-source bookkeeping and the
scheduler's flag): a probe that called upstream would turn a slow Prometheus
into a restart loop of the wall.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify

from wallboard.board.board import SourceState
from wallboard.wall import Wall, wall

# A source is unready once it has not succeeded for this many of its intervals.
READY_INTERVALS = 3


def source_reasons(state: SourceState, started_at: float, now: float) -> list[str]:
    """Why one source makes the wall unready (empty when it is fine)."""
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


def readiness(the_wall: Wall, now: float | None = None) -> tuple[bool, dict[str, Any]]:
    """(ready, details) as /readyz reports them."""
    now = time.time() if now is None else now
    board = the_wall.board
    scheduler = the_wall.scheduler
    # A replica that stands by while another holds the collection lease is fine without one.
    elsewhere = the_wall.state is not None and the_wall.state.describe().get("collects_elsewhere")
    running = bool(elsewhere) or (scheduler is not None and scheduler.running)
    sources: dict[str, Any] = {}
    ready = running and the_wall.config is not None
    for sid, state in board.sources.items():
        reasons = source_reasons(state, board.started_at, now)
        ready = ready and not reasons
        sources[sid] = {
            "ready": not reasons,
            "reasons": reasons,
            "last_success": state.last_success,
            "interval_seconds": state.interval,
        }
    details: dict[str, Any] = {
        "status": "ready" if ready else "unready",
        "config": the_wall.config.path,
        "config_loaded": the_wall.config is not None,
        "scheduler_running": running,
        "config_error": the_wall.config_error,
        "sources": sources,
    }
    store: dict[str, Any] = {"backend": "memory", "ready": True, "reasons": []}
    if the_wall.state is not None:
        store = the_wall.state.describe()
    details["state"] = store
    reasons = ([] if running else ["scheduler not running"]) + list(store["reasons"])
    ready = ready and bool(store["ready"])
    if reasons:
        details["reasons"] = reasons
    return ready, details


def register(app: Flask) -> None:
    bp = Blueprint("probes", __name__)

    @bp.get("/healthz")
    def healthz() -> Response:
        """Liveness: the process answers requests."""
        return jsonify(status="ok")

    @bp.get("/readyz")
    def readyz() -> tuple[Response, int]:
        ready, details = readiness(wall(current_app))
        return jsonify(details), 200 if ready else 503

    app.register_blueprint(bp)
