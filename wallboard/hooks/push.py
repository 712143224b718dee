"""What the webhook routes share: the running sources that take pushes, and the request as given.

The routes know HTTP; each source knows its own token or signature scheme and
payload (``collectors.base.PushReceiver``), so nothing here names a collector class.
"""

from __future__ import annotations

import functools

from flask import request

from collectors.base import PushReceiver, PushRequest
from wallboard.wall import Wall


def receivers(wall: Wall, kind: str) -> dict[str, PushReceiver]:
    """The running sources of ``kind`` that are set up to take pushes, by source id."""
    return {
        sid: source
        for sid, source in wall.sources.items()
        if isinstance(source, PushReceiver) and source.kind == kind and source.accepts_pushes
    }


def push_request(body: bytes | None = None) -> PushRequest:
    """This request for a source to verify; its raw body is read once, only if needed."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    if body is not None:
        known = body
        return PushRequest(headers, lambda: known)
    return PushRequest(headers, functools.cache(lambda: request.get_data(cache=False)))


def verified_by(sources: dict[str, PushReceiver], push: PushRequest) -> str | None:
    """The first source that accepts the request; every candidate is checked in full."""
    accepted = [sid for sid, source in sources.items() if source.verify(push)]
    return accepted[0] if accepted else None
