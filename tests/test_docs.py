"""The docs a newcomer follows: every relative link resolves, every complete TOML example loads.

Pages: ``README.md`` and every ``docs/**/*.md``.

Links. Every Markdown link or image, inline (``[text](target)``, ``![alt](target)``)
or by reference (``[label]: target``), whose target is relative (no scheme such as
``https:`` or ``mailto:``, not ``//host``) must name an existing file or folder,
relative to the page that holds it. A ``#anchor`` (alone, or after a path to a ``.md``
page) must be the slug of a heading of that page as GitHub makes it: the heading's
text without Markdown (code spans keep their text, links keep their label),
lowercased, every character that is not a letter, digit, ``_``, ``-`` or space
removed, spaces turned to ``-``; a repeated slug gets ``-1``, ``-2``, ... Text inside
fenced code blocks and code spans is not a link.

Complete TOML examples. A fenced ```` ```toml ```` block is *complete* when it has a
``[teams.<id>]`` table: a team names panels and panels name sources, so an example
that shows a team must stand alone as a whole config file. Blocks without a team
table are snippets of one section and are not loaded. Every complete example is
written to a temporary file and checked by the real command line,
``wallboard check-config FILE`` from this virtualenv, which must exit 0. The
environment variables the example names (the values of its keys ending in
``_env``) are set to dummy values, and a ``ca_bundle`` path is pointed at a
temporary file, because check-config checks only that the variable is set and that
the file exists.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import ROOT

WALLBOARD = Path(sys.executable).parent / "wallboard"
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])

FENCE = re.compile(r"^(```|~~~)")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
INLINE_LINK = re.compile(r"!?\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
TOML_BLOCK = re.compile(r"^```toml[^\n]*\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
TEAM_TABLE = re.compile(r"^\s*\[teams\.[^\]]+\]", re.MULTILINE)
CA_BUNDLE = re.compile(r'(ca_bundle\s*=\s*)"[^"]*"')


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def prose_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) outside fenced code blocks."""
    fenced = False
    for number, line in enumerate(text.splitlines(), start=1):
        if FENCE.match(line.strip()):
            fenced = not fenced
            continue
        if not fenced:
            yield number, line


def links(page: Path) -> Iterator[tuple[int, str]]:
    for number, line in prose_lines(page.read_text()):
        # A code span hides brackets inside it, but may itself be a link's label.
        line = CODE_SPAN.sub("code", line)
        for match in INLINE_LINK.finditer(line):
            yield number, match.group(2)
        reference = REFERENCE_LINK.match(line)
        if reference:
            yield number, reference.group(1)


def slug(heading: str) -> str:
    text = CODE_SPAN.sub(lambda m: m.group(2), heading)
    text = INLINE_LINK.sub(lambda m: m.group(1), text)
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for _, line in prose_lines(page.read_text()):
        match = HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        out.add(base if count == 0 else f"{base}-{count}")
    return out


def relative_links() -> list[tuple[Path, int, str]]:
    found = []
    for page in PAGES:
        for number, target in links(page):
            if SCHEME.match(target) or target.startswith("//"):
                continue
            found.append((page, number, target))
    return found


def broken(page: Path, target: str) -> str | None:
    """Why ``target`` (as written on ``page``) does not resolve, or None."""
    path_part, _, anchor = target.partition("#")
    resolved = (page.parent / path_part).resolve() if path_part else page
    if not resolved.exists():
        return f"no such file: {path_part}"
    if anchor:
        if resolved.suffix != ".md":
            return f"an anchor into a file that is not a Markdown page: {target}"
        if anchor not in anchors(resolved):
            return f'no heading with the anchor "#{anchor}" in {resolved.name}'
    return None


LINKS = relative_links()


def test_the_pages_link_each_other() -> None:
    # The README is the way in: it must reach every reference page.
    readme_targets = {
        (ROOT / target.partition("#")[0]).resolve()
        for page, _, target in LINKS
        if page.name == "README.md" and page.parent == ROOT
    }
    for name in ("configuration", "screens", "operating", "api", "architecture", "benchmarks"):
        assert ROOT / "docs" / f"{name}.md" in readme_targets, f"README does not link {name}.md"
    for source in ("prometheus", "sentry", "health", "alertmanager", "demo"):
        assert ROOT / "docs" / "sources" / f"{source}.md" in readme_targets


