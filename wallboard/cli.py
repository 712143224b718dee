"""``wallboard serve`` and ``wallboard check-config``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from wallboard.config import loader as config_mod

DEFAULT_CONFIG = "config.toml"


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


def check_config(path: str, online: bool = False) -> int:
    try:
        cfg = config_mod.load(path)
    except config_mod.ConfigError as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    print(summary(cfg))
    if online:
        from wallboard.online_check import check_online

        return check_online(cfg)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wallboard", description="Team error-rate wall display.")
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
    check.add_argument(
        "--online", action="store_true", help="also ask each upstream (Prometheus) to parse queries"
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
        return check_config(args.path or _default_config(), online=args.online)
    if args.command == "reload":
        from wallboard.reload import send_reload

        return send_reload(args.config or _default_config(), pid_file=args.pid_file, pid=args.pid)
    from wallboard import server

    return server.serve(
        args.config or _default_config(), host=args.host, port=args.port, pid_file=args.pid_file
    )


if __name__ == "__main__":
    sys.exit(main())
