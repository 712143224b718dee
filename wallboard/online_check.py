"""``wallboard check-config --online``: ask each upstream whether the config makes sense.

Offline checks cannot tell bad PromQL from good; Prometheus can. Each source
that implements ``check_online`` (see ``collectors.base.OnlineCheck``) is built
for a moment, asked, and closed; problems are printed with their key paths.
"""

from __future__ import annotations

import os
import sys
import time

from wallboard.config.loader import WallConfig
from wallboard.wall import build_sources


def check_online(cfg: WallConfig) -> int:
    """Print every problem upstreams report, as ``file: key.path: reason``; 1 if any."""
    problems: list[tuple[str, str]] = []
    sources = build_sources(cfg, os.environ)
    try:
        for sid, source in sources.items():
            check = getattr(source, "check_online", None)
            if check is not None:
                problems += check(time.monotonic() + cfg.sources[sid].timeout)
    finally:
        for source in sources.values():
            source.close()
    if not problems:
        print("online: every upstream accepted its queries")
        return 0
    print(f"{cfg.path}: {len(problems)} error(s) found online", file=sys.stderr)
    for path, reason in problems:
        print(f"  {cfg.path}: {path}: {reason}", file=sys.stderr)
    return 1
