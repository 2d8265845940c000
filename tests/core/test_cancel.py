"""CancelToken: set once from any thread; callbacks registered while a run is in flight."""

from __future__ import annotations

import threading

from lowlight_gui.core.cancel import CancelToken


def test_set_runs_the_callbacks_once_and_is_seen_by_waiters():
    token = CancelToken()
    calls = []
    token.on_set(lambda: calls.append("a"))
    token.on_set(lambda: calls.append("b"))
    assert not token.is_set() and not token.wait(0.01)
    waiter = threading.Thread(target=token.wait)
    waiter.start()
    token.set()
    token.set()  # idempotent
    waiter.join(5)
    assert not waiter.is_alive()
    assert token.is_set() and token.wait(0) and calls == ["a", "b"]


def test_a_callback_registered_after_set_runs_at_once():
    token = CancelToken()
    token.set()
    calls = []
    remove = token.on_set(lambda: calls.append(1))
    assert calls == [1]
    remove()  # harmless


def test_unregistered_callbacks_are_not_called():
    token = CancelToken()
    calls = []
    remove = token.on_set(lambda: calls.append("gone"))
    with token.registered(lambda: calls.append("block")):
        pass
    remove()
    with token.registered(lambda: calls.append("kept")):
        token.set()
    assert calls == ["kept"]
