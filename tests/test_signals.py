"""A signal calls its listeners in the order they connected and hands back their answers."""

from __future__ import annotations

import gc

from wallboard.signals import Signal


def test_it_calls_listeners_in_order_with_the_arguments_sent() -> None:
    signal: Signal[[int, str], None] = Signal()
    calls: list[tuple[str, int, str]] = []
    signal.connect(lambda n, s: calls.append(("a", n, s)))
    signal.connect(lambda n, s: calls.append(("b", n, s)))
    assert signal.send(1, "x") == [None, None]
    assert calls == [("a", 1, "x"), ("b", 1, "x")]


def test_it_returns_each_answer_in_order() -> None:
    signal: Signal[[], str | None] = Signal()
    assert signal.send() == []
    signal.connect(lambda: None)
    signal.connect(lambda: "second")
    assert signal.send() == [None, "second"]


def test_a_lambda_stays_connected_without_another_reference() -> None:
    signal: Signal[[], int] = Signal()
    signal.connect(lambda: 7)
    gc.collect()
    assert signal.send() == [7]


def test_a_listener_connected_while_sending_hears_the_next_send() -> None:
    signal: Signal[[], None] = Signal()
    heard: list[str] = []

    def late() -> None:
        heard.append("late")

    def first() -> None:
        heard.append("first")
        if heard == ["first"]:
            signal.connect(late)

    signal.connect(first)
    signal.send()
    assert heard == ["first"]
    signal.send()
    assert heard == ["first", "first", "late"]
