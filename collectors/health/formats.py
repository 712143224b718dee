"""What a health endpoint's answer means: up, degraded, down or unknown, and why.

Pure functions of (HTTP status, content type, body): no network, no clock, so
every format is testable from bytes. Formats (``docs/api-facts.md`` section 3):
IETF ``application/health+json`` (pass/warn/fail and aliases, ``checks``),
Spring Boot Actuator (UP/DOWN/OUT_OF_SERVICE/UNKNOWN, nested ``components``),
Kubernetes ``ok`` and ``?verbose`` lines, and plain endpoints. The status code
wins over the body, as the Kubernetes docs tell machines to do; the body adds
the words and names the failing components.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any, TypeGuard

from collectors import jsonsafe

UP, DEGRADED, DOWN, UNKNOWN = "up", "degraded", "down", "unknown"

# Body statuses, lower-cased: IETF names and aliases, then Spring's.
_BODY_STATUS = {
    "pass": UP,
    "ok": UP,
    "up": UP,
    "warn": DEGRADED,
    "degraded": DEGRADED,  # not IETF or Spring, but a common custom Spring status
    "fail": DOWN,
    "error": DOWN,
    "down": DOWN,
    "out_of_service": DOWN,
    "unknown": UNKNOWN,
}
_K8S_LINE = re.compile(r"^\[([+-])\](\S+)")
_OUTPUT_LIMIT = 120  # a wall shows a line, not a stack trace


@dataclass(frozen=True)
class Verdict:
    """The meaning of one answer. ``failed`` says whether it counts toward ``fail_after``."""

    state: str  # up | degraded | down | unknown
    reason: str = ""
    components: tuple[str, ...] = ()  # failing (or warning) components named by the body

    @property
    def failed(self) -> bool:
        return self.state == DOWN


def status_ok(status: int, expect: Collection[int] | None = None) -> bool:
    """Whether the status code alone says "alive": the expected codes, else 200-399."""
    if expect:
        return status in expect
    return 200 <= status < 400


def is_json_type(content_type: str) -> bool:
    """application/json, application/health+json, Spring's vnd...+json: any JSON type."""
    return content_type == "application/json" or content_type.endswith("+json")


def interpret(
    status: int, content_type: str, body: bytes, expect: Collection[int] | None = None
) -> Verdict:
    """The verdict for one HTTP answer (``content_type`` lower-case, without parameters)."""
    ok = status_ok(status, expect)
    code = f"HTTP {status}" + (f" (expected {_codes(expect)})" if expect and not ok else "")
    if is_json_type(content_type):
        return _json_verdict(ok, code, body)
    if content_type in ("text/plain", "") and _looks_like_k8s(body):
        return _k8s_verdict(ok, code, body)
    return Verdict(UP, code) if ok else Verdict(DOWN, code)


def _codes(expect: Collection[int]) -> str:
    return " or ".join(str(c) for c in sorted(expect))


# -- JSON: IETF health+json, Spring Boot Actuator, plain {"status": "ok"} -----------------


def _json_verdict(ok: bool, code: str, body: bytes) -> Verdict:
    if not body.strip():  # a 204, or an answer to HEAD: the status code is all there is
        return Verdict(UP, code) if ok else Verdict(DOWN, code)
    try:
        # Strict: Infinity, NaN or 1e400 beside "pass" is no document any other parser reads.
        doc = jsonsafe.loads(body)
    except (ValueError, UnicodeDecodeError):
        # A JSON content type with garbage behind it (a proxy's error page, a crash
        # mid-write) is not a healthy answer, whatever the status code says.
        return Verdict(DOWN, code if not ok else f"invalid JSON ({code})")
    if not isinstance(doc, dict):
        return Verdict(UP, code) if ok else Verdict(DOWN, code)
    raw = doc.get("status")
    body_state = _BODY_STATUS.get(raw.strip().lower()) if isinstance(raw, str) else None
    named = list(_failing_components(doc))
    components = tuple(name for name, _ in named)
    output = _output(doc)
    if not ok:
        return Verdict(DOWN, _join(code, named, output), components)
    if body_state is None:
        if isinstance(raw, str) and raw.strip():
            # Spring allows custom statuses; one we cannot rank is not green.
            return Verdict(UNKNOWN, f'status "{_clip(raw)}" ({code})', components)
        return Verdict(UP, code)
    if body_state == UP:
        return Verdict(UP, code)
    words = f'status "{_clip(str(raw))}"'
    return Verdict(body_state, _join(words, named, output), components)


def _failing_components(doc: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(name, status) of each component not up; for nested ones, the deepest."""
    checks = doc.get("checks")
    if isinstance(checks, dict):  # IETF: {"db:responseTime": [{...}, ...]}
        for key, entries in checks.items():
            listed = entries if isinstance(entries, list) else [entries]
            for entry in listed:
                if not isinstance(entry, dict):
                    continue
                status = entry.get("status")
                if _not_up(status):
                    component = entry.get("componentId")
                    name = f"{key} ({component})" if isinstance(component, str) else key
                    yield _clip(name), _clip(status)
                    break
    yield from _spring_components(doc, "")


def _spring_components(node: dict[str, Any], prefix: str) -> Iterator[tuple[str, str]]:
    children = node.get("components")
    if not isinstance(children, dict):
        # Boot 2.0/2.1 nested components under "details"; later "details" is free-form.
        details = node.get("details")
        children = details if isinstance(details, dict) and _all_have_status(details) else None
    if not children:
        return
    for name, child in children.items():
        if not isinstance(child, dict):
            continue
        status = child.get("status")
        if not _not_up(status):
            continue
        path = f"{prefix}{name}"
        deeper = list(_spring_components(child, f"{path}/"))
        yield from deeper or [(_clip(path), _clip(status))]


def _all_have_status(mapping: dict[str, Any]) -> bool:
    return all(isinstance(v, dict) and isinstance(v.get("status"), str) for v in mapping.values())


def _not_up(raw: object) -> TypeGuard[str]:
    return isinstance(raw, str) and _BODY_STATUS.get(raw.strip().lower(), UNKNOWN) != UP


def _output(doc: dict[str, Any]) -> str:
    output = doc.get("output")
    return _clip(output) if isinstance(output, str) else ""


# -- Kubernetes: "ok", or "[+]etcd ok" / "[-]etcd failed: reason withheld" lines ---------


def _looks_like_k8s(body: bytes) -> bool:
    text = body[:4096].decode("utf-8", "replace").strip()
    return text == "ok" or any(_K8S_LINE.match(line) for line in text.splitlines())


def _k8s_verdict(ok: bool, code: str, body: bytes) -> Verdict:
    failed = []
    for line in body.decode("utf-8", "replace").splitlines():
        match = _K8S_LINE.match(line.strip())
        if match and match.group(1) == "-":
            failed.append((_clip(match.group(2)), "failed"))
    components = tuple(name for name, _ in failed)
    if not ok:
        return Verdict(DOWN, _join(code, failed, ""), components)
    if components:  # 200 but a check is listed as failed: alive, not healthy
        return Verdict(DEGRADED, _join(code, failed, ""), components)
    return Verdict(UP, code)


# -- words -------------------------------------------------------------------------------


def _join(head: str, named: list[tuple[str, str]], output: str) -> str:
    text = head
    if named:
        text += ": " + ", ".join(f"{name} {status}" for name, status in named)
    if output:
        text += f" ({output})"
    return text


def _clip(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _OUTPUT_LIMIT else flat[: _OUTPUT_LIMIT - 1] + "…"
