"""Where a loaded config points at secrets: every ``*_env`` and ``*_file`` key, with its path.

Used by ``check-config --offline`` (which secrets a deployment must provide) and
by log redaction (which values must never leave the process).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from collectors.options import file_problem
from wallboard.config.model import ConfigIssue, WallConfig


@dataclass(frozen=True)
class SecretRef:
    path: str  # the key path, e.g. "sources.sentry.token_env"
    kind: Literal["env", "file"]
    ref: str  # the variable name or the file path


def _refs(value: Any, path: str, kind: Literal["env", "file"]) -> Iterator[SecretRef]:
    if isinstance(value, str):
        yield SecretRef(path, kind, value)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _refs(item, f"{path}.{key}", kind)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _refs(item, f"{path}[{i}]", kind)


def _walk(value: Any, path: str) -> Iterator[SecretRef]:
    if isinstance(value, BaseModel):
        for key in type(value).model_fields:
            field = getattr(value, key)
            if key.endswith("_env"):
                yield from _refs(field, f"{path}.{key}", "env")
            elif key.endswith("_file"):
                yield from _refs(field, f"{path}.{key}", "file")
            else:
                yield from _walk(field, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")


def secret_refs(config: WallConfig) -> list[SecretRef]:
    """Every secret reference in ``config``, each once, with the key path that holds it."""
    refs: list[SecretRef] = []
    for name in ("wall", "screen", "api", "slack", "server", "deploys"):
        refs += _walk(getattr(config, name), name)
    if config.state.backend == "redis":  # the Redis URL may hold a password
        state = config.state
        if state.redis_url_file:
            refs.append(SecretRef("state.redis_url_file", "file", state.redis_url_file))
        else:
            refs.append(SecretRef("state.redis_url_env", "env", state.redis_url_env))
    for sid, source in config.sources.items():
        refs += _walk(source.options, f"sources.{sid}")
    panels_seen: set[str] = set()
    for tid, team in config.teams.items():
        for options in team.options.values():
            refs += _walk(options, f"teams.{tid}")
        for panel in team.panels:
            if panel.id not in panels_seen:
                panels_seen.add(panel.id)
                refs += _walk(panel.options, f"panels.{panel.id}")
    return refs


def missing_secrets(config: WallConfig, env: Mapping[str, str]) -> list[ConfigIssue]:
    """The secrets this environment lacks, as notes with their key paths."""
    notes = []
    for ref in secret_refs(config):
        if ref.kind == "env" and not env.get(ref.ref):
            notes.append(ConfigIssue(ref.path, f"environment variable {ref.ref} is not set"))
        elif ref.kind == "file" and (problem := file_problem(ref.ref)):
            notes.append(ConfigIssue(ref.path, problem))
    return notes
