"""EngineCache: one engine per spec, shared by every caller; an old one lives while held."""

from __future__ import annotations

import gc
import threading

from lowlight_gui.core.engine_cache import EngineCache, EngineSpec


def test_one_engine_per_spec(tiny_model, tiny_model_f4):
    cache = EngineCache()
    spec = EngineSpec(tiny_model, "CPU", 1)
    first = cache.get(spec)
    assert cache.get(EngineSpec(tiny_model, "CPU", 1)) is first  # equal specs: the same engine
    assert cache.current() is first
    other = cache.get(EngineSpec(tiny_model_f4, "CPU", 1))
    assert other is not first and cache.current() is other
    # ``first`` is still held here (a batch that started before the change): handed out again
    assert cache.get(spec) is first


def test_an_engine_nobody_holds_is_freed(tiny_model, tiny_model_f4):
    cache = EngineCache()
    spec = EngineSpec(tiny_model, "CPU", 1)
    cache.get(spec)  # nobody keeps it but the cache
    cache.get(EngineSpec(tiny_model_f4, "CPU", 1))
    gc.collect()
    assert spec not in cache._alive  # the previous session was released


def test_concurrent_callers_share_one_load(tiny_model):
    cache = EngineCache()
    spec = EngineSpec(tiny_model, "CPU", 1)
    got = []
    threads = [threading.Thread(target=lambda: got.append(cache.get(spec))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(got) == 4 and all(e is got[0] for e in got)
