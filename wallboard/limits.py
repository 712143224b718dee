"""What the kernel lets this process hold, read once at start: screens and request threads.

A screen costs one socket (one descriptor) and no thread: its request thread
hands the socket to the hub and ends (``fanout/readers.py``). So descriptors
bound the screens (``ulimit -n``, and the system's ``fs.file-max``), and the
thread limits (``RLIMIT_NPROC``, ``kernel.pid_max``, ``kernel.threads-max``, the
cgroup's ``pids.max``, and ``vm.max_map_count`` at two maps per thread) bound
the request threads that serve pages, probes and handshakes. When a limit is
below what the config asks, the cap is lowered, and one log line names the
setting to raise (docs/fanout.md, "Screens per process").

``proc`` and ``cgroup`` are roots (``/proc``, ``/sys/fs/cgroup``) so that tests
read a directory of fake files instead; ``getrlimit`` likewise.
"""

from __future__ import annotations

import resource
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

MAPS_PER_THREAD = 2  # a thread's stack and its guard page
FIXED_THREADS = 16  # main, hub writer and reader, reaper, scheduler, pools: with room to spare

GetRlimit = Callable[[int], tuple[int, int]]


@dataclass(frozen=True)
class Capacity:
    """The effective caps, and for each lowered one the setting that lowered it."""

    configured: int  # server.max_screens as written
    screens: int  # what this process can hold
    request_threads: int  # request threads at once (HTTP, handshakes)
    screens_limited_by: str | None = None
    threads_limited_by: str | None = None
    read: dict[str, int] = field(default_factory=dict)  # every limit read, for /readyz

    def describe(self) -> dict[str, object]:
        return {
            "max_screens": self.screens,
            "configured_max_screens": self.configured,
            "screens_limited_by": self.screens_limited_by,
            "max_request_threads": self.request_threads,
            "threads_limited_by": self.threads_limited_by,
            "limits": dict(self.read),
        }


def _int(path: Path, index: int = 0) -> int | None:
    try:
        text = path.read_text().split()[index]
    except (OSError, IndexError):
        return None
    if text == "max":  # cgroup v2: no limit
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _pids_dir(proc: Path, cgroup: Path) -> Path | None:
    """This process's cgroup directory holding ``pids.max`` (v1 ``pids`` controller, or v2)."""
    try:
        lines = (proc / "self" / "cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:  # "4:pids:/docker/abc" (v1) or "0::/system.slice/x" (v2)
        _, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if "pids" in controllers.split(","):
            return cgroup / "pids" / path.lstrip("/")
    for line in lines:
        if line.startswith("0::"):
            return cgroup / line[3:].lstrip("/")
    return None


def _threads_now(proc: Path) -> int | None:
    """Threads on the whole system (``/proc/loadavg``'s "running/total")."""
    try:
        return int((proc / "loadavg").read_text().split()[3].split("/")[1])
    except (OSError, IndexError, ValueError):
        return None


def _maps_now(proc: Path) -> int:
    try:
        with (proc / "self" / "maps").open() as maps:
            return sum(1 for _ in maps)
    except OSError:
        return 0


def capacity(
    max_screens: int,
    *,
    http_threads: int,
    reserve_fds: int,
    reserve_threads: int,
    proc: Path = Path("/proc"),
    cgroup: Path = Path("/sys/fs/cgroup"),
    getrlimit: GetRlimit = resource.getrlimit,
) -> Capacity:
    """The caps this process can keep: ``max_screens`` and ``http_threads``, or less.

    ``reserve_fds``: descriptors for files, pools and the listening socket;
    ``reserve_threads``: request threads always kept for probes beside the screens.
    """
    read: dict[str, int] = {}
    # Descriptors: one per screen and one per request thread.
    fds: list[tuple[int, str]] = []
    soft, _ = getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY:
        read["nofile"] = soft
        fds.append(
            (soft - reserve_fds, "the open files limit (ulimit -n / docker --ulimit nofile)")
        )
    file_max = _int(proc / "sys" / "fs" / "file-max")
    in_use = _int(proc / "sys" / "fs" / "file-nr")
    if file_max is not None:
        read["fs.file-max"] = file_max
        fds.append((file_max - (in_use or 0) - reserve_fds, "fs.file-max (sysctl)"))
    # Threads: request threads only, screens hold none.
    threads: list[tuple[int, str]] = []
    running = _threads_now(proc) or 0
    nproc, _ = getrlimit(resource.RLIMIT_NPROC)
    if nproc != resource.RLIM_INFINITY:
        read["nproc"] = nproc
        threads.append((nproc - running, "RLIMIT_NPROC (ulimit -u)"))
    for name, path in (
        ("kernel.pid_max", proc / "sys" / "kernel" / "pid_max"),
        ("kernel.threads-max", proc / "sys" / "kernel" / "threads-max"),
    ):
        value = _int(path)
        if value is not None:
            read[name] = value
            threads.append((value - running, f"{name} (sysctl)"))
    group = _pids_dir(proc, cgroup)
    if group is not None:
        pids_max = _int(group / "pids.max")
        if pids_max is not None:
            read["pids.max"] = pids_max
            current = _int(group / "pids.current") or 0
            threads.append((pids_max - current, "the cgroup's pids.max (docker --pids-limit)"))
    map_count = _int(proc / "sys" / "vm" / "max_map_count")
    if map_count is not None:
        read["vm.max_map_count"] = map_count
        spare = (map_count - _maps_now(proc)) // MAPS_PER_THREAD
        threads.append((spare, "vm.max_map_count (sysctl)"))

    thread_cap, threads_by = http_threads, None
    for room, name in threads:
        if room - FIXED_THREADS < thread_cap:
            thread_cap, threads_by = max(1, room - FIXED_THREADS), name
    screens, screens_by = max_screens, None
    for room, name in fds:
        # Request threads hold descriptors too: at least the probes' reserve of them.
        fit = room - min(thread_cap, reserve_threads)
        if fit < screens:
            screens, screens_by = max(1, fit), name
    return Capacity(max_screens, screens, thread_cap, screens_by, threads_by, read)
