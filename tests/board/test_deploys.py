"""The deploy log: short versions, one record per deploy, a JSON round trip, "worse since"."""

from __future__ import annotations

import json

import pytest

from wallboard.board.deploys import Deploy, DeployLog, worse_since


@pytest.mark.parametrize(
    ("version", "short"),
    [
        ("v1.4.2", "v1.4.2"),
        ("payments@1.4.2+build.77", "1.4.2"),
        ("2b6af31b2edccc73a629108b17344dfe", "2b6af31"),
        ("release-candidate-for-the-big-launch", "release-cand"),
    ],
)
def test_a_tick_gets_a_short_version(version: str, short: str) -> None:
    assert Deploy("t", version, 0.0, "hook").short == short


def test_the_same_deploy_is_recorded_once_and_the_log_is_bounded() -> None:
    log = DeployLog(keep=3)
    assert log.add(Deploy("a", "v1", 10.0, "hook"))
    assert not log.add(Deploy("a", "v1", 11.0, "hook"))
    assert log.add(Deploy("a", "v1", 12.0, "sentry"))  # another source says so too
    for i in range(2, 6):
        log.add(Deploy("a", f"v{i}", 10.0 + i * 10, "hook"))
    assert [d.version for d in log.recent("a")] == ["v5", "v4", "v3"]
    assert log.recent("nobody") == []


def test_a_late_deploy_takes_its_place_in_time() -> None:
    log = DeployLog()
    log.add(Deploy("a", "v2", 200.0, "hook"))
    log.add(Deploy("a", "v1", 100.0, "hook"))
    assert [d.version for d in log.recent("a")] == ["v2", "v1"]


def test_it_survives_a_json_round_trip_for_a_state_store() -> None:
    log = DeployLog()
    log.add(Deploy("a", "v1", 100.0, "hook", "https://ci/1", "production"))
    log.add(Deploy("b", "v7", 150.0, "sentry"))
    again = DeployLog()
    again.load(json.loads(json.dumps(log.dump())))
    assert again.recent("a") == log.recent("a") and again.recent("b") == log.recent("b")


def test_worse_since_names_the_deploy_only_inside_the_window() -> None:
    deploys = [Deploy("a", "v2", 1000.0, "hook"), Deploy("a", "v1", 100.0, "hook")]
    assert worse_since(deploys, 1000.0 + 899, 900) == "v2"
    assert worse_since(deploys, 1000.0 + 901, 900) is None
    assert worse_since(deploys, 500.0, 900) == "v1"  # got worse after v1, before v2
    assert worse_since(deploys, 50.0, 900) is None  # worse before any deploy
    assert worse_since(deploys, None, 900) is None
