"""The poller collects, tells each cycle, and pauses and resumes as leadership asks."""

from __future__ import annotations

from pathlib import Path

from collectors.errors import CollectorError
from tests.support.live import demo_config, write_config
from wallboard.config import loader as config_mod
from wallboard.wall import Wall


def make_wall(tmp_path: Path) -> Wall:
    return Wall(config_mod.load(write_config(tmp_path, demo_config())), env={}, build="t")


def test_it_tells_every_cycle_to_its_listeners_in_order(tmp_path: Path) -> None:
    wall = make_wall(tmp_path)
    seen: list[tuple[str, str, CollectorError | None]] = []
    wall.poller.collected.connect(lambda sid, seconds, error: seen.append(("first", sid, error)))
    wall.poller.collected.connect(lambda sid, seconds, error: seen.append(("second", sid, error)))
    wall.poller.collect("demo")
    assert seen == [("first", "demo", None), ("second", "demo", None)]
    assert wall.board.sources["demo"].last_success is not None


def test_it_ignores_a_source_a_reload_removed(tmp_path: Path) -> None:
    wall = make_wall(tmp_path)
    seen: list[str] = []
    wall.poller.collected.connect(lambda sid, seconds, error: seen.append(sid))
    wall.poller.collect("gone")
    assert seen == []


def test_it_pauses_and_resumes_with_a_fresh_scheduler(tmp_path: Path) -> None:
    poller = make_wall(tmp_path).poller
    assert poller.paused and not poller.running and poller.problem() is None
    poller.resume()
    first = poller.scheduler
    assert poller.running and first is not None
    assert sorted(job.id for job in first.get_jobs()) == ["source:demo", "sweep"]
    poller.resume()  # already collecting: nothing changes
    assert poller.scheduler is first
    poller.pause()
    assert poller.paused and not first.running and poller.problem() is None
    poller.pause()  # pausing twice is harmless
    poller.resume()
    assert poller.running and poller.scheduler is not first
    poller.pause()


def test_a_dead_scheduler_is_a_problem_until_paused(tmp_path: Path) -> None:
    poller = make_wall(tmp_path).poller
    poller.resume()
    assert poller.scheduler is not None
    poller.scheduler.shutdown(wait=False)  # as if its thread had died
    assert poller.problem() == "scheduler thread is dead"
    poller.pause()
    assert poller.problem() is None
