"""The layout's rules, read from the code itself: who may import whom.

Walks every module of ``wallboard/`` and ``collectors/`` with ``ast`` (nothing is
imported or run) and checks what the layout promises: no import cycle; the
collectors never import the app; the board, the views and the fan-out hub never
import Flask; the board (the model) never imports its views; only the entry points
import the app factory; the webhook routes know sources through the contract
(``collectors.base``), never a concrete collector.
Imports under ``if TYPE_CHECKING:`` are for the type checker only and not counted.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.support.paths import ROOT

PACKAGES = ("wallboard", "collectors")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node except those under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in [child, *_runtime_nodes(child)])
            continue
        yield node
        yield from _runtime_nodes(node)


def imports_of(name: str, path: Path) -> set[str]:
    """Every module ``name`` imports at run time (absolute names, functions' bodies too)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            out.add(base)
            # ``from wallboard.board import units`` imports the module wallboard.board.units
            out.update(f"{base}.{alias.name}" for alias in node.names)
    return out


def graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports."""
    found = modules()
    return {name: {m for m in imports_of(name, path) if m in found} for name, path in found.items()}


def _external(name: str) -> set[str]:
    return imports_of(name, modules()[name])


def test_the_walk_sees_the_whole_code_base() -> None:
    edges = graph()
    # A walk that found nothing would pass every rule below.
    assert "wallboard.app" in edges and "collectors.base" in edges
    assert "wallboard.wall" in edges["wallboard.app"]
    assert "flask" in _external("wallboard.app")


def test_there_is_no_import_cycle() -> None:
    edges = graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if nxt == node or nxt.startswith(node + "."):
                continue  # a package importing its own submodule is not a cycle
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_collectors_never_import_the_app() -> None:
    offenders = {
        name: sorted(m for m in _external(name) if m.split(".")[0] == "wallboard")
        for name in modules()
        if name.startswith("collectors")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_board_the_views_and_the_hub_never_import_flask() -> None:
    offenders = {
        name: sorted(m for m in _external(name) if m.split(".")[0] in {"flask", "flask_sock"})
        for name in modules()
        if name.startswith(("wallboard.board", "wallboard.views", "wallboard.fanout"))
    }
    assert "wallboard.views.team" in modules()  # the rule sees the views
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_board_holds_the_model_and_never_imports_its_views() -> None:
    above = ("wallboard.views", "wallboard.fanout", "wallboard.screens", "wallboard.api")
    offenders = {
        name: sorted(m for m in deps if m.startswith(above))
        for name, deps in graph().items()
        if name.startswith("wallboard.board")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_the_entry_points_import_the_app_factory() -> None:
    importers = sorted(name for name, deps in graph().items() if "wallboard.app" in deps)
    assert importers == ["wallboard.server"]


def test_webhook_routes_know_sources_only_through_the_contract() -> None:
    # jsonsafe is no source: the one parser of JSON from outside, shared with the sources.
    contract = {"collectors", "collectors.base", "collectors.errors", "collectors.jsonsafe"}
    offenders = {
        name: sorted(m for m in deps if m.startswith("collectors") and m not in contract)
        for name, deps in graph().items()
        if name.startswith("wallboard.hooks")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_every_document_the_code_cites_is_in_the_repository() -> None:
    import re

    cited: dict[str, set[str]] = {}
    for folder in ("wallboard", "collectors", "tests", "bench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for name in re.findall(r"[\w./-]*[\w-]+\.md\b", path.read_text()):
                cited.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    assert "docs/api-facts.md" in cited and "docs/fanout.md" in cited  # the scan found them
    missing = {
        name: sorted(where)
        for name, where in cited.items()
        # A bare name (benchmarks.md) is fine when docs/ has it; a note kept elsewhere is not.
        if not (ROOT / name).exists() and not (ROOT / "docs" / name).exists()
    }
    assert missing == {}, "cited but not in the repository: " + repr(missing)


def test_the_signal_is_a_leaf_every_layer_may_use() -> None:
    assert graph()["wallboard.signals"] == set()


def test_the_wall_and_its_poller_import_no_face() -> None:
    # The faces read the running wall (``current_wall``): it sits below them, never above.
    faces = tuple(f"wallboard.{f}" for f in ("ops", "api", "hooks", "screens", "devices"))
    offenders = {
        name: sorted(m for m in deps if m.startswith(faces))
        for name, deps in graph().items()
        if name == "wallboard.wall" or name.startswith("wallboard.polling")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


# The packages in layers, lowest first: a module imports only from layers below its own
# (or from its own package). One layer may hold several packages; they never import
# each other (the two state backends and the devices, for one, know only the ports).
LAYERS: tuple[tuple[str, ...], ...] = (
    # leaves: the sources' contract, and modules that import nothing of the app
    (
        "collectors",
        "wallboard",  # the root package's __init__ only (a docstring)
        "wallboard.signals",
        "wallboard.assets",
        "wallboard.security",
        "wallboard.connections",
        "wallboard.limits",
        "wallboard.proxies",
    ),
    ("wallboard.config", "wallboard.server_caps"),  # server_caps: limits.py turned into caps
    ("wallboard.sources", "wallboard.web"),  # sources from config; the faces' JSON errors
    ("wallboard.board",),
    ("wallboard.views",),
    ("wallboard.fanout",),
    ("wallboard.state.ports",),
    ("wallboard.polling",),
    ("wallboard.wall",),  # the composition root the faces read through current_wall()
    ("wallboard.state", "wallboard.devices", "wallboard.reload"),  # backends beside devices
    ("wallboard.api",),
    ("wallboard.screens", "wallboard.hooks", "wallboard.ops"),
    ("wallboard.app", "wallboard.handover"),  # handover: a screen's socket, app to hub
    ("wallboard.server",),
    ("wallboard.cli",),
    ("wallboard.__main__",),
)


def layer_of(module: str) -> tuple[int, str]:
    """(layer, package) of ``module``: the longest package prefix the layers name."""
    found = [
        (len(package), index, package)
        for index, packages in enumerate(LAYERS)
        for package in packages
        if module == package or module.startswith(package + ".")
    ]
    if not found:
        raise LookupError(f"{module} is in no layer: add its package to LAYERS")
    _, index, package = max(found)
    return index, package


def layer_violations(edges: dict[str, set[str]]) -> list[str]:
    """Every import that goes up a layer or sideways between two packages of one layer."""
    found = []
    for name, deps in sorted(edges.items()):
        layer, package = layer_of(name)
        for dep in sorted(deps):
            dep_layer, dep_package = layer_of(dep)
            if dep_package != package and dep_layer >= layer:
                found.append(f"{name} (layer {layer}) imports {dep} (layer {dep_layer})")
    return found


def test_every_package_imports_only_downward() -> None:
    assert layer_violations(graph()) == []


def test_the_layer_rule_catches_an_import_that_goes_up() -> None:
    # One forbidden import added to the real graph: the rule must see it.
    edges = {name: set(deps) for name, deps in graph().items()}
    edges["wallboard.board.board"].add("wallboard.api.routes")
    edges["wallboard.state.sqlite.store"].add("wallboard.devices.service")
    assert layer_violations(edges) == [
        "wallboard.board.board (layer 3) imports wallboard.api.routes (layer 10)",
        "wallboard.state.sqlite.store (layer 9) imports wallboard.devices.service (layer 9)",
    ]


def test_the_two_state_backends_never_import_each_other() -> None:
    offenders = {
        name: sorted(m for m in deps if m.startswith(f"wallboard.state.{other}"))
        for name, deps in graph().items()
        for own, other in (("sqlite", "redis"), ("redis", "sqlite"))
        if name.startswith(f"wallboard.state.{own}")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
