"""The poller: one scheduled job per configured source, and the sweep that ages the board.

Built with the wall but started only by the entry point (or a test), and paused and
resumed by whoever decides this process collects: a replica pauses while another
holds the collection lease. Collection outcomes go on the board; each cycle is also
told on ``Poller.collected`` (``/metrics`` counts it, a state store writes after it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from collectors.base import Backfill, Source, Wakes
from collectors.errors import CollectorError
from wallboard.board.board import Board
from wallboard.polling.source_log import FailureLog
from wallboard.signals import Signal

log = logging.getLogger(__name__)
SWEEP_SECONDS = 1.0
# The sweep job stamps ``Poller.swept_at``; it may wait for a free worker while collections
# run (each bounded by its source's timeout), so the bound adds the longest timeout.
SCHEDULER_STUCK_AFTER = 10.0


class Poller:
    def __init__(self, board: Board, sources: Callable[[], Mapping[str, Source]]) -> None:
        self.board = board
        self._sources = sources  # the running ones: a reload swaps them
        # (source id, seconds, error or None) after every cycle, on the job's thread.
        self.collected: Signal[[str, float, CollectorError | None], None] = Signal()
        self.failures = FailureLog()  # logs a failing source on changes of state only
        self.swept_at = time.monotonic()  # the scheduler's heartbeat (see problem)
        self._seeded: set[str] = set()  # sources whose sparkline history was backfilled
        self._scheduler: BackgroundScheduler | None = None
        self._lock = threading.Lock()  # pause and resume, one at a time

    @property
    def scheduler(self) -> BackgroundScheduler | None:
        """The running scheduler; None while paused (or never started)."""
        return self._scheduler

    @property
    def paused(self) -> bool:
        return self._scheduler is None

    @property
    def running(self) -> bool:
        """The scheduler is started and its thread has not stopped."""
        scheduler = self._scheduler
        return scheduler is not None and bool(scheduler.running)

    # -- collection ----------------------------------------------------------------------
    def collect(self, source_id: str) -> None:
        """Run one cycle of one source and record the outcome on the board."""
        source = self._sources().get(source_id)
        settings = self.board.config.sources.get(source_id)
        if source is None or settings is None:  # removed by a reload while this job waited
            return
        timeout = settings.timeout
        if source_id not in self._seeded:
            # Inside the first job, not in resume(): a slow upstream never delays startup.
            self._seeded.add(source_id)
            self._seed_history(source_id, source, timeout)
        started = time.monotonic()
        try:
            collection = source.collect(started + timeout)
        except CollectorError as exc:
            self._failed(source_id, started, exc)
            return
        except Exception as exc:  # a bug in one source must not stop the others
            error = CollectorError(f"internal error: {type(exc).__name__}", kind="internal")
            self._failed(source_id, started, error, crash=True)
            return
        self.board.apply(source_id, collection, time.monotonic() - started)
        self.failures.succeeded(source_id)
        self.collected.send(source_id, time.monotonic() - started, None)
        if isinstance(source, Wakes):
            self._wake(source_id, source.next_wakeup())

    def _wake(self, source_id: str, at: float | None) -> None:
        """Bring the source's next cycle forward to ``at`` (its own job: one cycle at a time)."""
        scheduler = self._scheduler
        job = scheduler.get_job(f"source:{source_id}") if scheduler is not None else None
        if job is None or at is None or job.next_run_time is None:
            return
        when = datetime.fromtimestamp(at, UTC)
        if when < job.next_run_time:
            job.modify(next_run_time=when)

    def _failed(
        self, source_id: str, started: float, error: CollectorError, crash: bool = False
    ) -> None:
        self.failures.failed(source_id, error, crash=crash)  # in the except: the traceback
        self.board.fail(source_id, error, time.monotonic() - started)
        self.collected.send(source_id, time.monotonic() - started, error)

    def _seed_history(self, source_id: str, source: Source, timeout: float) -> None:
        """Fill sparklines from the source's own history (see ``collectors.base.Backfill``)."""
        if not isinstance(source, Backfill):
            return
        try:
            history = source.backfill(time.monotonic() + timeout, self.board.config.wall.history)
        except CollectorError as exc:
            # Info, not warning: the live cycle fails the same way and says so (source_log).
            log.info("source %s: no history backfill: %s", source_id, exc.reason)
            return
        except Exception:  # history is a nicety; the live cycle still runs
            log.exception("source %s: history backfill crashed", source_id)
            return
        self.board.seed_history(source_id, history)

    # -- the scheduler -------------------------------------------------------------------
    def resume(self) -> None:
        """Start collecting (every source due now) unless already collecting."""
        with self._lock:
            if self._scheduler is not None:
                return
            scheduler = BackgroundScheduler(daemon=True, timezone="UTC")
            self._schedule(scheduler)
            self.swept_at = time.monotonic()
            scheduler.add_job(
                self._sweep,
                "interval",
                seconds=SWEEP_SECONDS,
                id="sweep",
                max_instances=1,
                coalesce=True,
            )
            scheduler.start()
            self._scheduler = scheduler

    def pause(self) -> None:
        """Stop scheduling collections; a cycle in flight ends on its own deadline."""
        with self._lock:
            scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None and scheduler.running:  # it may have died (see problem)
            scheduler.shutdown(wait=False)

    def reschedule(self) -> None:
        """Make the jobs match the running config: removed sources stop, new ones run now."""
        scheduler = self._scheduler
        if scheduler is None:
            return
        sources = self.board.config.sources
        for job in scheduler.get_jobs():
            if job.id.startswith("source:") and job.id.removeprefix("source:") not in sources:
                job.remove()
        self._schedule(scheduler)

    def _schedule(self, scheduler: BackgroundScheduler) -> None:
        """(Re)schedule one job per configured source; the first run is now."""
        for sid, src in self.board.config.sources.items():
            scheduler.add_job(
                self.collect,
                "interval",
                args=[sid],
                id=f"source:{sid}",
                seconds=src.interval,
                jitter=min(src.interval * 0.1, 5.0),
                max_instances=1,
                coalesce=True,
                next_run_time=datetime.now(UTC),
                replace_existing=True,
            )

    def _sweep(self) -> None:
        self.swept_at = time.monotonic()
        self.board.sweep()

    def problem(self, now: float | None = None) -> str | None:
        """Why the scheduler cannot drive collections (None when fine or paused)."""
        scheduler = self._scheduler
        if scheduler is None:
            return None
        # APScheduler keeps its loop thread private; a dead one never runs a job again.
        thread = getattr(scheduler, "_thread", None)
        if not scheduler.running or (thread is not None and not thread.is_alive()):
            return "scheduler thread is dead"
        bound = SCHEDULER_STUCK_AFTER + max(
            (s.timeout for s in self.board.config.sources.values()), default=0.0
        )
        age = (time.monotonic() if now is None else now) - self.swept_at
        if age > bound:
            return f"scheduler is stuck: no sweep for {age:.1f} s (bound {bound:.0f} s)"
        return None
