"""``wallboard serve``, ``check-config``, ``reload`` and ``--version``."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from wallboard.config import loader as config_mod
from wallboard.config.secrets import missing_secrets

DEFAULT_CONFIG = "config.toml"
CLOSED_PIPE = 128 + signal.SIGPIPE  # 141: the reader of our output went away


def _default_config() -> str:
    return os.environ.get("WALLBOARD_CONFIG", DEFAULT_CONFIG)


def summary(cfg: config_mod.WallConfig) -> str:
    """A one-screen overview of what a config defines."""
    lines = [f"{cfg.path}: OK — {len(cfg.teams)} teams, {len(cfg.sources)} sources"]
    lines.append("sources:")
    for s in cfg.sources.values():
        lines.append(
            f"  {s.id:<16} {s.type:<11} every {s.interval:g} s, timeout {s.timeout:g} s, "
            f"stale after {s.stale_after:g} s"
        )
    lines.append("teams:")
    for t in cfg.teams.values():
        panels = ", ".join(f"{p.id}({p.source})" for p in t.panels)
        lines.append(f"  {t.id:<16} {t.name:<20} {panels}")
    return "\n".join(lines)


def package_version() -> str:
    try:
        return version("wallboard")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def check_config(path: str, online: bool = False, offline: bool = False) -> int:
    """Validate ``path``; ``offline`` checks structure only, listing missing secrets as notes."""
    try:
        cfg = config_mod.load(path, offline=offline)
    except config_mod.ConfigError as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    print(summary(cfg))
    if offline:
        notes = missing_secrets(cfg, os.environ)
        for note in notes:
            print(f"note: {cfg.path}: {note} (needed where it runs)")
        if notes:
            print(f"{len(notes)} secret(s) not available here; structure checked without them")
    if online:
        from wallboard.sources import check_online

        return check_online(cfg)
    return 0


def send_reload(config_path: str, *, pid_file: str | None, pid: int | None) -> int:
    """``wallboard reload``: refuse a bad file here, else SIGHUP the server to load it.

    The server reloads in-process (``wallboard/reload.py``); this only validates and signals.
    """
    try:
        config_mod.load(config_path)
    except config_mod.ConfigError as exc:
        print(exc.render(), file=sys.stderr)
        print("not reloading: the running server keeps its config", file=sys.stderr)
        return 1
    if pid is None and pid_file:
        try:
            pid = int(Path(pid_file).read_text().strip())
        except (OSError, ValueError) as exc:
            print(f"wallboard: cannot read a pid from {pid_file}: {exc}", file=sys.stderr)
            return 1
    if pid is None:
        print("wallboard: give --pid or --pid-file (or set WALLBOARD_PID_FILE)", file=sys.stderr)
        return 1
    try:
        os.kill(pid, signal.SIGHUP)
    except OSError as exc:
        print(f"wallboard: cannot signal process {pid}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"{config_path}: valid; sent SIGHUP to process {pid} (see /readyz for the outcome)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit status. A reader that leaves early (``| head -2``)
    ends it quietly with 141, as a shell reports a command ended by SIGPIPE."""
    try:
        status = _command(argv)
        sys.stdout.flush()  # here, not at exit, where a closed pipe prints a traceback
    except BrokenPipeError:
        # Nothing more can be written; point stdout at /dev/null so that the
        # interpreter's own flush at exit finds nothing to complain about.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return CLOSED_PIPE
    return status


def _command(argv: Sequence[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="wallboard", description="Team error-rate wall display.")
    parser.add_argument("--version", action="version", version=f"wallboard {package_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the wall server")
    serve.add_argument(
        "--config", default=None, help="config file (default: $WALLBOARD_CONFIG or ./config.toml)"
    )
    serve.add_argument(
        "--host",
        default=os.environ.get("WALLBOARD_HOST") or None,
        help="address to listen on (default: $WALLBOARD_HOST, else server.host)",
    )
    serve.add_argument(
        "--port",
        type=int,
        default=os.environ.get("WALLBOARD_PORT") or None,
        help="port (default: $WALLBOARD_PORT, else server.port)",
    )
    serve.add_argument(
        "--pid-file",
        default=os.environ.get("WALLBOARD_PID_FILE"),
        help="write the process id here, for `wallboard reload` (default: $WALLBOARD_PID_FILE)",
    )
    check = sub.add_parser("check-config", help="validate a config file and summarise it")
    check.add_argument("path", nargs="?", default=None)
    mode = check.add_mutually_exclusive_group()
    mode.add_argument(
        "--online", action="store_true", help="also ask each upstream (Prometheus) to parse queries"
    )
    mode.add_argument(
        "--offline",
        action="store_true",
        help="check structure only: secrets (*_env, *_file) need not be present (for CI)",
    )
    hup = sub.add_parser(
        "reload", help="validate the config, then tell the running server to reload it (SIGHUP)"
    )
    hup.add_argument("--config", default=None, help="config file to validate first")
    hup.add_argument("--pid-file", default=os.environ.get("WALLBOARD_PID_FILE"))
    hup.add_argument("--pid", type=int, default=None, help="the server's process id")
    from wallboard.devices import cli as devices_cli  # `wallboard screens ...`

    devices_cli.add_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "screens":
        return devices_cli.run(args)

    if args.command == "check-config":
        return check_config(
            args.path or _default_config(), online=args.online, offline=args.offline
        )
    if args.command == "reload":
        return send_reload(args.config or _default_config(), pid_file=args.pid_file, pid=args.pid)
    from wallboard import server

    return server.serve(
        args.config or _default_config(), host=args.host, port=args.port, pid_file=args.pid_file
    )


if __name__ == "__main__":
    sys.exit(main())
