"""The app-wide size bound on cached results (``ui.cached``)."""

import numpy as np
import streamlit as st

import ui


def test_entries_past_the_byte_bound_are_evicted_oldest_first(monkeypatch):
    st.cache_data.clear()
    bound = ui._CacheBytes(limit=3.5e6)
    monkeypatch.setattr(ui, "CACHE", bound)
    calls = []

    def megabyte(i: int) -> np.ndarray:
        calls.append(i)
        return np.full(125_000, float(i))  # 1 MB

    fn = ui.cached(megabyte)
    for i in range(5):
        fn(i)
    assert bound.total <= 3.5e6 and len(bound._entries) == 3
    fn(4)  # still cached: no new call
    assert calls == [0, 1, 2, 3, 4]
    fn(0)  # evicted: computed again
    assert calls == [0, 1, 2, 3, 4, 0]
    assert float(fn(0)[0]) == 0.0


def test_unhashed_arguments_are_not_part_of_the_key(monkeypatch):
    st.cache_data.clear()
    monkeypatch.setattr(ui, "CACHE", ui._CacheBytes(limit=1e9))

    def store(key: int, _value: object = None) -> object:
        return _value

    fn = ui.cached(store)
    assert fn(1, "first") == "first"
    assert fn(1, "second") == "first"  # the cache keys on ``key`` only
    assert len(ui.CACHE._entries) == 1


def test_memory_is_released_after_a_call_that_computed_and_not_after_a_hit(monkeypatch):
    st.cache_data.clear()
    monkeypatch.setattr(ui, "CACHE", ui._CacheBytes(limit=1e9))
    released = []
    monkeypatch.setattr(ui.heap, "release_free_memory", lambda: released.append(True))

    def square(i: int) -> np.ndarray:
        return np.full(1000, float(i * i))

    fn = ui.cached(square)
    fn(3)
    assert len(released) == 1
    fn(3)  # a hit: nothing was computed, so nothing to give back
    assert len(released) == 1
    fn(4)
    assert len(released) == 2