@pytest.mark.parametrize(
    ("page", "line", "target"),
    LINKS,
    ids=[f"{rel(p)}:{n}:{t}" for p, n, t in LINKS],
)
def test_a_relative_link_resolves(page: Path, line: int, target: str) -> None:
    problem = broken(page, target)
    assert problem is None, f"{rel(page)}:{line}: {problem}"


def test_the_link_check_finds_a_broken_link_and_a_wrong_anchor(tmp_path: Path) -> None:
    # The checker itself, on a page written to fail: it must not pass everything.
    # Names built from stems: these pages exist only in tmp_path, and a literal page
    # name in the code counts as a citation (test_architecture checks those exist).
    there, here, missing = (f"{stem}.md" for stem in ("there", "page", "missing"))
    (tmp_path / there).write_text("# A heading, with `code`\n\n## A heading, with `code`\n")
    page = tmp_path / here
    page.write_text("x")
    assert broken(page, there) is None
    assert broken(page, f"{there}#a-heading-with-code") is None
    assert broken(page, f"{there}#a-heading-with-code-1") is None
    assert broken(page, missing) == f"no such file: {missing}"
    assert "no heading" in (broken(page, f"{there}#a-heading-with-code-2") or "")


def complete_examples() -> list[tuple[Path, int, str]]:
    found = []
    for page in PAGES:
        text = page.read_text()
        for match in TOML_BLOCK.finditer(text):
            if TEAM_TABLE.search(match.group(1)):
                line = text.count("\n", 0, match.start()) + 1
                found.append((page, line, match.group(1)))
    return found


def env_names(value: Any, key: str = "") -> Iterator[str]:
    """The environment variable names a parsed config refers to (values of ``*_env`` keys)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from env_names(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from env_names(item, key)
    elif isinstance(value, str) and key.endswith("_env"):
        yield value
    if isinstance(value, dict) and key.endswith("_env"):  # headers_env = {Header = "VAR"}
        yield from (v for v in value.values() if isinstance(v, str))


EXAMPLES = complete_examples()


def test_the_readme_connects_prometheus_with_a_complete_example() -> None:
    # The five-minute promise: the README's own Prometheus example is a whole file.
    readme = [e for page, _, e in EXAMPLES if page == ROOT / "README.md"]
    assert any('type = "prometheus"' in example for example in readme)
    assert any(page == ROOT / "docs" / "configuration.md" for page, _, _ in EXAMPLES)


def test_each_source_page_has_a_complete_example_of_its_kind() -> None:
    pages = {"grafana_oncall": "grafana-oncall"}
    for source in (
        "prometheus",
        "sentry",
        "health",
        "alertmanager",
        "pagerduty",
        "opsgenie",
        "grafana_oncall",
        "incidentio",
        "ics",
    ):
        page = ROOT / "docs" / "sources" / f"{pages.get(source, source)}.md"
        blocks = [e for p, _, e in EXAMPLES if p == page and f'type = "{source}"' in e]
        assert blocks, f"{rel(page)} has no complete example with a {source} source"


@pytest.mark.parametrize(
    ("page", "line", "example"),
    EXAMPLES,
    ids=[f"{rel(p)}:{n}" for p, n, _ in EXAMPLES],
)
@pytest.mark.processes
def test_a_complete_toml_example_passes_check_config(
    page: Path, line: int, example: str, tmp_path: Path
) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("")  # check-config checks only that the file is there
    text = CA_BUNDLE.sub(lambda m: f'{m.group(1)}"{ca}"', example)
    config = tmp_path / "config.toml"
    config.write_text(text)
    env = {**os.environ, **{name: "dummy-value" for name in env_names(tomllib.loads(text))}}
    env.pop("WALLBOARD_CONFIG", None)
    result = subprocess.run(
        [str(WALLBOARD), "check-config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, f"{rel(page)}:{line}:\n{result.stderr}"
    assert "OK" in result.stdout


@pytest.mark.processes
def test_check_config_refuses_an_example_whose_team_names_a_missing_panel(
    tmp_path: Path,
) -> None:
    # The runner itself must be able to fail: a team showing a panel nobody defined.
    example = next(e for p, _, e in EXAMPLES if p.name == "configuration.md")
    config = tmp_path / "config.toml"
    config.write_text(example.replace('panels = ["error_rate"', 'panels = ["no_such_panel"'))
    result = subprocess.run(
        [str(WALLBOARD), "check-config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "teams.payments.panels[0]" in result.stderr
