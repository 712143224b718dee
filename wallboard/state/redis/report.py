"""What a replica reports: the ``state`` object of /readyz and its /metrics series."""

from __future__ import annotations

from typing import Any

from wallboard.state.redis.health import Health
from wallboard.state.redis.leadership import Leadership
from wallboard.state.redis.sync import BoardSync
from wallboard.state.redis.write import Writer


def describe(lead: Leadership, sync: BoardSync, health: Health) -> dict[str, Any]:
    """For /readyz."""
    reasons = [r for r in (health.unreachable, lead.mismatch) if r]
    return {
        "backend": "redis",
        "ready": not reasons,
        "reasons": reasons,
        "replica": lead.id,
        "role": "leader" if lead.leader else "follower",
        "collects_elsewhere": not lead.leader,
        "epoch": lead.epoch,
        "sequence": sync.last_seq,
        "config_hash": lead.config_hash,
        "config_mismatch": lead.mismatch,
        "replication_lag_seconds": sync.lag,
    }


def metrics(
    lead: Leadership, sync: BoardSync, writer: Writer, health: Health
) -> list[tuple[str, str, str, float]]:
    """(name, help, "gauge" | "counter", value) for /metrics."""
    return [
        (
            "wallboard_replica_leader",
            "1 while this replica holds the lease.",
            "gauge",
            1.0 if lead.leader else 0.0,
        ),
        (
            "wallboard_replica_takeovers",
            "Lease takeovers by this replica.",
            "counter",
            float(lead.takeovers),
        ),
        (
            "wallboard_replication_lag_seconds",
            "Leader write to apply here, last change.",
            "gauge",
            sync.lag or 0.0,
        ),
        (
            "wallboard_replica_resyncs",
            "Full board reads from Redis.",
            "counter",
            float(sync.resyncs),
        ),
        (
            "wallboard_replica_answers_behind",
            "API answers refused (503 replica_behind): this follower had not caught up.",
            "counter",
            float(sync.behind),
        ),
        (
            "wallboard_replica_store_resets",
            "Times the shared board was found gone from Redis (it lost its data).",
            "counter",
            float(sync.resets),
        ),
        (
            "wallboard_redis_errors",
            "Failed Redis operations.",
            "counter",
            float(health.errors),
        ),
        (
            "wallboard_replica_writes_refused",
            "Writes refused for a stale epoch.",
            "counter",
            float(writer.writes_refused),
        ),
        (
            "wallboard_replica_config_mismatch",
            "1 while this config differs from the leader's.",
            "gauge",
            1.0 if lead.mismatch else 0.0,
        ),
        (
            "wallboard_state_store_unreachable",
            "1 while Redis is unreachable.",
            "gauge",
            1.0 if health.unreachable else 0.0,
        ),
    ]
