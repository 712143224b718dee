"""Run the benchmarks: all, or some by name; print a table; optionally update the doc.

python -m bench                   # every benchmark, full size
python -m bench fanout startup    # some of them
python -m bench --smoke           # short runs that only prove each still works
python -m bench --write           # also rewrite their sections of docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Callable

from bench.common import Result
from bench.report import machine, table, write

BENCHMARKS = {
    "fanout": "bench.fanout",
    "fanout_stalls": "bench.fanout_stalls",
    "fanout_scale": "bench.fanout_scale",  # B1 at 5,000 to 20,000 screens
    "source_load": "bench.source_load",
    "freshness": "bench.freshness",
    "health_scale": "bench.health_scale",
    "soak": "bench.soak",
    "startup": "bench.startup",
    "api_poll": "bench.api_poll",  # the API's polling bot (issue 7's benchmark)
    "replicas": "bench.replicas",  # B7: several replicas on Redis, and the SQLite restart
    "screen_cost": "bench.screen_cost",  # B8: a screen's layouts and main-thread time
}


def run_one(name: str, smoke: bool, screens: list[int] | None) -> Result:
    module = importlib.import_module(BENCHMARKS[name])
    if name in ("fanout", "fanout_stalls", "fanout_scale", "replicas") and screens:
        result: Result = module.run(smoke, screens=screens)
    else:
        result = module.run(smoke)
    return result


def main(
    argv: list[str] | None = None,
    run: Callable[[str, bool, list[int] | None], Result] = run_one,
) -> int:
    """The command line; ``run`` measures one benchmark (the smoke test passes the results
    it already measured, so that no benchmark runs twice in the suite)."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "names",
        nargs="*",
        choices=[*BENCHMARKS, []],
        metavar="NAME",
        help=f"one or more of: {', '.join(BENCHMARKS)} (default: all)",
    )
    parser.add_argument("--smoke", action="store_true", help="short runs; figures mean little")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument(
        "--screens",
        type=int,
        nargs="+",
        help="fanout: screen counts; replicas: screens per replica",
    )
    args = parser.parse_args(argv)
    host = machine()
    print(f"machine: {host}", flush=True)
    results = []
    for name in args.names or list(BENCHMARKS):
        started = time.monotonic()
        print(f"running {name}{' (smoke)' if args.smoke else ''} ...", flush=True)
        results.append(run(name, args.smoke, args.screens))
        print(f"  {name} took {time.monotonic() - started:.0f} s", flush=True)
    print(table(results))
    if args.write:
        write(results, host, args.smoke)
    return 0


if __name__ == "__main__":
    sys.exit(main())
