"""No leaks over 10,000 create/free cycles: Python-side allocations (tracemalloc) and
the process's resident memory (RSS, /proc/self/statm) stay flat."""

import gc
import os
import tracemalloc

import numpy as np
import pytest

import xbar

CYCLES = 10_000
W = np.random.default_rng(0).uniform(-1, 1, (32, 32))
X = np.random.default_rng(1).uniform(-1, 1, (2, 32))


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def cycle(i: int) -> None:
    p = xbar.Params.preset("default")
    p["xbar.adc.mvm.bits"] = 8 if i % 2 else 0
    c = xbar.Core(p, 32, 32, seed=i)
    c.program(W)
    c.mvm(X)
    c.vmm(X)
    try:
        c.mvm(np.ones(3))  # an error path allocates a message and an exception
    except xbar.ShapeError:
        pass
    if i % 10 == 1:  # state round trips and a failing load
        xbar.Core.deserialize(c.serialize())
        try:
            xbar.Core.deserialize(b"garbage")
        except xbar.ParseError:
            pass
    if i % 3 == 0:
        c.close()  # explicit; the others are freed by the garbage collector
        p.close()


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc (Linux) for the RSS")
def test_ten_thousand_create_free_cycles_do_not_leak():
    for i in range(1000):  # warm up: allocator pools, caches, lazily built tables
        cycle(i)
    gc.collect()
    tracemalloc.start()
    py_before, _ = tracemalloc.get_traced_memory()
    rss_before = rss_bytes()
    for i in range(CYCLES):
        cycle(i)
    gc.collect()
    py_after, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = rss_bytes()
    # One leaked 32x32 core holds at least its 1,024 programmed weights and 2,048
    # conductances (> 16 KiB); 10,000 of them would be > 160 MiB. Allow 64 KiB of
    # Python objects (interning, freelists) and 16 MiB of RSS (allocator slack).
    assert py_after - py_before < 64 * 1024, f"Python memory grew by {py_after - py_before} bytes"
    assert rss_after - rss_before < 16 * 1024 * 1024, f"RSS grew by {(rss_after - rss_before) / 2**20:.1f} MiB"
