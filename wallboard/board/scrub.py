"""Upstream text made safe to show: every string a source returns, passed through one filter.

The board calls these on the way in (``apply``, ``push``, ``fail``), so screens,
the API, Slack answers and ``/readyz`` all read text that has already been
through the same redaction as the logs; no reader can forget to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from collectors.base import Collection, Item, Marker, Reading
from collectors.errors import CollectorError

Scrub = Callable[[str], str]


def scrub_error(error: CollectorError, scrub: Scrub) -> CollectorError:
    reason = scrub(error.reason)
    if reason == error.reason:
        return error
    return CollectorError(
        reason, retryable=error.retryable, config_error=error.config_error, kind=error.kind
    )


def _item(item: Item, scrub: Scrub) -> Item:
    meta = {k: scrub(v) if isinstance(v, str) else v for k, v in item.meta.items()}
    return replace(
        item,
        title=scrub(item.title),
        detail=scrub(item.detail),
        link=scrub(item.link) if item.link is not None else None,
        meta=meta,
    )


def _reading(reading: Reading, scrub: Scrub) -> Reading:
    return replace(
        reading,
        text=scrub(reading.text) if reading.text is not None else None,
        items=tuple(_item(item, scrub) for item in reading.items),
        facts={k: scrub(v) if isinstance(v, str) else v for k, v in reading.facts.items()},
    )


def _marker(marker: Marker, scrub: Scrub) -> Marker:
    # A release's version, link and environment are upstream text like any other.
    return replace(
        marker,
        version=scrub(marker.version),
        url=scrub(marker.url) if marker.url is not None else None,
        environment=scrub(marker.environment) if marker.environment is not None else None,
    )


def scrub_collection(collection: Collection, scrub: Scrub) -> Collection:
    # replace(), not a new Collection: every other field (deploy markers...) is kept.
    return replace(
        collection,
        readings={key: _reading(r, scrub) for key, r in collection.readings.items()},
        failures={key: scrub_error(e, scrub) for key, e in collection.failures.items()},
        warnings=[scrub(w) for w in collection.warnings],
        markers=[_marker(m, scrub) for m in collection.markers],
    )
