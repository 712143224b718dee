"""What a replica reports: the ``state`` object of /readyz and its /metrics series."""

from __future__ import annotations

from typing import Any, Protocol

from wallboard.state.replicas.sync import BoardSync


class Replica(Protocol):
    """What the reports read of a replica (``replica.Replica`` has it; no import back)."""

    backend: str
    id: str
    leader: bool
    epoch: int
    takeovers: int
    redis_errors: int
    writes_refused: int
    config_hash: str
    mismatch: str | None
    unreachable: str | None
    sync: BoardSync


def describe(replica: Replica) -> dict[str, Any]:
    """For /readyz."""
    reasons = [r for r in (replica.unreachable, replica.mismatch) if r]
    return {
        "backend": replica.backend,
        "ready": not reasons,
        "reasons": reasons,
        "replica": replica.id,
        "role": "leader" if replica.leader else "follower",
        "collects_elsewhere": not replica.leader,
        "epoch": replica.epoch,
        "sequence": replica.sync.last_seq,
        "config_hash": replica.config_hash,
        "config_mismatch": replica.mismatch,
        "replication_lag_seconds": replica.sync.lag,
    }


def metrics(replica: Replica) -> list[tuple[str, str, str, float]]:
    """(name, help, "gauge" | "counter", value) for /metrics."""
    return [
        (
            "wallboard_replica_leader",
            "1 while this replica holds the lease.",
            "gauge",
            1.0 if replica.leader else 0.0,
        ),
        (
            "wallboard_replica_takeovers",
            "Lease takeovers by this replica.",
            "counter",
            float(replica.takeovers),
        ),
        (
            "wallboard_replication_lag_seconds",
            "Leader write to apply here, last change.",
            "gauge",
            replica.sync.lag or 0.0,
        ),
        (
            "wallboard_replica_resyncs",
            "Full board reads from Redis.",
            "counter",
            float(replica.sync.resyncs),
        ),
        (
            "wallboard_redis_errors",
            "Failed Redis operations.",
            "counter",
            float(replica.redis_errors),
        ),
        (
            "wallboard_replica_writes_refused",
            "Writes refused for a stale epoch.",
            "counter",
            float(replica.writes_refused),
        ),
        (
            "wallboard_replica_config_mismatch",
            "1 while this config differs from the leader's.",
            "gauge",
            1.0 if replica.mismatch else 0.0,
        ),
        (
            "wallboard_state_store_unreachable",
            "1 while Redis is unreachable.",
            "gauge",
            1.0 if replica.unreachable else 0.0,
        ),
    ]
