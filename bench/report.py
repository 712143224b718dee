"""The printed table and the generated sections of docs/benchmarks.md."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
from pathlib import Path

import psutil

from bench.common import ROOT, Result

DOC = ROOT / "docs" / "benchmarks.md"


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}; "
        f"load average at start {load} (a shared machine: other work ran beside it)"
    )


def table(results: list[Result]) -> str:
    rows = [("benchmark", "measure", "figure", "target", "verdict")]
    rows += [
        (r.bench, r.measure, r.figure, r.target, r.verdict) for res in results for r in res.rows
    ]
    widths = [min(70, max(len(row[i]) for row in rows)) for i in range(5)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"  {n}" for res in results for n in res.notes]
    return "\n".join(lines + (["", "notes:", *notes] if notes else []))


def cell(text: str) -> str:
    return text.replace("|", "\\|")  # "wall | reference" inside a table cell


def markdown(res: Result, host: str, smoke: bool) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    mode = " (smoke mode: short, not representative)" if smoke else ""
    out = [f"Run {when}{mode} on {host}.", "", "| measure | figure | target | verdict |"]
    out.append("|---|---|---|---|")
    out += [
        "| " + " | ".join(cell(c) for c in (r.measure, r.figure, r.target, r.verdict)) + " |"
        for r in res.rows
    ]
    if res.notes:
        out += ["", *(f"- {n}" for n in res.notes)]
    return "\n".join(out)


def write(results: list[Result], host: str, smoke: bool, doc: Path = DOC) -> None:
    """Replace each benchmark's generated section; the hand-written text stays."""
    text = doc.read_text() if doc.exists() else "# Benchmarks\n"
    for res in results:
        key = re.sub(r"[^a-z0-9]+", "-", res.name.lower()).strip("-")
        start, end = f"<!-- results:{key} -->", f"<!-- /results:{key} -->"
        block = f"{start}\n### {res.name}\n\n{markdown(res, host, smoke)}\n{end}"
        pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
        found = pattern.search(text)
        if found:
            text = text[: found.start()] + block + text[found.end() :]
        else:
            text = text.rstrip("\n") + "\n\n" + block + "\n"
    doc.write_text(text)
