"""One typed signal: how a part of the wall tells the others that something happened.

A ``Signal[[str, float], None]`` takes listeners of exactly that shape, so mypy checks
both ends. ``send`` calls every listener in the order they connected, on the sender's
thread, and returns their answers in that order (a query such as the hub's notice reads
them). Listeners are held strongly: a lambda stays connected. blinker, which Flask
ships, holds weak references by default and types ``send`` as ``**kwargs``; both would
lose what this module is for.

A leaf: it imports nothing from the project, so every layer (the board too) may use it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class Signal(Generic[P, R]):
    def __init__(self) -> None:
        # Replaced whole on connect, never changed in place: ``send`` reads it without a lock.
        self._listeners: tuple[Callable[P, R], ...] = ()
        self._lock = threading.Lock()

    def connect(self, listener: Callable[P, R]) -> Callable[P, R]:
        """Call ``listener`` on every later ``send``; returns it, so it works as a decorator."""
        with self._lock:
            self._listeners = (*self._listeners, listener)
        return listener

    def send(self, *args: P.args, **kwargs: P.kwargs) -> list[R]:
        """Call each listener in the order connected; their answers, in the same order."""
        return [listener(*args, **kwargs) for listener in self._listeners]
